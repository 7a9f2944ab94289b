// The two-step upload Slack requires since files.upload was retired: files.getUploadURLExternal hands
// out a URL (served by the stand-in), the bytes are POSTed there, and files.completeUploadExternal
// shares the file into a channel or thread as a message carrying `files`.
// https://docs.slack.dev/messaging/working-with-files#uploading_files

import { validateBlocks } from './block-rules.ts';
import { withBlockIds } from './message-content.ts';
import {
  invalidBlocks,
  type MethodContext,
  type MethodHandler,
  type MethodResult,
  missing,
  optInt,
  optJson,
  optString,
  reqString,
  SlackMethodError,
} from './method-support.ts';
import type { Block, SlackFileObject, StoredFile, StoredMessage } from './types.ts';
import type { Workspace } from './workspace.ts';

const TYPES: Record<string, { mimetype: string; filetype: string; pretty: string }> = {
  csv: { mimetype: 'text/csv', filetype: 'csv', pretty: 'CSV' },
  md: { mimetype: 'text/markdown', filetype: 'markdown', pretty: 'Markdown (raw)' },
  json: { mimetype: 'application/json', filetype: 'json', pretty: 'JSON' },
  txt: { mimetype: 'text/plain', filetype: 'text', pretty: 'Plain Text' },
  log: { mimetype: 'text/plain', filetype: 'text', pretty: 'Plain Text' },
  pdf: { mimetype: 'application/pdf', filetype: 'pdf', pretty: 'PDF' },
  png: { mimetype: 'image/png', filetype: 'png', pretty: 'PNG' },
};

function typeOf(name: string) {
  const ext = name.includes('.') ? (name.split('.').pop() ?? '').toLowerCase() : '';
  return TYPES[ext] ?? { mimetype: 'application/octet-stream', filetype: 'binary', pretty: 'Binary' };
}

/** URL path (on the stand-in) where a file's bytes are accepted. */
export const uploadPath = (fileId: string) => `/upload/v1/${fileId}`;
/** URL path (on the stand-in) where a shared file can be downloaded with the bot token. */
export const downloadPath = (f: { id: string; name: string }, teamId: string) =>
  `/files-pri/${teamId}-${f.id}/${encodeURIComponent(f.name)}`;

function getUploadUrl({ ws, args, baseUrl, now }: MethodContext): MethodResult {
  const filename = reqString(args, 'filename');
  if (args.length === undefined || args.length === '') throw missing('length');
  const length = optInt(args, 'length', 0);
  const id = ws.nextId('F');
  const t = typeOf(filename);
  const created = Math.floor(now / 1000);
  const file: StoredFile = {
    id,
    name: filename,
    title: filename,
    mimetype: t.mimetype,
    filetype: t.filetype,
    pretty_type: t.pretty,
    size: 0,
    user: ws.bot.userId,
    created,
    timestamp: created,
    is_external: false,
    url_private: `${baseUrl}${downloadPath({ id, name: filename }, ws.team.id)}`,
    url_private_download: `${baseUrl}${downloadPath({ id, name: filename }, ws.team.id)}?download=1`,
    permalink: `https://${ws.team.domain}.slack.com/files/${ws.bot.userId}/${id}/${encodeURIComponent(filename)}`,
    channels: [],
    content: Buffer.alloc(0),
    declaredLength: length,
    uploaded: false,
    completed: false,
  };
  const alt = optString(args, 'alt_txt') ?? optString(args, 'alt_text');
  if (alt) file.alt_txt = alt;
  ws.files.set(id, file);
  return { upload_url: `${baseUrl}${uploadPath(id)}`, file_id: id };
}

/** Bytes arriving at an upload URL; answers like files.slack.com does (`OK - <bytes>`). */
export function acceptUpload(
  ws: Workspace,
  fileId: string,
  content: Buffer,
): { status: number; body: string } {
  const file = ws.files.get(fileId);
  if (!file || file.completed) return { status: 404, body: 'file_not_found' };
  file.content = content;
  file.size = content.length;
  file.uploaded = true;
  return { status: 200, body: `OK - ${content.length}` };
}

export function fileObject(f: StoredFile): SlackFileObject {
  const {
    content: _content,
    declaredLength: _declared,
    uploaded: _uploaded,
    completed: _completed,
    threadTs: _thread,
    ...rest
  } = f;
  return rest;
}

function completeUpload({ ws, args, now }: MethodContext): MethodResult {
  const list = optJson(args, 'files');
  if (list === undefined) throw missing('files');
  if (!Array.isArray(list) || list.length === 0) {
    throw new SlackMethodError('invalid_arguments', ['[ERROR] files must be a non-empty array']);
  }
  const files = list.map((entry) => {
    const id =
      typeof entry === 'object' && entry !== null ? (entry as Record<string, unknown>).id : undefined;
    const file = typeof id === 'string' ? ws.files.get(id) : undefined;
    if (!file?.uploaded) throw new SlackMethodError('file_not_found');
    const title = (entry as Record<string, unknown>).title;
    if (typeof title === 'string' && title !== '') file.title = title;
    return file;
  });
  const channelRef = optString(args, 'channel_id') ?? optString(args, 'channels');
  const comment = optString(args, 'initial_comment');
  // "If the initial_comment field is provided, the blocks field is ignored" (files.completeUploadExternal)
  const blocks = comment === undefined ? optJson(args, 'blocks', 'invalid_blocks_format') : undefined;
  if (blocks !== undefined) {
    const problems = validateBlocks(blocks, 'message');
    if (problems.length > 0) throw invalidBlocks(problems);
  }
  if (channelRef) {
    shareFiles(ws, {
      channelRef,
      files,
      comment,
      blocks: blocks as Block[] | undefined,
      threadRef: optString(args, 'thread_ts'),
      now,
    });
  }
  for (const f of files) f.completed = true;
  return { files: files.map((f) => ({ id: f.id, title: f.title })) };
}

interface Share {
  channelRef: string;
  files: StoredFile[];
  comment: string | undefined;
  blocks: Block[] | undefined;
  threadRef: string | undefined;
  now: number;
}

function shareFiles(ws: Workspace, share: Share): void {
  const state = ws.resolveChannel(share.channelRef, { create: true });
  const threadTs = share.threadRef ? ws.threadRoot(state, share.threadRef) : undefined;
  for (const f of share.files) {
    f.channels = [...new Set([...f.channels, state.info.id])];
    if (threadTs) f.threadTs = threadTs;
  }
  const msg: StoredMessage = {
    type: 'message',
    channel: state.info.id,
    ts: ws.nextTs(share.now),
    user: ws.bot.userId,
    bot_id: ws.bot.botId,
    app_id: ws.bot.appId,
    text: share.comment ?? '',
    team: ws.team.id,
    files: share.files.map(fileObject),
    upload: true,
    via: 'file_share',
  };
  if (share.blocks) msg.blocks = withBlockIds(share.blocks);
  if (threadTs) {
    msg.thread_ts = threadTs;
    const parent = state.messages.find((m) => m.ts === threadTs);
    if (parent) msg.parent_user_id = parent.user;
  }
  state.messages.push(msg);
}

function info({ ws, args }: MethodContext): MethodResult {
  const id = reqString(args, 'file');
  const f = ws.files.get(id);
  if (!f?.completed) throw new SlackMethodError('file_not_found');
  return { file: fileObject(f) };
}

export const fileMethods: Record<string, MethodHandler> = {
  'files.getUploadURLExternal': getUploadUrl,
  'files.completeUploadExternal': completeUpload,
  'files.info': info,
};
