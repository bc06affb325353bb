import { REST_JSON_ERROR_CODE } from './errors.ts';
import { serviceClient, type AwsService, type ClientOptions } from './service.ts';

/**
 * API Gateway's management API for WebSocket connections (REST-JSON, signing name `execute-api`):
 * PostToConnection is `POST {endpoint}/@connections/{id}` with the frame as the body,
 * DeleteConnection `DELETE` of the same path, each as the SDK sends it. The endpoint keeps its
 * path (the stage on AWS; serverless-offline's has none). Any 2xx is success (AWS answers 200,
 * serverless-offline 204); an unknown connection is a 410 `GoneException`.
 */
export interface ManagementOptions extends ClientOptions {
  endpoint: string;
}

/** The SDK's extendedEncodeURIComponent: also escapes !'()*. */
const encodeLabel = (value: string) => encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

export class ApiGatewayManagement {
  private readonly service: AwsService;
  private readonly origin: string;
  private readonly basePath: string;

  constructor(options: ManagementOptions) {
    this.service = serviceClient('execute-api', REST_JSON_ERROR_CODE, 50, options);
    const url = new URL(options.endpoint);
    this.origin = url.origin;
    this.basePath = url.pathname.replace(/\/+$/, '');
  }

  async postToConnection(connectionId: string, data: string): Promise<void> {
    await this.service.call({
      origin: this.origin,
      method: 'POST',
      path: this.connectionPath(connectionId),
      headers: { 'content-type': 'application/octet-stream' },
      body: data,
    });
  }

  async deleteConnection(connectionId: string): Promise<void> {
    await this.service.call({ origin: this.origin, method: 'DELETE', path: this.connectionPath(connectionId), headers: {} });
  }

  private connectionPath(connectionId: string): string {
    return `${this.basePath}/@connections/${encodeLabel(connectionId)}`;
  }
}
