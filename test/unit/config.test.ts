import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';
import { ENV_VARS } from '../../src/config/env.ts';
import { ConfigError } from '../../src/errors.ts';

const valid = {
  SLACK_BOT_TOKEN: 'xoxb-test-not-a-real-token',
  SLACK_SIGNING_SECRET: 'test-signing-secret',
  SSEC_INCIDENT_CHANNEL: 'C0TESTCHAN',
  SSEC_RESPONDERS: 'U0ALICE,U0BOB,S0TEAM',
};

function problemsOf(env: Record<string, string>, mode: 'serve' | 'cli' = 'serve'): string[] {
  try {
    loadConfig(env, { mode });
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

describe('loadConfig', () => {
  it('applies documented defaults', () => {
    const c = loadConfig(valid);
    expect(c.port).toBe(3000);
    expect(c.dbPath).toBe('./data/ssec.db');
    expect(c.approvals).toMatchObject({
      responders: ['U0ALICE', 'U0BOB', 'S0TEAM'],
      twoPersonRule: true,
      required: 1,
    });
    expect(c.approvals.ttlMs).toBe(60 * 60_000);
  });

  it('names every missing variable at once, with an example', () => {
    const problems = problemsOf({});
    const named = problems.map((p) => p.split(' ')[0]);
    expect(named.sort()).toEqual(
      ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'SSEC_INCIDENT_CHANNEL', 'SSEC_RESPONDERS'].sort(),
    );
    for (const p of problems) expect(p).toMatch(/Example: [A-Z_]+=/);
  });

  it('reports every invalid value in one pass without echoing secrets', () => {
    const problems = problemsOf({
      ...valid,
      SLACK_SIGNING_SECRET: 'short',
      PORT: 'eighty',
      SSEC_APPROVALS_REQUIRED: '3',
      SSEC_RESPONDERS: 'alice',
      SSEC_SNS_TOPICS: 'not-an-arn',
    });
    expect(problems).toHaveLength(5);
    expect(problems.join('\n')).not.toContain('short"');
    expect(problems.find((p) => p.startsWith('PORT'))).toContain('got "eighty"');
  });

  it('does not require a signing secret in Socket Mode, nor Slack settings for CLI commands', () => {
    expect(problemsOf({ ...valid, SLACK_SIGNING_SECRET: '', SLACK_APP_TOKEN: 'xapp-test' })).toEqual([]);
    expect(problemsOf({}, 'cli')).toEqual([]);
  });

  it('parses alarm-to-bucket maps and lists', () => {
    const c = loadConfig({ ...valid, SSEC_ALARM_BUCKETS: 'a=b1|b2, c=b3', SSEC_SLACK_IGNORED: 'x' });
    expect(c.alerts.alarmBuckets).toEqual({ a: ['b1', 'b2'], c: ['b3'] });
    expect(problemsOf({ ...valid, SSEC_ALARM_BUCKETS: 'nobuckets' })[0]).toMatch(/^SSEC_ALARM_BUCKETS/);
  });
});

describe('.env.example', () => {
  it('lists exactly the variables the loader reads', () => {
    const text = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
    const listed = [...text.matchAll(/^#? ?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]);
    expect(new Set(listed)).toEqual(new Set(ENV_VARS.map((v) => v.name)));
    // Each variable is preceded by its one-line comment.
    for (const v of ENV_VARS) expect(text).toContain(`# ${v.description}`);
  });
});
