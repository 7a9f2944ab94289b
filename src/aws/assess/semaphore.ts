import { AbortedError } from '../retry.ts';

/** Bounds how many keys are being decided at once (each runs its HEADs one after another). */
export class Semaphore {
  private waiting: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];
  private active = 0;

  constructor(private readonly limit: number) {}

  async acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw new AbortedError();
    if (this.active < this.limit) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const waiter = {
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        reject,
      };
      const onAbort = () => {
        this.waiting = this.waiting.filter((w) => w !== waiter);
        reject(new AbortedError());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }

  release(): void {
    const next = this.waiting.shift();
    // Hand the permit straight to the next waiter, so `active` never dips and lets a newcomer in.
    if (next) next.resolve();
    else this.active--;
  }

  inUse(): number {
    return this.active;
  }
}
