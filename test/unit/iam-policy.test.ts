// Keeps deploy/iam-policy.json in step with the code (DESIGN.md §6): every AWS SDK command the bot's
// runtime sends is in src/aws/iam-actions.ts, every action those commands need is allowed by the
// policy, and the policy allows nothing else. The sandbox and the drill are not the bot's runtime.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AWS_DENY_ALL_ARN } from '../../src/aws/contain/deactivate-key.ts';
import { SDK_COMMAND_ACTIONS } from '../../src/aws/iam-actions.ts';

const root = new URL('../../', import.meta.url).pathname;
const EXCLUDED = ['src/sandbox/', 'src/drill/'];

/** The IAM service prefix each SDK package's commands are authorised under. */
const PACKAGE_PREFIX: Record<string, string> = {
  '@aws-sdk/client-s3': 's3',
  '@aws-sdk/client-s3-control': 's3',
  '@aws-sdk/client-iam': 'iam',
  '@aws-sdk/client-sts': 'sts',
  '@aws-sdk/client-backup': 'backup',
};

interface Statement {
  Sid?: unknown;
  Effect?: unknown;
  Action?: unknown;
  NotAction?: unknown;
  Resource?: unknown;
  NotResource?: unknown;
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}
interface PolicyDocument {
  Version?: unknown;
  Statement?: unknown;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      const rel = `${relative(root, p)}/`;
      return EXCLUDED.some((x) => rel.startsWith(x)) ? [] : sourceFiles(p);
    }
    return p.endsWith('.ts') ? [p] : [];
  });
}

interface CommandUse {
  command: string;
  file: string;
  /** The @aws-sdk package it is imported from, when the file imports it by name. */
  pkg?: string;
}

/** `new XCommand(` and value imports of `XCommand` from `@aws-sdk/*`; type-only imports do not count. */
function commandsIn(text: string, file: string): CommandUse[] {
  const uses: CommandUse[] = [];
  const imported = new Map<string, { command: string; pkg: string }>();
  const namespaces = new Map<string, string>();
  for (const m of text.matchAll(/import\s+(type\s+)?\{([^}]*)\}\s*from\s*['"](@aws-sdk\/[^'"]+)['"]/g)) {
    if (m[1]) continue;
    const pkg = m[3]!;
    for (const raw of m[2]!.split(',')) {
      const spec = raw.trim();
      if (!spec || spec.startsWith('type ')) continue;
      const [name, alias] = spec.split(/\s+as\s+/).map((s) => s.trim());
      if (name && /Command$/.test(name)) {
        imported.set(alias ?? name, { command: name, pkg });
        uses.push({ command: name, file, pkg });
      }
    }
  }
  for (const m of text.matchAll(/import\s+\*\s+as\s+(\w+)\s+from\s*['"](@aws-sdk\/[^'"]+)['"]/g)) {
    namespaces.set(m[1]!, m[2]!);
  }
  for (const m of text.matchAll(/new\s+(?:(\w+)\.)?(\w+Command)\s*\(/g)) {
    const ns = m[1];
    const local = m[2]!;
    const known = ns === undefined ? imported.get(local) : undefined;
    const pkg = known?.pkg ?? (ns !== undefined ? namespaces.get(ns) : undefined);
    uses.push({ command: known?.command ?? local, file, ...(pkg ? { pkg } : {}) });
  }
  return uses;
}

const uses = sourceFiles(join(root, 'src')).flatMap((file) =>
  commandsIn(readFileSync(file, 'utf8'), relative(root, file)),
);
const usedCommands = [...new Set(uses.map((u) => u.command))].sort();
const needed = new Set(usedCommands.flatMap((c) => SDK_COMMAND_ACTIONS[c] ?? []));

const readJson = (path: string) => JSON.parse(readFileSync(join(root, path), 'utf8')) as PolicyDocument;
const policy = readJson('deploy/iam-policy.json');
const statements = (Array.isArray(policy.Statement) ? policy.Statement : []) as Statement[];
const list = (v: unknown): string[] =>
  v === undefined ? [] : Array.isArray(v) ? (v as string[]) : [v as string];
const allowed = (action: string) =>
  statements.filter((s) => s.Effect === 'Allow' && list(s.Action).includes(action));

/** IAM's wildcard match of an ARN against a policy's Resource pattern (`*` and `?`). */
function arnMatches(pattern: string, arn: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`).test(arn);
}

/** A commented or plain `NAME=value` example from .env.example. */
function envExample(name: string): string | undefined {
  const text = readFileSync(join(root, '.env.example'), 'utf8');
  return new RegExp(`^#?\\s*${name}=(\\S+)`, 'm').exec(text)?.[1];
}

function expectValidShape(doc: PolicyDocument, kind: 'identity' | 'trust') {
  expect(doc.Version).toBe('2012-10-17');
  expect(Array.isArray(doc.Statement)).toBe(true);
  const list_ = doc.Statement as Statement[];
  expect(list_.length).toBeGreaterThan(0);
  const sids = new Set<string>();
  for (const s of list_) {
    const where = `statement ${JSON.stringify(s.Sid)}`;
    expect(typeof s.Sid, where).toBe('string');
    // IAM accepts only ASCII letters and digits in a Sid, and each must be unique in the document.
    expect(s.Sid as string, where).toMatch(/^[A-Za-z0-9]+$/);
    expect(sids.has(s.Sid as string), `${where} is not unique`).toBe(false);
    sids.add(s.Sid as string);
    expect(['Allow', 'Deny'], where).toContain(s.Effect);
    expect(s.NotAction, `${where}: no NotAction`).toBeUndefined();
    expect(s.NotResource, `${where}: no NotResource`).toBeUndefined();
    const actions = list(s.Action);
    expect(actions.length, `${where}: Action`).toBeGreaterThan(0);
    // Exact actions only: a wildcard would grant what the code never asked for.
    for (const a of actions) expect(a, where).toMatch(/^[a-z0-9-]+:[A-Za-z0-9]+$/);
    expect(new Set(actions).size, `${where}: duplicate actions`).toBe(actions.length);
    if (kind === 'identity') {
      expect(s.Principal, `${where}: an identity policy names no Principal`).toBeUndefined();
      const resources = list(s.Resource);
      expect(resources.length, `${where}: Resource`).toBeGreaterThan(0);
      for (const r of resources) expect(r === '*' || r.startsWith('arn:aws:'), `${where}: ${r}`).toBe(true);
    } else {
      expect(s.Principal, `${where}: a trust policy names its Principal`).toBeDefined();
      expect(s.Resource, `${where}: a trust policy has no Resource`).toBeUndefined();
    }
    if (s.Condition !== undefined) expect(typeof s.Condition).toBe('object');
  }
}

describe('SDK_COMMAND_ACTIONS and deploy/iam-policy.json', () => {
  it('finds the SDK commands the runtime code sends', () => {
    // A scan that finds nothing would make every other check here pass vacuously.
    expect(usedCommands.length).toBeGreaterThan(10);
    expect(usedCommands).toContain('CopyObjectCommand');
    expect(uses.some((u) => EXCLUDED.some((x) => u.file.startsWith(x)))).toBe(false);
  });

  it('reads value imports and constructions, not type-only imports', () => {
    const text = [
      'import { type ListObjectVersionsCommandOutput, HeadObjectCommand,',
      "  GetObjectCommand as Get } from '@aws-sdk/client-s3';",
      "import type { PutObjectCommand } from '@aws-sdk/client-s3';",
      "import * as iam from '@aws-sdk/client-iam';",
      'await s3.send(new Get({ Bucket, Key }));',
      'await c.send(new iam.UpdateAccessKeyCommand({}));',
    ].join('\n');
    const found = commandsIn(text, 'x.ts').map((u) => `${u.command}@${u.pkg ?? '?'}`);
    expect([...new Set(found)].sort()).toEqual([
      'GetObjectCommand@@aws-sdk/client-s3',
      'HeadObjectCommand@@aws-sdk/client-s3',
      'UpdateAccessKeyCommand@@aws-sdk/client-iam',
    ]);
  });

  it('(a) lists every command the runtime code sends', () => {
    const missing = usedCommands
      .filter((c) => SDK_COMMAND_ACTIONS[c] === undefined)
      .map((c) => `${c} (${uses.find((u) => u.command === c)?.file}) — add it to src/aws/iam-actions.ts`);
    expect(missing).toEqual([]);
  });

  it('names actions of the service each command belongs to', () => {
    const wrong = new Set<string>();
    for (const use of uses) {
      // A command missing from the table is reported by (a).
      if (use.pkg === undefined || SDK_COMMAND_ACTIONS[use.command] === undefined) continue;
      const prefix = PACKAGE_PREFIX[use.pkg];
      if (prefix === undefined) {
        wrong.add(`${use.file}: ${use.pkg} has no IAM prefix in this test's PACKAGE_PREFIX`);
        continue;
      }
      const actions = SDK_COMMAND_ACTIONS[use.command] ?? [];
      if (actions.length > 0 && !actions.some((a) => a.startsWith(`${prefix}:`)))
        wrong.add(`${use.command} from ${use.pkg} maps to ${actions.join(', ') || 'nothing'}`);
    }
    expect([...wrong]).toEqual([]);
    for (const [command, actions] of Object.entries(SDK_COMMAND_ACTIONS)) {
      expect(command).toMatch(/^[A-Z]\w+Command$/);
      for (const a of actions) expect(a).toMatch(/^[a-z0-9-]+:[A-Za-z0-9]+$/);
    }
  });

  it('(b) allows every action the used commands need', () => {
    const missing = [...needed].filter((a) => allowed(a).length === 0).sort();
    expect(missing).toEqual([]);
  });

  it('(c) grants no action that no used command needs (least privilege)', () => {
    const extra = statements
      .flatMap((s) => list(s.Action).map((a) => ({ a, sid: s.Sid })))
      .filter(({ a }) => !needed.has(a))
      .map(({ a, sid }) => `${a} in ${String(sid)}`);
    expect(extra).toEqual([]);
  });

  it('(d) is a valid IAM identity policy document of managed-policy size', () => {
    expectValidShape(policy, 'identity');
    // Customer managed policies are limited to 6,144 characters, whitespace not counted.
    expect(JSON.stringify(policy).replace(/\s/g, '').length).toBeLessThanOrEqual(6144);
  });

  it('passes only the two service roles, each only to its own service', () => {
    const passes = statements.filter((s) => list(s.Action).includes('iam:PassRole'));
    expect(passes.length).toBe(2);
    const services = new Set<string>();
    for (const s of passes) {
      expect(s.Effect).toBe('Allow');
      expect(list(s.Action)).toEqual(['iam:PassRole']);
      for (const r of list(s.Resource)) expect(r).toMatch(/^arn:aws:iam::\*:role\/[\w+=,.@/-]+$/);
      const to = s.Condition?.['StringEquals']?.['iam:PassedToService'];
      expect(typeof to).toBe('string');
      services.add(to as string);
    }
    expect([...services].sort()).toEqual(['backup.amazonaws.com', 'batchoperations.s3.amazonaws.com']);
    const passFor = (service: string) =>
      passes.find((s) => s.Condition?.['StringEquals']?.['iam:PassedToService'] === service)!;
    // The example role ARNs in .env.example are the roles this policy lets the bot pass.
    const batchRole = envExample('SSEC_BATCH_ROLE_ARN');
    const backupRole = envExample('SSEC_BACKUP_ROLE_ARN');
    expect(batchRole).toBeDefined();
    expect(backupRole).toBeDefined();
    const covered = (s: Statement, arn: string) => list(s.Resource).some((r) => arnMatches(r, arn));
    expect(covered(passFor('batchoperations.s3.amazonaws.com'), batchRole!)).toBe(true);
    expect(covered(passFor('backup.amazonaws.com'), backupRole!)).toBe(true);
  });

  it('attaches and detaches no managed policy but AWSDenyAll', () => {
    for (const action of ['iam:AttachUserPolicy', 'iam:DetachUserPolicy']) {
      for (const s of allowed(action)) {
        expect(s.Condition?.['ArnEquals']?.['iam:PolicyARN'], `${String(s.Sid)} ${action}`).toBe(
          AWS_DENY_ALL_ARN,
        );
      }
    }
  });

  it('never lets the bot rewrite its own roles’ inline policies', () => {
    const deny = statements.find((s) => s.Effect === 'Deny');
    expect(deny).toBeDefined();
    expect(list(deny!.Action).sort()).toEqual(['iam:DeleteRolePolicy', 'iam:PutRolePolicy']);
    const batchRole = envExample('SSEC_BATCH_ROLE_ARN')!;
    const assumeRole = envExample('SSEC_ASSUME_ROLE_NAME')!;
    for (const arn of [
      batchRole,
      envExample('SSEC_BACKUP_ROLE_ARN')!,
      `arn:aws:iam::123456789012:role/${assumeRole}`,
    ]) {
      expect(
        list(deny!.Resource).some((r) => arnMatches(r, arn)),
        arn,
      ).toBe(true);
    }
  });

  it('assumes only the member-account role named in .env.example', () => {
    const name = envExample('SSEC_ASSUME_ROLE_NAME');
    expect(name).toBeDefined();
    const assume = allowed('sts:AssumeRole');
    expect(assume.length).toBe(1);
    expect(list(assume[0]!.Resource)).toEqual([`arn:aws:iam::*:role/${name}`]);
  });
});

describe('deploy/batch-operations-role.json and its trust policy', () => {
  const role = readJson('deploy/batch-operations-role.json');
  const trust = readJson('deploy/batch-operations-trust-policy.json');
  const roleStatements = role.Statement as Statement[];
  const grants = (action: string, arn: string) =>
    roleStatements.some(
      (s) =>
        s.Effect === 'Allow' &&
        list(s.Action).includes(action) &&
        list(s.Resource).some((r) => arnMatches(r, arn)),
    );
  const manifestBucket = envExample('SSEC_BATCH_MANIFEST_BUCKET') ?? 'ssec-batch-manifests';
  const manifestObject = `arn:aws:s3:::${manifestBucket}/ssec-responder/batch/0123abcd/run-1.csv`;

  it('is a valid permissions policy and trust policy', () => {
    expectValidShape(role, 'identity');
    expectValidShape(trust, 'trust');
  });

  it('is trusted by S3 Batch Operations only', () => {
    for (const s of trust.Statement as Statement[]) {
      expect(s.Effect).toBe('Allow');
      expect(list(s.Action)).toEqual(['sts:AssumeRole']);
      expect(s.Principal).toEqual({ Service: 'batchoperations.s3.amazonaws.com' });
    }
  });

  it('copies a clean version (S3PutObjectCopy with version ids) and its tags onto the same key', () => {
    const object = 'arn:aws:s3:::protected-bucket/some/key.txt';
    for (const action of [
      's3:GetObject',
      's3:GetObjectVersion',
      's3:GetObjectTagging',
      's3:GetObjectVersionTagging',
      's3:PutObject',
      's3:PutObjectTagging',
    ])
      expect(grants(action, object), action).toBe(true);
  });

  it('reads the manifest and writes the completion report where the bot puts them', () => {
    expect(grants('s3:GetObject', manifestObject)).toBe(true);
    expect(grants('s3:GetObjectVersion', manifestObject)).toBe(true);
    expect(grants('s3:PutObject', manifestObject.replace('run-1.csv', 'report/job-1/results/x.csv'))).toBe(
      true,
    );
    // The bot writes the manifest and reads the report under the same prefix.
    const bot = statements.find((s) => s.Sid === 'BatchOperationsManifestsAndReports')!;
    expect(list(bot.Resource).some((r) => arnMatches(r, manifestObject))).toBe(true);
    // That prefix is the code's default manifest prefix.
    const code = sourceFiles(join(root, 'src'))
      .map((f) => readFileSync(f, 'utf8'))
      .some((t) => t.includes("'ssec-responder/batch/'"));
    expect(code, "src no longer uses the manifest prefix 'ssec-responder/batch/': update deploy/*.json").toBe(
      true,
    );
  });

  it('grants nothing beyond S3 object reads and writes', () => {
    const actions = new Set(roleStatements.flatMap((s) => list(s.Action)));
    for (const a of actions)
      expect([
        's3:GetObject',
        's3:GetObjectVersion',
        's3:GetObjectTagging',
        's3:GetObjectVersionTagging',
        's3:ListBucket',
        's3:PutObject',
        's3:PutObjectTagging',
      ]).toContain(a);
  });
});
