import { describe, expect, it } from 'vitest';
import { describeAlert, type ParsedAlert, parseAlert } from '../../../src/alerts/index.ts';
import { loadFixture } from './fixtures.ts';

function alertFrom(name: string): ParsedAlert {
  const result = parseAlert(loadFixture(name));
  if (result.kind !== 'alert') throw new Error(result.reason);
  return result.alert;
}

describe('describeAlert', () => {
  it('summarises the SSE-C copy in one line', () => {
    expect(describeAlert(alertFrom('eventbridge-cloudtrail-copyobject-ssec.json'))).toBe(
      '[CRITICAL] SSE-C re-encryption in place (CopyObject onto itself) · key AKIAEXAMPLEKEY000001 (ci-deployer)' +
        ' · bucket acme-invoices · 111122223333/us-east-1 · 2025-01-13T03:12:45Z',
    );
  });

  it('mentions the event count and gives the time to the second', () => {
    const line = describeAlert(alertFrom('eventbridge-guardduty-s3-anomalous-write.json'));
    expect(line).toContain('[MEDIUM] Unusual write activity on S3 bucket acme-invoices.');
    expect(line).toContain('412 events');
    expect(line.endsWith(' · 2025-01-13T03:31:05Z')).toBe(true);
  });

  it('shortens long lists', () => {
    const alert = alertFrom('eventbridge-guardduty-attack-sequence.json');
    alert.buckets = ['b1', 'b2', 'b3', 'b4', 'b5'];
    expect(describeAlert(alert)).toContain('buckets b1, b2, b3 +2 more');
  });

  it('escapes Slack control characters from attacker-influenced text and stays one bounded line', () => {
    const alert = alertFrom('eventbridge-cloudtrail-copyobject-ssec.json');
    alert.title = 'Evil <!channel> & <https://evil.example|click>\nsecond line';
    alert.principal = { userName: 'x'.repeat(1000) };
    const line = describeAlert(alert);
    expect(line).toContain('&lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;');
    expect(line).not.toMatch(/[<>\n]/);
    expect(line.length).toBeLessThanOrEqual(400);
    expect(line.endsWith('…')).toBe(true);
  });

  it('never cuts an escaped entity in half', () => {
    const alert = alertFrom('eventbridge-cloudtrail-copyobject-ssec.json');
    for (let n = 380; n < 400; n++) {
      alert.title = `${'a'.repeat(n % 7)}${'&'.repeat(n)}`;
      const line = describeAlert(alert);
      expect(line.length).toBeLessThanOrEqual(400);
      expect(line).toMatch(/(&amp;|a)…$/);
    }
  });
});
