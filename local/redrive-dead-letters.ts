/**
 * `npm run redrive [-- --stage local]`: moves every message of the stage's dead-letter queue back
 * to its message queue (lib/queue/redrive.ts), for SQS emulators without StartMessageMoveTask —
 * fauxqs, under `npm start`. Point it at the emulator with AWS_ENDPOINT_URL_SQS (npm start prints
 * it). On AWS, use `aws sqs start-message-move-task` instead (README, "Alarms and logs").
 */
import { parseArgs } from 'node:util';
import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { redriveDeadLetters } from '../lib/queue/redrive.ts';
import { awsConfig, onEndpoint, resourceNames } from './resources.ts';

const { values } = parseArgs({ options: { stage: { type: 'string', default: 'local' } } });
const endpoint = process.env.AWS_ENDPOINT_URL_SQS;
const sqs = new SQSClient(awsConfig(process.env as Record<string, string>, endpoint));
const names = resourceNames(values.stage!);

const queueUrl = async (QueueName: string) => {
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName }));
  // fauxqs hands out sqs.<region>.localhost URLs, which do not resolve (local/resources.ts).
  return endpoint ? onEndpoint(QueueUrl!, endpoint) : QueueUrl!;
};

try {
  const [deadLetterQueueUrl, messageQueueUrl] = await Promise.all([queueUrl(names.deadLetterQueue), queueUrl(names.messageQueue)]);
  const { moved } = await redriveDeadLetters({ sqs, deadLetterQueueUrl, queueUrl: messageQueueUrl });
  console.error(`redrive: moved ${moved} message${moved === 1 ? '' : 's'} from ${names.deadLetterQueue} to ${names.messageQueue}`);
} catch (error) {
  console.error(`redrive: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  sqs.destroy();
}
