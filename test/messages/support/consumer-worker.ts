/**
 * A Lambda sandbox for the message consumer, as a worker thread (test/messages/support/lambda-rig.ts):
 * imports the function once (its environment comes with the worker), says it is ready, then runs
 * each event it is sent. Lambda freezes or kills a sandbox whose invocation times out; the rig
 * terminates this thread.
 */
import { parentPort } from 'node:worker_threads';
import type { SQSEvent } from 'aws-lambda';

const { handler } = await import('../../../functions/message-consumer.ts');
parentPort!.on('message', async (event: SQSEvent) => {
  try {
    parentPort!.postMessage({ result: await handler(event) });
  } catch (error) {
    parentPort!.postMessage({ error: error instanceof Error ? error.message : String(error) });
  }
});
parentPort!.postMessage({ ready: true });
