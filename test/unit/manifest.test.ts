import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { FEATURE_SCOPES, METHOD_SCOPES } from '../../src/slack/scopes.ts';

const root = new URL('../../', import.meta.url).pathname;
const manifest = parse(readFileSync(join(root, 'manifest.yml'), 'utf8'));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === 'sandbox' ? [] : sourceFiles(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

describe('manifest.yml', () => {
  it("is valid against Slack's v1 app manifest schema", () => {
    const schema = JSON.parse(readFileSync(join(root, 'schemas/slack-app-manifest.v1.schema.json'), 'utf8'));
    const ajv = new Ajv({ strict: false, allErrors: true });
    const validate = ajv.compile(schema);
    const ok = validate(manifest);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('declares /ssec, interactivity and app_home_opened on the one request URL', () => {
    const url = manifest.settings.interactivity.request_url;
    expect(url).toMatch(/\/slack\/events$/);
    expect(manifest.features.slash_commands).toEqual([expect.objectContaining({ command: '/ssec', url })]);
    expect(manifest.settings.event_subscriptions).toMatchObject({
      request_url: url,
      bot_events: ['app_home_opened'],
    });
    expect(manifest.features.app_home.home_tab_enabled).toBe(true);
  });

  it('requests exactly the scopes the code needs', () => {
    const used = new Set<string>();
    for (const file of sourceFiles(join(root, 'src'))) {
      for (const m of readFileSync(file, 'utf8').matchAll(/client\.(\w+)\.(\w+(?:\.\w+)?)\(/g)) {
        used.add(`${m[1]}.${m[2]}`);
      }
    }
    for (const method of used) expect(Object.keys(METHOD_SCOPES), `scope for ${method}`).toContain(method);
    const needed = new Set([...FEATURE_SCOPES, ...[...used].map((m) => METHOD_SCOPES[m]).filter((s) => s)]);
    const declared: string[] = manifest.oauth_config.scopes.bot;
    for (const scope of needed) expect(declared).toContain(scope);
    // No scope beyond what some listed method or feature needs.
    const possible = new Set([...FEATURE_SCOPES, ...Object.values(METHOD_SCOPES).filter((s) => s)]);
    for (const scope of declared) expect(possible).toContain(scope);
  });
});
