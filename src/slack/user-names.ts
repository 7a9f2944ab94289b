// Display names for the report, which is read outside Slack where `U0123…` means nothing. Looked up
// once per person with users.info and cached; a failed lookup leaves the id as it is.

import type { Logger } from '../logger.ts';

export interface UsersInfoClient {
  users: {
    info(args: { user: string }): Promise<{
      user?: { name?: string; real_name?: string; profile?: { display_name?: string; real_name?: string } };
    }>;
  };
}

export function createUserNames(
  client: UsersInfoClient,
  logger: Logger,
): (ids: string[]) => Promise<Record<string, string>> {
  const cache = new Map<string, string | null>();
  return async (ids) => {
    const out: Record<string, string> = {};
    await Promise.all(
      [...new Set(ids)].map(async (id) => {
        if (!cache.has(id)) {
          try {
            const { user } = await client.users.info({ user: id });
            const name = user?.profile?.display_name || user?.real_name || user?.name || null;
            cache.set(id, name);
          } catch (err) {
            logger.debug({ err, userId: id }, 'users.info failed; the report shows the id');
            return;
          }
        }
        const name = cache.get(id);
        if (name) out[id] = name;
      }),
    );
    return out;
  };
}
