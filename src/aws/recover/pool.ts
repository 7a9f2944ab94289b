/**
 * Runs `worker` over `items` with at most `concurrency` at once, pulling lazily so a huge source
 * is never held in memory. An async generator queues concurrent next() calls, so lanes may share it.
 */
export async function runPool<T>(
  items: AsyncIterable<T> | Iterable<T>,
  concurrency: number,
  worker: (item: T) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  const it =
    Symbol.asyncIterator in items
      ? (items as AsyncIterable<T>)[Symbol.asyncIterator]()
      : (items as Iterable<T>)[Symbol.iterator]();
  let failure: { error: unknown } | undefined;
  // Lanes never reject: every worker in flight finishes before this returns, so nothing writes
  // (to SQLite, say) after the caller has moved on.
  const lane = async () => {
    while (!failure && !signal?.aborted) {
      let next: IteratorResult<T>;
      try {
        next = await it.next();
      } catch (error) {
        failure ??= { error };
        return;
      }
      if (next.done) return;
      try {
        await worker(next.value);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, lane));
  if (failure) throw failure.error;
}
