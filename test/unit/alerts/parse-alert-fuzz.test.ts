import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ALERT_SIGNALS, describeAlert, type ParseResult, parseAlert } from '../../../src/alerts/index.ts';
import { fixturePath, loadFixture } from './fixtures.ts';

const FIXTURES = readdirSync(dirname(fixturePath('x'))).filter((name) => name.endsWith('.json'));
const SEVERITIES = ['critical', 'high', 'medium', 'low'];
const OPTIONS = { alarmBuckets: { 's3-ssec-writes': ['acme-invoices'] }, acceptSampleFindings: true };

/** Everything a caller relies on, checked on every result. */
function assertWellFormed(result: ParseResult): void {
  expect(['alert', 'ignored', 'invalid']).toContain(result.kind);
  if (result.kind !== 'alert') {
    expect(typeof result.reason).toBe('string');
    expect(result.reason.length).toBeGreaterThan(0);
    expect(result.reason).not.toContain('internal parser error');
    return;
  }
  const alert = result.alert;
  expect(typeof alert.dedupKey).toBe('string');
  expect(alert.dedupKey.length).toBeGreaterThan(0);
  expect(alert.observedAt).toBeInstanceOf(Date);
  expect(Number.isNaN(alert.observedAt.getTime())).toBe(false);
  expect(SEVERITIES).toContain(alert.severity);
  expect(Number.isInteger(alert.count) && alert.count >= 1).toBe(true);
  for (const key of alert.accessKeyIds) expect(key).toMatch(/^\w{16,128}$/);
  for (const bucket of alert.buckets) expect(bucket).toMatch(/^[A-Za-z0-9._-]{1,255}$/);
  for (const signal of alert.signals) expect(ALERT_SIGNALS).toContain(signal);
  expect(alert.objectKeys.length).toBeLessThanOrEqual(20);
  expect(new Set(alert.accessKeyIds).size).toBe(alert.accessKeyIds.length);
  expect(new Set(alert.buckets).size).toBe(alert.buckets.length);
  const line = describeAlert(alert);
  expect(line).not.toMatch(/[<>]/);
}

type Path = (string | number)[];

function pathsOf(value: unknown, prefix: Path = []): Path[] {
  if (typeof value !== 'object' || value === null) return [prefix];
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
  return [prefix, ...entries.flatMap(([key, child]) => pathsOf(child, [...prefix, key]))];
}

function mutate(root: unknown, path: Path, replacement: unknown, remove: boolean): unknown {
  if (path.length === 0) return remove ? undefined : replacement;
  const parent = path
    .slice(0, -1)
    .reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], root);
  const last = path[path.length - 1] as string | number;
  const container = parent as Record<string | number, unknown>;
  if (remove && !Array.isArray(parent)) delete container[last];
  else container[last] = remove ? undefined : replacement;
  return root;
}

/** SNS fixtures carry the interesting structure inside the Message string: mutate it there too. */
function withInnerMessage(name: string): { outer: Record<string, unknown>; inner: unknown } | undefined {
  const outer = loadFixture(name);
  if (typeof outer['Message'] !== 'string') return undefined;
  try {
    return { outer, inner: JSON.parse(outer['Message']) };
  } catch {
    return undefined;
  }
}

const mutation = fc.record({
  fixture: fc.constantFrom(...FIXTURES),
  pick: fc.nat(),
  remove: fc.boolean(),
  replacement: fc.jsonValue({ maxDepth: 3 }),
  inside: fc.boolean(),
});

describe('parseAlert never throws', () => {
  it('on arbitrary JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        assertWellFormed(parseAlert(value, OPTIONS));
      }),
      { numRuns: 2000 },
    );
  });

  it('on arbitrary JavaScript values and strings', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything({ withNullPrototype: true }), fc.string(), fc.json()), (value) => {
        assertWellFormed(parseAlert(value, OPTIONS));
      }),
      { numRuns: 1000 },
    );
  });

  it('on every fixture with one field replaced or removed, at any depth', () => {
    fc.assert(
      fc.property(mutation, ({ fixture, pick, remove, replacement, inside }) => {
        const wrapped = inside ? withInnerMessage(fixture) : undefined;
        const target = wrapped ? wrapped.inner : loadFixture(fixture);
        const paths = pathsOf(target);
        const path = paths[pick % paths.length] ?? [];
        const mutated = mutate(target, path, replacement, remove);
        let payload: unknown = mutated;
        if (wrapped) {
          wrapped.outer['Message'] = JSON.stringify(mutated) ?? '';
          payload = wrapped.outer;
        }
        assertWellFormed(parseAlert(payload, OPTIONS));
      }),
      { numRuns: 3000 },
    );
  });

  it('on fixtures with several fields mutated at once', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...FIXTURES),
        fc.array(mutation, { minLength: 2, maxLength: 8 }),
        (name, steps) => {
          let target: unknown = loadFixture(name);
          for (const step of steps) {
            const paths = pathsOf(target);
            target = mutate(target, paths[step.pick % paths.length] ?? [], step.replacement, step.remove);
          }
          assertWellFormed(parseAlert(target, OPTIONS));
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('parseAlert on oversized payloads', () => {
  it('handles hundreds of thousands of entries without exhausting the call stack', () => {
    const sequence = loadFixture('eventbridge-guardduty-attack-sequence.json');
    const service = (sequence['detail'] as Record<string, unknown>)['service'] as Record<string, unknown>;
    const signals = Array.from({ length: 300_000 }, (_, i) => ({ firstSeenAt: 1_736_700_000_000 + i }));
    ((service['detection'] as Record<string, unknown>)['sequence'] as Record<string, unknown>)['signals'] =
      signals;
    const result = parseAlert(sequence);
    assertWellFormed(result);
    expect(result.kind === 'alert' && result.alert.firstSeen?.getTime()).toBe(1_736_700_000_000);

    const lifecycle = loadFixture('eventbridge-cloudtrail-putbucketlifecycle.json');
    const params = (lifecycle['detail'] as Record<string, unknown>)['requestParameters'] as Record<
      string,
      unknown
    >;
    params['LifecycleConfiguration'] = {
      Rule: Array.from({ length: 300_000 }, (_, i) => ({ Status: 'Enabled', Expiration: { Days: i + 2 } })),
    };
    const parsed = parseAlert(lifecycle);
    assertWellFormed(parsed);
    expect(parsed.kind === 'alert' && parsed.alert.lifecycle?.expireCurrentAfterDays).toBe(2);
  });
});
