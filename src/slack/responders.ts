// Who may decide: SSEC_RESPONDERS names users (U…/W…) and user groups (S…). Group membership is
// looked up with usergroups.users.list and cached, because every click asks and Slack rate-limits
// the method. A lookup that fails keeps the last known members, or counts as "nobody" (fail closed).

import type { Logger } from '../logger.ts';

export interface UsergroupClient {
  usergroups: {
    users: { list(args: { usergroup: string }): Promise<{ ok?: boolean; users?: string[] }> };
  };
}

export interface RespondersResolver {
  isResponder(userId: string): Promise<boolean>;
  /** Every user id the configuration resolves to right now (groups expanded). */
  members(): Promise<string[]>;
  /** The configured ids as given (users and groups), for mentions. */
  readonly configured: readonly string[];
}

export interface RespondersOptions {
  client: UsergroupClient;
  responders: readonly string[];
  logger: Logger;
  /** How long a group's member list is trusted; 5 minutes by default. */
  ttlMs?: number;
  now?: () => number;
}

interface CacheEntry {
  members: Set<string>;
  fetchedAt: number;
}

const isGroup = (id: string) => id.startsWith('S');

export function createRespondersResolver(opts: RespondersOptions): RespondersResolver {
  const ttlMs = opts.ttlMs ?? 5 * 60_000;
  const now = opts.now ?? Date.now;
  const users = new Set(opts.responders.filter((id) => !isGroup(id)));
  const groups = opts.responders.filter(isGroup);
  const cache = new Map<string, CacheEntry>();
  // One lookup per group at a time: fifty clicks at once must not become fifty API calls.
  const inFlight = new Map<string, Promise<Set<string>>>();

  async function fetchGroup(group: string): Promise<Set<string>> {
    try {
      const res = await opts.client.usergroups.users.list({ usergroup: group });
      const members = new Set(res.users ?? []);
      cache.set(group, { members, fetchedAt: now() });
      return members;
    } catch (err) {
      const stale = cache.get(group);
      opts.logger.warn(
        { err, usergroup: group, usingStale: stale !== undefined },
        'could not list user-group members; responders from this group are not recognised until it works',
      );
      return stale?.members ?? new Set();
    }
  }

  function membersOf(group: string): Promise<Set<string>> {
    const cached = cache.get(group);
    if (cached && now() - cached.fetchedAt < ttlMs) return Promise.resolve(cached.members);
    let pending = inFlight.get(group);
    if (!pending) {
      pending = fetchGroup(group).finally(() => inFlight.delete(group));
      inFlight.set(group, pending);
    }
    return pending;
  }

  return {
    configured: opts.responders,
    async isResponder(userId) {
      if (users.has(userId)) return true;
      for (const group of groups) {
        if ((await membersOf(group)).has(userId)) return true;
      }
      return false;
    },
    async members() {
      const all = new Set(users);
      for (const group of groups) for (const m of await membersOf(group)) all.add(m);
      return [...all];
    },
  };
}
