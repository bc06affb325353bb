import { AppError } from '../errors.ts';
import type { HttpResponse } from './responses.ts';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export const problemTitle = (status: number) => TITLES[status] ?? 'Error';

/** RFC 9457 problem details: the single error shape of every endpoint. */
export function problemResponse(error: AppError, instance?: string): HttpResponse {
  const body = {
    type: `urn:chat-serverless:problem:${error.code}`,
    title: problemTitle(error.status),
    status: error.status,
    detail: error.message,
    code: error.code,
    ...(error.errors ? { errors: error.errors } : {}),
    ...(instance ? { instance } : {}),
  };
  return {
    statusCode: error.status,
    headers: { 'Content-Type': 'application/problem+json', ...error.headers },
    body: JSON.stringify(body),
  };
}

export const internalError = () =>
  problemResponse(new AppError(500, 'internal', 'Something went wrong on our side; it has been logged.'));
