// The App Home tab: open incidents with their phase and a link to each thread, and the recently
// closed ones. Details are for responders; others see where to look.

import type { App } from '@slack/bolt';
import type { Config } from '../config/config.ts';
import type { Clock } from '../context.ts';
import type { Logger } from '../logger.ts';
import type { Store } from '../store/store.ts';
import { afterAck } from './after-ack.ts';
import { context, header, section } from './blocks/kit.ts';
import { homeView, type Listed } from './blocks/overview.ts';
import type { SlackRuntime } from './incident-actions.ts';
import type { IncidentNotifier, WebClient } from './incident-notifier.ts';
import { viewOf } from './incident-view.ts';
import type { RespondersResolver } from './responders.ts';

export interface HomeDeps {
  client: WebClient;
  store: Store;
  config: Config;
  clock: Clock;
  logger: Logger;
  runtime: SlackRuntime;
  notifier: IncidentNotifier;
  responders: RespondersResolver;
}

export function registerHomeListener(app: App, deps: HomeDeps): void {
  const { store } = deps;

  async function listed(incidents: ReturnType<Store['incidents']['listOpen']>): Promise<Listed[]> {
    return Promise.all(
      incidents.map(async (i) => ({
        view: viewOf(store, (id) => deps.runtime.snapshot(id), i),
        permalink: await deps.notifier.permalink(i.id),
      })),
    );
  }

  // Bolt acknowledges Events API requests before listeners run, so this may take its time.
  app.event('app_home_opened', async ({ event }) => {
    if (event.tab !== undefined && event.tab !== 'home') return;
    const userId = event.user;
    await afterAck();
    try {
      const now = deps.clock();
      const view = (await deps.responders.isResponder(userId))
        ? homeView(
            await listed(store.incidents.listOpen()),
            await listed(store.incidents.listRecentlyClosed(10)),
            now,
          )
        : {
            type: 'home' as const,
            blocks: [
              header('S3 SSE-C incident response'),
              section(`${store.incidents.listOpen().length} incident(s) open.`),
              context([
                `Details are shown to responders${deps.config.incidentChannel ? ` and in <#${deps.config.incidentChannel}>` : ''}.`,
              ]),
            ],
          };
      await deps.client.views.publish({ user_id: userId, view: view as never });
    } catch (err) {
      deps.logger.error({ err, userId }, 'App Home could not be published');
    }
  });
}
