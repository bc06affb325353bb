import type { DynamoDBStreamEvent } from 'aws-lambda';
import { fanOut } from '../lib/realtime/fanout.ts';

export const handler = async (event: DynamoDBStreamEvent) => fanOut(event.Records);
