// Slack must see an incident's messages in the order things happened (a panel edit must not land
// before the message it refers to), so all work for one incident runs one task at a time.

export interface SerialQueue {
  run<T>(key: number | string, task: () => Promise<T>): Promise<T>;
  /** Resolves when every task queued so far has finished. */
  idle(): Promise<void>;
}

export function createSerialQueue(onError: (err: unknown, key: number | string) => void): SerialQueue {
  const tails = new Map<number | string, Promise<unknown>>();
  return {
    run(key, task) {
      const prev = tails.get(key) ?? Promise.resolve();
      const result = prev.then(task, task);
      const tail = result.catch((err) => onError(err, key));
      tails.set(key, tail);
      void tail.then(() => {
        if (tails.get(key) === tail) tails.delete(key);
      });
      return result;
    },
    async idle() {
      while (tails.size > 0) await Promise.all([...tails.values()]);
    },
  };
}
