import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

export type HttpResponse = APIGatewayProxyStructuredResultV2;

const JSON_TYPE = 'application/json';

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  return { statusCode, headers: { 'Content-Type': JSON_TYPE, ...headers }, body: JSON.stringify(body) };
}

export const ok = (body: unknown, headers?: Record<string, string>) => json(200, body, headers);

export const created = (body: unknown) => json(201, body);

export const noContent = (): HttpResponse => ({ statusCode: 204, body: '' });

/** The seed's chat envelope: `{status, message, data}`. */
export function envelope(statusCode: number, message: string, data: unknown): HttpResponse {
  return json(statusCode, { status: statusCode < 400 ? 'success' : 'error', message, data });
}
