/**
 * `npm run bench [-- options]`: starts the local stack (or uses the one in the environment when
 * BENCH_HTTP_URL is set, with its CHAT_TABLE, AWS_ENDPOINT_URL_DYNAMODB, … variables), runs every
 * workload, prints the table, and with `--out FILE` writes the JSON.
 *
 *   --out FILE              write the JSON result
 *   --quick                 small sizes, for trying the bench out (not for figures)
 *   --only a,b              workloads: listMessages,sendToPersisted,pipeline,usersList,ddb,liveDelivery,fanOut,bundles
 *   --sizes 100,1000,10000  room sizes of listMessages
 *   --pipeline-messages N   --users N   --bundle-runs N   --samples N (list and send samples)
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { startLocalStack, type LocalStack } from '../local/local-stack.ts';

const { values } = parseArgs({
  options: {
    out: { type: 'string' },
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    sizes: { type: 'string' },
    'pipeline-messages': { type: 'string' },
    users: { type: 'string' },
    'bundle-runs': { type: 'string' },
    samples: { type: 'string' },
  },
});

const log = (line: string) => console.error(line);
const started = performance.now();
let stack: LocalStack | undefined;
let stackStartSeconds: number | undefined;

async function stopStack(): Promise<void> {
  const running = stack;
  stack = undefined;
  if (running) {
    log('bench: stopping the local stack');
    await running.stop();
  }
}

process.on('SIGINT', () => void stopStack().finally(() => process.exit(130)));
process.on('SIGTERM', () => void stopStack().finally(() => process.exit(143)));

const number = (value: string | undefined) => (value === undefined ? undefined : Number(value));

try {
  if (process.env.BENCH_HTTP_URL) {
    log(`bench: using the stack at ${process.env.BENCH_HTTP_URL} (environment)`);
  } else {
    stack = await startLocalStack({ offline: true, log: (line) => log(line) });
    Object.assign(process.env, stack.env);
    stackStartSeconds = Math.round((performance.now() - started) / 100) / 10;
  }
  // Handlers run in this process for the DynamoDB figures: keep their logs out of the report.
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  const { runBench, formatReport, WORKLOADS } = await import('./bench.ts');
  type Workload = (typeof WORKLOADS)[number];

  const quick = values.quick
    ? { sizes: [100, 1000], listSamples: 20, sendSamples: 10, pipelineMessages: 200, users: 100, usersSamples: 10, durationRuns: 3, bundleRuns: 1, liveSamples: 10, fanOutMembers: 20, fanOutMessages: 5, lookupRuns: 3 }
    : {};
  const only = values.only?.split(',').map((w) => w.trim()) as Workload[] | undefined;
  for (const name of only ?? []) if (!WORKLOADS.includes(name)) throw new Error(`unknown workload ${name}; known: ${WORKLOADS.join(', ')}`);
  const samples = number(values.samples);
  const result = await runBench({
    httpUrl: stack?.httpUrl ?? process.env.BENCH_HTTP_URL,
    ...(stack?.websocketUrl ? { websocketUrl: stack.websocketUrl } : {}),
    ...quick,
    ...(values.sizes ? { sizes: values.sizes.split(',').map(Number) } : {}),
    ...(values['pipeline-messages'] ? { pipelineMessages: number(values['pipeline-messages'])! } : {}),
    ...(values.users ? { users: number(values.users)! } : {}),
    ...(values['bundle-runs'] ? { bundleRuns: number(values['bundle-runs'])! } : {}),
    ...(samples ? { listSamples: samples, sendSamples: samples } : {}),
    ...(only ? { only } : {}),
    // Bundles are packaged and imported last, on a machine the stack no longer keeps busy.
    beforeBundles: stopStack,
    log,
  });
  await stopStack();
  if (stackStartSeconds !== undefined) result.meta.stackStartSeconds = stackStartSeconds;
  result.meta.totalSeconds = Math.round((performance.now() - started) / 100) / 10;
  console.log(formatReport(result));
  if (values.out) {
    await writeFile(values.out, `${JSON.stringify(result, null, 2)}\n`);
    log(`bench: JSON written to ${values.out}`);
  }
  process.exit(result.errors.length ? 1 : 0);
} catch (error) {
  console.error('bench failed:', error);
  await stopStack();
  process.exit(1);
}
