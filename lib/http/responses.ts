import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

export type HttpResponse = APIGatewayProxyStructuredResultV2;

const JSON_TYPE = 'application/json';

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  return { statusCode, headers: { 'Content-Type': JSON_TYPE, ...headers }, body: JSON.stringify(body) };
}

export const ok = (body: unknown, headers?: Record<string, string>) => json(200, body, headers);

/** 200 with a body that is already JSON text (e.g. served from a cache as it was serialized). */
export const okSerialized = (body: string, headers: Record<string, string> = {}): HttpResponse => ({
  statusCode: 200,
  headers: { 'Content-Type': JSON_TYPE, ...headers },
  body,
});

export const created = (body: unknown) => json(201, body);

export const noContent = (): HttpResponse => ({ statusCode: 204, body: '' });

const STATUS_NAMES: Record<number, string> = { 200: 'HTTP_200_OK', 201: 'HTTP_201_CREATED', 202: 'HTTP_202_ACCEPTED' };

/**
 * The seed's chat envelope, `{"status": 200, "message": "HTTP_200_OK", "data": …}`; `data` is left
 * out when there is none (the seed's join answer).
 */
export function envelope(statusCode: number, data?: unknown, headers?: Record<string, string>): HttpResponse {
  const message = statusName(statusCode);
  return json(statusCode, data === undefined ? { status: statusCode, message } : { status: statusCode, message, data }, headers);
}

/** The envelope's `message` for a status: `HTTP_200_OK`. */
export const statusName = (statusCode: number) => STATUS_NAMES[statusCode] ?? `HTTP_${statusCode}`;
