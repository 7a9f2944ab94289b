// The drill's AWS stand-in, in a process of its own (forked by aws-stand-in-process.ts), so the
// stand-in's S3 work and the bot's scanner, restorer and Slack layer each get a core. It serves the
// AWS HTTP API as the in-process stand-in does, and answers the drill's IPC requests
// (aws-stand-in-protocol.ts). It lives exactly as long as the drill: when the IPC channel closes
// (the drill stopped, crashed or was killed) it exits.

import { type AwsSandbox, startAwsSandbox } from '../sandbox/aws/server.ts';
import type {
  StandInMessage,
  StandInOperation,
  StandInOperations,
  StandInRequest,
  StandInStartOptions,
} from './aws-stand-in-protocol.ts';
import { toStandInError } from './aws-stand-in-protocol.ts';
import { seededRandom } from './random.ts';
import { drillBucketVersions, type SeededBucket } from './seed-bucket.ts';

const send = process.send?.bind(process);
if (!send) {
  process.stderr.write('aws-stand-in-child: must be started by the drill with an IPC channel\n');
  process.exit(2);
}
const post = (message: StandInMessage, then?: () => void) => {
  // Once the drill is gone there is nobody to answer; the 'disconnect' handler exits.
  if (process.connected) send(message, undefined, undefined, () => then?.());
};

// The drill owns this process's lifetime: a parent that dies (even by SIGKILL) closes the channel.
process.on('disconnect', () => process.exit(0));
// Ctrl-C reaches the whole process group; the drill decides when the stand-in stops (with --keep it
// still needs it while the bot shuts down), so the child leaves SIGINT to its parent.
process.on('SIGINT', () => {});

const options = JSON.parse(process.argv[2] ?? '{}') as StandInStartOptions;

type Handlers = {
  [Op in StandInOperation]: (
    params: StandInOperations[Op]['params'],
  ) => StandInOperations[Op]['result'] | Promise<StandInOperations[Op]['result']>;
};

function handlers(sandbox: AwsSandbox): Handlers {
  // The seeding's own stream: the same values the drill drew from `seededRandom(seed)` when it
  // seeded in-process; `draws` tells the drill how far to advance its stream for the attack.
  let draws = 0;
  const base = seededRandom(options.seed);
  const rand = () => {
    draws++;
    return base();
  };
  return {
    createBucket({ bucket, versioning }) {
      sandbox.s3.createBucket(bucket, { versioning });
      return null;
    },
    seedDrillBucket({ bucket, objects, before }) {
      const seeded: SeededBucket = { keys: [], legitSseCKeys: new Set(), versions: 0 };
      sandbox.s3.seed(bucket, drillBucketVersions(rand, { objects, before: new Date(before) }, seeded));
      return {
        keys: seeded.keys,
        legitSseCKeys: [...seeded.legitSseCKeys],
        versions: seeded.versions,
        draws,
      };
    },
    createRecoveryPoint({ vault, bucket, creationDate }) {
      return sandbox.backup.createRecoveryPoint({ vault, bucket, creationDate: new Date(creationDate) });
    },
    createUser({ userName }) {
      return sandbox.iam.createUser(userName);
    },
    createAccessKey({ userName }) {
      return sandbox.iam.createAccessKey(userName);
    },
    async stop() {
      await sandbox.stop();
      stopping = true;
      return null;
    },
  };
}

let stopping = false;

async function main(): Promise<void> {
  let sandbox: AwsSandbox;
  try {
    sandbox = await startAwsSandbox({ seed: options.seed, restoreDelayMs: options.restoreDelayMs });
  } catch (error) {
    post({ type: 'failed', error: toStandInError(error) });
    process.exit(1);
  }
  const ops = handlers(sandbox);
  process.on('message', (message: StandInRequest) => {
    const handler = ops[message.op] as ((params: unknown) => unknown) | undefined;
    Promise.resolve()
      .then(() => {
        if (!handler) throw new Error(`the AWS stand-in has no operation "${String(message.op)}"`);
        return handler(message.params);
      })
      .then(
        (result) => ({ type: 'response', id: message.id, ok: true, result: result ?? null }) as const,
        (error: unknown) =>
          ({ type: 'response', id: message.id, ok: false, error: toStandInError(error) }) as const,
      )
      // After the answer to `stop` is on its way, closing the channel ends the process.
      .then((response) => post(response, () => stopping && process.disconnect()));
  });
  post({
    type: 'ready',
    endpoint: sandbox.endpoint,
    region: sandbox.region,
    accountId: sandbox.accountId,
    adminCredentials: sandbox.adminCredentials,
  });
}

await main();
