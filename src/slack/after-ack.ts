// Slack times out an interaction after 3 s, and under a burst every acknowledgement waits for
// whatever synchronous work runs before its request is read: SQLite commits (synchronous=FULL),
// workflow transitions, rendering. A listener that has acknowledged waits here for its turn:
// listeners resume one per event-loop turn, so requests that arrived meanwhile are read and
// acknowledged between one listener's work and the next, instead of after all of it.

const waiting: Array<() => void> = [];
let scheduled = false;

function releaseOne(): void {
  waiting.shift()?.();
  // A new setImmediate runs on the next turn, after the poll phase has read waiting requests.
  if (waiting.length > 0) setImmediate(releaseOne);
  else scheduled = false;
}

export function afterAck(): Promise<void> {
  return new Promise((resolve) => {
    waiting.push(resolve);
    if (!scheduled) {
      scheduled = true;
      setImmediate(releaseOne);
    }
  });
}
