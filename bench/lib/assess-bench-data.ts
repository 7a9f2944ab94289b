// What the assess benchmark's processes agree on: the bucket, the window, the key names and the
// messages between the benchmark and its stand-in child.

export const BENCH_BUCKET = 'assess-bench';
export const BENCH_SINCE = new Date('2025-01-13T10:00:00Z');

/** Keys spread over 100 folders, so the scanner can list folders in parallel. */
export function benchKey(i: number): string {
  return `f${String(i % 100).padStart(3, '0')}/obj-${String(i).padStart(8, '0')}.dat`;
}

export type ParentMessage =
  | { cmd: 'counters' }
  | { cmd: 'reset' }
  | { cmd: 'faults'; latencyMs?: number; slowDownRate?: number }
  | { cmd: 'stop' };

export type ChildMessage =
  | {
      type: 'ready';
      endpoint: string;
      region: string;
      credentials: { accessKeyId: string; secretAccessKey: string };
      versions: number;
      seedMs: number;
      rssMb: number;
    }
  | { type: 'counters'; counts: Record<string, number>; throttled: number };
