// Block Kit limits that Slack enforces, so the stand-in refuses what real Slack would refuse
// instead of letting a message that breaks in production pass in the tests. Each limit cites the
// page it comes from. Problems are phrased like Slack's own `[ERROR] … [json-pointer:…]` messages.

/** Where blocks are shown: the block budget and some rules differ between them. */
export type Surface = 'message' | 'modal' | 'home';

export const SLACK_LIMITS = {
  // "You can include up to 50 blocks in each message, and 100 blocks in modals or Home tabs."
  // https://docs.slack.dev/reference/block-kit/blocks
  blocksPerMessage: 50,
  blocksPerView: 100,
  // "Maximum length for this field is 255 characters." (block_id on every block; action_id on elements)
  // https://docs.slack.dev/reference/block-kit/blocks/header-block , .../block-elements/button-element
  blockId: 255,
  actionId: 255,
  // Section: "Maximum length for the text in this field is 3000 characters"; fields: "Maximum number
  // of items is 10. Maximum length for the text in each item is 2000 characters."
  // https://docs.slack.dev/reference/block-kit/blocks/section-block
  sectionText: 3000,
  sectionFields: 10,
  sectionFieldText: 2000,
  // Header: "Maximum length for the text in this field is 150 characters."
  // https://docs.slack.dev/reference/block-kit/blocks/header-block
  headerText: 150,
  // Context: "An array of image elements and text objects. Maximum number of items is 10."
  // https://docs.slack.dev/reference/block-kit/blocks/context-block
  contextElements: 10,
  // Actions: "There is a maximum of 25 elements in each action block."
  // https://docs.slack.dev/reference/block-kit/blocks/actions-block
  actionsElements: 25,
  // Button: text 75, value 2000, url 3000, accessibility_label 75.
  // https://docs.slack.dev/reference/block-kit/block-elements/button-element
  buttonText: 75,
  buttonValue: 2000,
  buttonUrl: 3000,
  // Confirmation dialog: title 100, text 300, confirm/deny 30.
  // https://docs.slack.dev/reference/block-kit/composition-objects/confirmation-dialog-object
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  // Input block label and hint: 2000. https://docs.slack.dev/reference/block-kit/blocks/input-block
  inputLabel: 2000,
  // Image block alt_text 2000, image_url 3000. https://docs.slack.dev/reference/block-kit/blocks/image-block
  imageAltText: 2000,
  imageUrl: 3000,
  // Markdown block text: "Limit 12,000 characters max." (@slack/types MarkdownBlock, which links
  // https://docs.slack.dev/reference/block-kit/blocks/markdown-block). Counted over the whole payload,
  // as Slack documents the limit as cumulative on that page.
  markdownTotal: 12_000,
  // Select menus: placeholder 150, up to 100 options. https://docs.slack.dev/reference/block-kit/block-elements/select-menu-element
  placeholder: 150,
  options: 100,
  // Modal: title/submit/close 24 characters, private_metadata 3000, callback_id 255.
  // https://docs.slack.dev/reference/views/modal-views
  viewTitle: 24,
  viewButton: 24,
  privateMetadata: 3000,
  callbackId: 255,
  // chat.postMessage `text`: "Provide no more than 40,000 characters or risk truncation"; error `msg_too_long`.
  // https://docs.slack.dev/reference/methods/chat.postMessage
  messageText: 40_000,
} as const;

// Every block type the installed @slack/types knows (node_modules/@slack/types/dist/block-kit/blocks.d.ts),
// which tracks https://docs.slack.dev/reference/block-kit/blocks.
const KNOWN_BLOCK_TYPES = new Set([
  'actions',
  'alert',
  'card',
  'carousel',
  'container',
  'context',
  'context_actions',
  'data_table',
  'divider',
  'file',
  'header',
  'image',
  'input',
  'markdown',
  'plan',
  'rich_text',
  'section',
  'table',
  'task_card',
  'video',
]);

const BUTTON_STYLES = new Set(['primary', 'danger']);

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** How far `action_id` must be unique: Slack documents "within the containing block"; see validateBlocks. */
export type ActionIdScope = 'block' | 'message';

interface Walk {
  problems: string[];
  blockIds: Set<string>;
  actionIds: Set<string>;
  actionScope: ActionIdScope;
  markdownChars: number;
}

export interface ValidateBlocksOptions {
  pointer?: string;
  /**
   * Messages default to `message`: a duplicate `action_id` anywhere in one message is refused, which
   * is stricter than Slack's documented per-block rule but keeps every button unambiguous for the bot's
   * handlers and for the driver's `clickButton`. Views default to `block`, where `state.values` is keyed
   * by block then action.
   */
  actionIdScope?: ActionIdScope;
}

/**
 * Problems with a `blocks` array for the given surface; empty when Slack would accept it. Each
 * problem reads like Slack's own: `must be less than 3001 characters [json-pointer:/blocks/0/text/text]`.
 */
export function validateBlocks(
  blocks: unknown,
  surface: Surface,
  opts: ValidateBlocksOptions = {},
): string[] {
  const pointer = opts.pointer ?? '/blocks';
  const w: Walk = {
    problems: [],
    blockIds: new Set(),
    actionIds: new Set(),
    actionScope: opts.actionIdScope ?? (surface === 'message' ? 'message' : 'block'),
    markdownChars: 0,
  };
  if (!Array.isArray(blocks)) {
    w.problems.push(`expected an array of blocks [json-pointer:${pointer}]`);
    return w.problems;
  }
  const max = surface === 'message' ? SLACK_LIMITS.blocksPerMessage : SLACK_LIMITS.blocksPerView;
  if (blocks.length > max) w.problems.push(`no more than ${max} items allowed [json-pointer:${pointer}]`);
  blocks.forEach((block, i) => {
    checkBlock(block, `${pointer}/${i}`, w);
  });
  if (w.markdownChars > SLACK_LIMITS.markdownTotal) {
    w.problems.push(
      `markdown blocks must total less than ${SLACK_LIMITS.markdownTotal + 1} characters [json-pointer:${pointer}]`,
    );
  }
  return w.problems;
}

function checkBlock(block: unknown, at: string, w: Walk): void {
  if (!isObj(block) || typeof block.type !== 'string') {
    w.problems.push(`missing required field: type [json-pointer:${at}]`);
    return;
  }
  if (!KNOWN_BLOCK_TYPES.has(block.type)) {
    w.problems.push(`unsupported block type: ${block.type} [json-pointer:${at}/type]`);
    return;
  }
  if (block.block_id !== undefined) {
    if (typeof block.block_id !== 'string' || block.block_id.length === 0) {
      w.problems.push(`block_id must be a non-empty string [json-pointer:${at}/block_id]`);
    } else {
      maxLen(block.block_id, SLACK_LIMITS.blockId, `${at}/block_id`, w);
      if (w.blockIds.has(block.block_id)) {
        w.problems.push(`duplicate block_id: ${block.block_id} [json-pointer:${at}/block_id]`);
      }
      w.blockIds.add(block.block_id);
    }
  }
  if (w.actionScope === 'block') w.actionIds = new Set();
  const checks: Record<string, () => void> = {
    section: () => checkSection(block, at, w),
    header: () => checkText(block.text, `${at}/text`, SLACK_LIMITS.headerText, w, { plainOnly: true }),
    context: () => checkContext(block, at, w),
    actions: () => checkActions(block, at, w),
    input: () => checkInput(block, at, w),
    image: () => checkImage(block, at, w),
    markdown: () => {
      if (typeof block.text !== 'string')
        w.problems.push(`missing required field: text [json-pointer:${at}/text]`);
      else w.markdownChars += block.text.length;
    },
  };
  checks[block.type]?.();
}

function checkSection(block: Obj, at: string, w: Walk): void {
  if (block.text === undefined && block.fields === undefined) {
    w.problems.push(`must provide text or fields [json-pointer:${at}]`);
  }
  if (block.text !== undefined) checkText(block.text, `${at}/text`, SLACK_LIMITS.sectionText, w);
  if (block.fields !== undefined) {
    if (!Array.isArray(block.fields)) {
      w.problems.push(`fields must be an array [json-pointer:${at}/fields]`);
    } else {
      if (block.fields.length > SLACK_LIMITS.sectionFields) {
        w.problems.push(
          `no more than ${SLACK_LIMITS.sectionFields} items allowed [json-pointer:${at}/fields]`,
        );
      }
      block.fields.forEach((f, i) => {
        checkText(f, `${at}/fields/${i}`, SLACK_LIMITS.sectionFieldText, w);
      });
    }
  }
  if (block.accessory !== undefined) checkElement(block.accessory, `${at}/accessory`, w);
}

function checkContext(block: Obj, at: string, w: Walk): void {
  const els = block.elements;
  if (!Array.isArray(els) || els.length === 0) {
    w.problems.push(`must provide at least 1 element [json-pointer:${at}/elements]`);
    return;
  }
  if (els.length > SLACK_LIMITS.contextElements) {
    w.problems.push(
      `no more than ${SLACK_LIMITS.contextElements} items allowed [json-pointer:${at}/elements]`,
    );
  }
  els.forEach((el, i) => {
    if (isObj(el) && el.type === 'image') return;
    checkText(el, `${at}/elements/${i}`, Number.POSITIVE_INFINITY, w);
  });
}

function checkActions(block: Obj, at: string, w: Walk): void {
  const els = block.elements;
  if (!Array.isArray(els) || els.length === 0) {
    w.problems.push(`must provide at least 1 element [json-pointer:${at}/elements]`);
    return;
  }
  if (els.length > SLACK_LIMITS.actionsElements) {
    w.problems.push(
      `no more than ${SLACK_LIMITS.actionsElements} items allowed [json-pointer:${at}/elements]`,
    );
  }
  els.forEach((el, i) => {
    checkElement(el, `${at}/elements/${i}`, w);
  });
}

function checkInput(block: Obj, at: string, w: Walk): void {
  checkText(block.label, `${at}/label`, SLACK_LIMITS.inputLabel, w, { plainOnly: true });
  if (block.hint !== undefined)
    checkText(block.hint, `${at}/hint`, SLACK_LIMITS.inputLabel, w, { plainOnly: true });
  if (block.element === undefined)
    w.problems.push(`missing required field: element [json-pointer:${at}/element]`);
  else checkElement(block.element, `${at}/element`, w);
}

function checkImage(block: Obj, at: string, w: Walk): void {
  if (typeof block.alt_text !== 'string') {
    w.problems.push(`missing required field: alt_text [json-pointer:${at}/alt_text]`);
  } else {
    maxLen(block.alt_text, SLACK_LIMITS.imageAltText, `${at}/alt_text`, w);
  }
  if (typeof block.image_url === 'string')
    maxLen(block.image_url, SLACK_LIMITS.imageUrl, `${at}/image_url`, w);
  else if (!isObj(block.slack_file))
    w.problems.push(`must provide image_url or slack_file [json-pointer:${at}]`);
}

function checkElement(el: unknown, at: string, w: Walk): void {
  if (!isObj(el) || typeof el.type !== 'string') {
    w.problems.push(`missing required field: type [json-pointer:${at}]`);
    return;
  }
  if (el.action_id !== undefined) {
    if (typeof el.action_id !== 'string' || el.action_id.length === 0) {
      w.problems.push(`action_id must be a non-empty string [json-pointer:${at}/action_id]`);
    } else {
      maxLen(el.action_id, SLACK_LIMITS.actionId, `${at}/action_id`, w);
      if (w.actionIds.has(el.action_id)) {
        w.problems.push(`duplicate action_id: ${el.action_id} [json-pointer:${at}/action_id]`);
      }
      w.actionIds.add(el.action_id);
    }
  }
  if (el.type === 'button') {
    checkText(el.text, `${at}/text`, SLACK_LIMITS.buttonText, w, { plainOnly: true });
    if (el.value !== undefined) maxLen(String(el.value), SLACK_LIMITS.buttonValue, `${at}/value`, w);
    if (el.url !== undefined) maxLen(String(el.url), SLACK_LIMITS.buttonUrl, `${at}/url`, w);
    if (el.style !== undefined && !BUTTON_STYLES.has(String(el.style))) {
      w.problems.push(`must be one of primary, danger [json-pointer:${at}/style]`);
    }
  }
  if (el.placeholder !== undefined) {
    checkText(el.placeholder, `${at}/placeholder`, SLACK_LIMITS.placeholder, w, { plainOnly: true });
  }
  if (Array.isArray(el.options) && el.options.length > SLACK_LIMITS.options) {
    w.problems.push(`no more than ${SLACK_LIMITS.options} items allowed [json-pointer:${at}/options]`);
  }
  if (el.confirm !== undefined) checkConfirm(el.confirm, `${at}/confirm`, w);
}

function checkConfirm(c: unknown, at: string, w: Walk): void {
  if (!isObj(c)) {
    w.problems.push(`must be an object [json-pointer:${at}]`);
    return;
  }
  checkText(c.title, `${at}/title`, SLACK_LIMITS.confirmTitle, w, { plainOnly: true });
  checkText(c.text, `${at}/text`, SLACK_LIMITS.confirmText, w);
  checkText(c.confirm, `${at}/confirm`, SLACK_LIMITS.confirmButton, w, { plainOnly: true });
  checkText(c.deny, `${at}/deny`, SLACK_LIMITS.confirmButton, w, { plainOnly: true });
}

function checkText(t: unknown, at: string, max: number, w: Walk, opts: { plainOnly?: boolean } = {}): void {
  if (!isObj(t)) {
    w.problems.push(`must be a text object [json-pointer:${at}]`);
    return;
  }
  if (t.type !== 'plain_text' && (opts.plainOnly || t.type !== 'mrkdwn')) {
    const allowed = opts.plainOnly ? 'plain_text' : 'plain_text, mrkdwn';
    w.problems.push(`must be one of ${allowed} [json-pointer:${at}/type]`);
  }
  if (typeof t.text !== 'string' || t.text.length === 0) {
    w.problems.push(`must be more than 0 characters [json-pointer:${at}/text]`);
    return;
  }
  maxLen(t.text, max, `${at}/text`, w);
}

function maxLen(s: string, max: number, at: string, w: Walk): void {
  if (s.length > max) w.problems.push(`must be less than ${max + 1} characters [json-pointer:${at}]`);
}

/** Problems with a whole view object (`views.open` / `views.update` / `views.publish`). */
export function validateView(view: unknown, expected: 'modal' | 'home' | 'any'): string[] {
  if (!isObj(view)) return ['view must be an object [json-pointer:/view]'];
  const problems: string[] = [];
  const type = view.type;
  if (type !== 'modal' && type !== 'home') {
    problems.push('must be one of modal, home [json-pointer:/view/type]');
    return problems;
  }
  if (expected !== 'any' && type !== expected) problems.push(`must be ${expected} [json-pointer:/view/type]`);
  const w: Walk = {
    problems,
    blockIds: new Set(),
    actionIds: new Set(),
    actionScope: 'block',
    markdownChars: 0,
  };
  if (type === 'modal') {
    checkText(view.title, '/view/title', SLACK_LIMITS.viewTitle, w, { plainOnly: true });
    if (view.submit !== undefined)
      checkText(view.submit, '/view/submit', SLACK_LIMITS.viewButton, w, { plainOnly: true });
    if (view.close !== undefined)
      checkText(view.close, '/view/close', SLACK_LIMITS.viewButton, w, { plainOnly: true });
    // "submit is required when an input block is within the blocks array." (modal-views reference)
    const hasInput = Array.isArray(view.blocks) && view.blocks.some((b) => isObj(b) && b.type === 'input');
    if (hasInput && view.submit === undefined) {
      problems.push(
        'submit is required when an input block is within the blocks array [json-pointer:/view/submit]',
      );
    }
  }
  if (view.private_metadata !== undefined) {
    maxLen(String(view.private_metadata), SLACK_LIMITS.privateMetadata, '/view/private_metadata', w);
  }
  if (view.callback_id !== undefined)
    maxLen(String(view.callback_id), SLACK_LIMITS.callbackId, '/view/callback_id', w);
  problems.push(...validateBlocks(view.blocks, type, { pointer: '/view/blocks' }));
  return problems;
}
