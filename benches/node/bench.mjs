// The official Node SDK against the sink benches/end_to_end.rs starts:
// runs of 100 tool-call events, each run started, its events sent with one
// hand-made emitEventsBatch(100), then ended; 8 runs in flight. Prints
// events/s from the first request until every run has ended.
// Run by `cargo bench --bench end_to_end` (DRIP_BASE_URL, DRIP_API_KEY set).
import { Drip } from '@drip-sdk/node';

const drip = new Drip({
  apiKey: process.env.DRIP_API_KEY,
  baseUrl: process.env.DRIP_BASE_URL,
  resilience: false, // the default rate limiter caps at 100 requests/s
});
const RUNS = Number(process.env.NODE_BENCH_RUNS ?? 2000);
const PER_RUN = 100;
const IN_FLIGHT = 8;

async function oneRun(r) {
  const run = await drip.startRun({ customerId: 'cus_bench', workflowId: 'wf_1', externalRunId: `node-${r}` });
  const events = [];
  for (let i = 0; i < PER_RUN; i++) {
    events.push({
      runId: run.id,
      customerId: 'cus_bench',
      eventType: 'tool.call',
      quantity: 1,
      description: 'tool',
      metadata: { toolName: 'tool', durationMs: 0 },
      idempotencyKey: `node-${r}-${i}`,
    });
  }
  await drip.emitEventsBatch(events);
  await drip.endRun(run.id, { status: 'COMPLETED' });
}

const start = process.hrtime.bigint();
let next = 0;
await Promise.all(
  Array.from({ length: IN_FLIGHT }, async () => {
    while (next < RUNS) {
      await oneRun(next++);
    }
  }),
);
const secs = Number(process.hrtime.bigint() - start) / 1e9;
console.log(
  `node @drip-sdk/node emitEventsBatch(${PER_RUN}): ${RUNS * PER_RUN} events in ${secs.toFixed(2)} s = ${Math.round((RUNS * PER_RUN) / secs)} events/s`,
);
