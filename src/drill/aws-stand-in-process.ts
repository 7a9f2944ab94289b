// Starts the drill's AWS stand-in in a child process (aws-stand-in-child.ts) and drives it over IPC
// (aws-stand-in-protocol.ts). In one process the stand-in's S3 work, the bot's scanner and restorer
// and the Slack layer shared one event loop; apart, they use two cores.

import { type ChildProcess, fork } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type {
  StandInError,
  StandInMessage,
  StandInOperation,
  StandInOperations,
  StandInStartOptions,
} from './aws-stand-in-protocol.ts';

export interface AwsStandInProcessOptions extends StandInStartOptions {
  /** The child's stdout and stderr go here (the AWS SDK's and Node's warnings stay off the drill's terminal). */
  logPath: string;
  /** How long the child may take to load and listen. */
  readyTimeoutMs?: number;
}

export interface AwsStandInProcess {
  pid: number;
  /** e.g. `http://127.0.0.1:PORT`: pass as `endpoint` (S3 with `forcePathStyle: true`). */
  endpoint: string;
  region: string;
  accountId: string;
  adminCredentials: { accessKeyId: string; secretAccessKey: string };
  request<Op extends StandInOperation>(
    op: Op,
    params: StandInOperations[Op]['params'],
  ): Promise<StandInOperations[Op]['result']>;
  /** Stops the stand-in and waits for the child to exit; kills it if it does not answer in time. */
  stop(): Promise<void>;
  /** Kills the child at once (synchronous: safe in an 'exit' handler). */
  kill(): void;
}

interface Waiter {
  op: string;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

const CHILD = fileURLToPath(new URL('./aws-stand-in-child.ts', import.meta.url));

/**
 * The child runs TypeScript through tsx's loader, named by absolute URL: bin/ssec.js registers tsx
 * programmatically, so the parent's execArgv has nothing to inherit, and a bare `--import tsx` would
 * resolve from the current directory, which need not be this project.
 */
function tsxLoaderUrl(): string {
  return import.meta.resolve('tsx');
}

export async function startAwsStandInProcess(opts: AwsStandInProcessOptions): Promise<AwsStandInProcess> {
  const log = openSync(opts.logPath, 'a');
  let child: ChildProcess;
  try {
    const start: StandInStartOptions = { seed: opts.seed, restoreDelayMs: opts.restoreDelayMs };
    child = fork(CHILD, [JSON.stringify(start)], {
      execArgv: ['--import', tsxLoaderUrl()],
      stdio: ['ignore', log, log, 'ipc'],
      serialization: 'json',
    });
  } finally {
    // The child holds its own copy of the descriptor.
    closeSync(log);
  }

  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      process.off('exit', killChild);
      resolve();
    });
  });
  // However the drill ends (process.exit included), the child goes with it. A parent killed
  // outright closes the IPC channel instead, and the child exits on 'disconnect'.
  const killChild = () => {
    if (!exited) child.kill('SIGKILL');
  };
  process.on('exit', killChild);

  const exitReason = () => {
    const how = exited?.signal ? `was killed by ${exited.signal}` : `exited with code ${exited?.code}`;
    return `the AWS stand-in process ${how}${logTail(opts.logPath)}`;
  };

  let nextId = 1;
  const pending = new Map<number, Waiter>();
  void exit.then(() => {
    for (const [id, waiter] of pending) {
      pending.delete(id);
      waiter.reject(new Error(`AWS stand-in ${waiter.op}: ${exitReason()}`));
    }
  });
  const readyTimeoutMs = opts.readyTimeoutMs ?? 60_000;
  const ready = new Promise<Extract<StandInMessage, { type: 'ready' }>>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(
        new Error(`the AWS stand-in process did not start in ${readyTimeoutMs} ms${logTail(opts.logPath)}`),
      );
    }, readyTimeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    void exit.then(() => {
      clearTimeout(timer);
      reject(new Error(exitReason()));
    });
    child.on('message', (message: StandInMessage) => {
      if (message.type === 'ready') {
        clearTimeout(timer);
        resolve(message);
      } else if (message.type === 'failed') {
        clearTimeout(timer);
        reject(fromStandInError(message.error, 'the AWS stand-in process failed to start'));
      } else if (message.type === 'response') {
        const waiter = pending.get(message.id);
        if (!waiter) return;
        pending.delete(message.id);
        if (message.ok) waiter.resolve(message.result);
        else waiter.reject(fromStandInError(message.error, `AWS stand-in ${waiter.op}`));
      }
    });
  });

  let info: Extract<StandInMessage, { type: 'ready' }>;
  try {
    info = await ready;
  } catch (error) {
    killChild();
    await exit;
    throw error;
  }

  const request = <Op extends StandInOperation>(
    op: Op,
    params: StandInOperations[Op]['params'],
  ): Promise<StandInOperations[Op]['result']> =>
    new Promise((resolve, reject) => {
      if (exited || !child.connected) {
        reject(new Error(`AWS stand-in ${op}: ${exitReason()}`));
        return;
      }
      const id = nextId++;
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject, op });
      child.send({ id, op, params }, (error) => {
        if (!error) return;
        pending.delete(id);
        reject(new Error(`AWS stand-in ${op}: ${error.message}`));
      });
    });

  let stopping: Promise<void> | undefined;
  return {
    pid: child.pid!,
    endpoint: info.endpoint,
    region: info.region,
    accountId: info.accountId,
    adminCredentials: info.adminCredentials,
    request,
    stop() {
      stopping ??= (async () => {
        if (exited) return;
        const answered = request('stop', {}).catch(() => {});
        const timer = setTimeout(killChild, 10_000);
        await Promise.race([answered, exit]);
        if (child.connected) child.disconnect();
        await exit;
        clearTimeout(timer);
      })();
      return stopping;
    },
    kill: killChild,
  };
}

function fromStandInError(error: StandInError, context: string): Error {
  const e = new Error(`${context}: ${error.message}`);
  e.name = error.name;
  if (error.stack) e.stack = `${e.name}: ${e.message}\n    (in the AWS stand-in process)\n${error.stack}`;
  return e;
}

/** The end of the child's log, for an error that would otherwise say only "exited with code 1". */
function logTail(path: string): string {
  try {
    const text = readFileSync(path, 'utf8').trim();
    return text ? `; its log (${path}) ends:\n${text.slice(-2000)}` : '';
  } catch {
    return '';
  }
}
