import { createHash } from 'node:crypto';
import type { GetQueueAttributesRequest, GetQueueAttributesResult, SendMessageRequest, SendMessageResult } from '@aws-sdk/client-sqs';
import { JSON_RPC_ERROR_CODE, type AwsErrorMetadata } from './errors.ts';
import { serviceClient, type AwsService, type ClientOptions } from './service.ts';

/**
 * The two SQS calls the functions make, over SQS's AWS JSON 1.0 protocol as the SDK sends it
 * (`X-Amz-Target: AmazonSQS.<Operation>`, `x-amzn-query-mode: true`). Each goes to its queue
 * URL's origin, as the SDK client did (its `useQueueUrlAsEndpoint`, on by default, wins over
 * AWS_ENDPOINT_URL_SQS). SendMessage checks the MD5 of the body SQS stored, as the SDK did.
 */
export type SqsOptions = ClientOptions;

type Output<T> = T & { $metadata: AwsErrorMetadata };

export class SqsClient {
  private readonly service: AwsService;

  constructor(options: SqsOptions) {
    // The SDK's base delay for SQS: 50 ms.
    this.service = serviceClient('sqs', JSON_RPC_ERROR_CODE, 50, options);
  }

  async sendMessage(input: SendMessageRequest): Promise<Output<SendMessageResult>> {
    const output = await this.call<SendMessageResult>('SendMessage', input);
    const md5 = createHash('md5')
      .update(input.MessageBody ?? '')
      .digest('hex');
    if (output.MD5OfMessageBody !== md5) throw new Error('InvalidChecksumError');
    return output;
  }

  getQueueAttributes(input: GetQueueAttributesRequest): Promise<Output<GetQueueAttributesResult>> {
    return this.call('GetQueueAttributes', input);
  }

  private async call<T>(operation: string, input: { QueueUrl: string | undefined }): Promise<Output<T>> {
    const { data, $metadata } = await this.service.call({
      origin: new URL(input.QueueUrl!).origin,
      method: 'POST',
      path: '/',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `AmazonSQS.${operation}`, 'x-amzn-query-mode': 'true' },
      body: JSON.stringify(input),
    });
    return { ...(data as T), $metadata };
  }
}
