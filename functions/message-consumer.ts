import type { SQSEvent } from 'aws-lambda';
import { consumeMessages } from '../lib/messages/consumer.ts';

export const handler = async (event: SQSEvent) => consumeMessages(event.Records);
