import { describe, expect, it } from 'vitest';
import { compareSeverity, guardDutySeverity, maxSeverity } from '../../../src/alerts/index.ts';

describe('severity', () => {
  it.each([
    [0, 'low'],
    [1, 'low'],
    [3.9, 'low'],
    [4, 'medium'],
    [6.9, 'medium'],
    [7, 'high'],
    [8.9, 'high'],
    [9, 'critical'],
    [10, 'critical'],
  ] as const)('GuardDuty score %d is %s', (score, expected) => {
    expect(guardDutySeverity(score)).toBe(expected);
  });

  it('orders severities', () => {
    expect(compareSeverity('critical', 'high')).toBeGreaterThan(0);
    expect(compareSeverity('low', 'medium')).toBeLessThan(0);
    expect(compareSeverity('high', 'high')).toBe(0);
    expect(maxSeverity('medium', 'critical', 'low')).toBe('critical');
    expect(maxSeverity()).toBe('low');
  });
});
