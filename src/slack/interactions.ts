// A refusal reaches Slack twice: as the answer to the person's own click or command (shown where
// they acted) and as a `refused` event in the runtime's change notification. While someone's
// interaction with an incident is being handled, the notification's copy is suppressed.

export interface InteractionTracker {
  /** Marks an interaction as in progress; call the returned function when it has answered. */
  begin(incidentId: number, userId: string): () => void;
  isActive(incidentId: number, userId: string): boolean;
}

export function createInteractionTracker(holdMs = 10_000): InteractionTracker {
  const active = new Map<string, number>();
  const key = (incidentId: number, userId: string) => `${incidentId}:${userId}`;
  const release = (k: string) => {
    const n = (active.get(k) ?? 1) - 1;
    if (n <= 0) active.delete(k);
    else active.set(k, n);
  };
  return {
    begin(incidentId, userId) {
      const k = key(incidentId, userId);
      active.set(k, (active.get(k) ?? 0) + 1);
      let done = false;
      return () => {
        if (done) return;
        done = true;
        // The runtime tells its listeners after the transition is saved, which can be after the
        // caller already has its answer: hold the mark a little longer.
        setTimeout(() => release(k), holdMs).unref();
      };
    },
    isActive(incidentId, userId) {
      return active.has(key(incidentId, userId));
    },
  };
}
