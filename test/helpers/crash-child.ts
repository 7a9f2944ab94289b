// The real workflow runtime in a process of its own, so the crash test can SIGKILL it. Commands
// arrive as JSON lines on stdin; everything worth waiting for is printed as a JSON line on stdout.
//
// Its effects stand in for AWS the way real ones must behave: each reads the "real state" first (a
// table of outcomes in the same SQLite file) and acts only if the outcome is not there yet.
// CRASH_HOLD=<step>:<start|acted> makes that effect stop and wait there, before or after acting,
// so the parent's SIGKILL lands in that window every time, however slow the machine.
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { silentLogger } from '../../src/logger.ts';
import { createStore } from '../../src/store/store.ts';
import type { EffectContext, WorkflowEffects } from '../../src/workflow/effects.ts';
import { createWorkflowRuntime } from '../../src/workflow/runtime.ts';
import { phaseOf } from '../../workflows/incident-machine.ts';
import type { IncidentCommand, Step, StepInputs, StepResults } from '../../workflows/types.ts';

const dbPath = process.argv[2];
if (!dbPath) throw new Error('usage: crash-child.ts <dbPath>');
const [holdStep, holdStage] = (process.env.CRASH_HOLD ?? '').split(':');

const out = (line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(line)}\n`);

const store = createStore(dbPath);
store.db.exec(`
  CREATE TABLE IF NOT EXISTS fake_outcomes (outcome_key TEXT PRIMARY KEY, times INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS fake_calls (id INTEGER PRIMARY KEY AUTOINCREMENT, step TEXT NOT NULL, idempotency_key TEXT NOT NULL);
`);
const outcomeTimes = store.db.prepare<[string], { times: number }>(
  'SELECT times FROM fake_outcomes WHERE outcome_key = ?',
);
const recordOutcome = store.db.prepare(
  `INSERT INTO fake_outcomes (outcome_key, times) VALUES (?, 1)
   ON CONFLICT (outcome_key) DO UPDATE SET times = times + 1`,
);
const recordCall = store.db.prepare('INSERT INTO fake_calls (step, idempotency_key) VALUES (?, ?)');

const RESULTS: StepResults = {
  contain: {
    keysDeactivated: 1,
    bucketsBlocked: 1,
    lifecycleRulesDefused: 1,
    awsRequestIds: ['req-contain'],
  },
  rollback: { keysReactivated: 1, bucketsUnblocked: 1, lifecycleRulesRestored: 1 },
  assess: { affected: 3, unrecoverable: 0, changed: 3, findings: { lifecycleRules: 1 }, assessRunIds: [1] },
  recover: {
    restored: 3,
    failed: 0,
    unrecoverable: 0,
    awsRequestIds: ['req-copy-1', 'req-copy-2', 'req-copy-3'],
  },
  verify: { clean: true, remaining: 0 },
};

/** Says where the effect is; if told to hold there, waits until the process is killed. */
async function checkpoint(step: Step, stage: 'start' | 'acted', signal: AbortSignal) {
  out({ t: 'effect', step, stage });
  if (step === holdStep && stage === holdStage) await sleep(3_600_000, undefined, { signal });
  // Otherwise still yield to the event loop, as a real AWS call would.
  await sleep(5, undefined, { signal });
}

function fake<S extends Step>(step: S) {
  return async (input: StepInputs[S], ctx: EffectContext): Promise<StepResults[S]> => {
    recordCall.run(step, ctx.idempotencyKey);
    await checkpoint(step, 'start', ctx.signal);
    const outcomeKey = `${input.incidentId}:${step}`;
    if (outcomeTimes.get(outcomeKey) === undefined) {
      recordOutcome.run(outcomeKey);
      await checkpoint(step, 'acted', ctx.signal);
    }
    return RESULTS[step];
  };
}

const effects: WorkflowEffects = {
  contain: fake('contain'),
  rollbackContainment: fake('rollback'),
  assess: fake('assess'),
  recover: fake('recover'),
  verify: fake('verify'),
  dryRun: async (step) => ({ step, summary: 'dry run', actions: [] }),
};

const RESPONDERS = new Set(['U-ALICE', 'U-BOB']);
const runtime = createWorkflowRuntime({
  store,
  effects,
  logger: silentLogger(),
  isResponder: async (userId) => RESPONDERS.has(userId),
  policy: { approvalsRequired: 1, twoPersonRule: true, approvalTtlMs: 3_600_000, reminderMs: 900_000 },
  sweepIntervalMs: 60_000,
  onChange: (incidentId, snapshot, events) => {
    out({
      t: 'change',
      incidentId,
      phase: phaseOf(snapshot),
      value: snapshot.value,
      events: events.map((e) => e.type),
    });
  },
});

type Command =
  | { cmd: 'open'; title: string }
  | { cmd: 'send'; incidentId: number; event: IncidentCommand }
  | { cmd: 'exit' };

async function handle(c: Command) {
  switch (c.cmd) {
    case 'open': {
      const incident = store.incidents.create({
        title: c.title,
        severity: 'critical',
        buckets: ['victim-bucket'],
        accessKeyIds: ['AKIAEXAMPLE000000001'],
        windowStart: new Date('2025-01-13T09:00:00Z'),
      });
      runtime.open(incident, { autoAssess: false });
      out({ t: 'opened', incidentId: incident.id });
      break;
    }
    case 'send':
      out({ t: 'sent', ...(await runtime.send(c.incidentId, c.event)) });
      break;
    case 'exit':
      await runtime.stop();
      store.close();
      process.exit(0);
  }
}

const report = await runtime.start();
out({ t: 'ready', ...report });
// Commands run one at a time, in order, as a Slack user's clicks would.
let queue = Promise.resolve();
createInterface({ input: process.stdin }).on('line', (line) => {
  queue = queue.then(() => handle(JSON.parse(line) as Command));
});
