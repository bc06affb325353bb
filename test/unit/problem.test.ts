import { describe, expect, it } from 'vitest';
import { AppError, validationFailed } from '../../lib/errors.ts';
import { internalError, problemResponse } from '../../lib/http/problem.ts';

describe('problem+json', () => {
  it('renders an AppError as RFC 9457 problem details with a stable code', () => {
    const response = problemResponse(validationFailed('The body is not valid.', { username: ['Required.'] }));
    expect(response.statusCode).toBe(400);
    expect(response.headers?.['Content-Type']).toBe('application/problem+json');
    expect(JSON.parse(response.body as string)).toEqual({
      type: 'urn:chat-serverless:problem:validation_failed',
      title: 'Bad Request',
      status: 400,
      detail: 'The body is not valid.',
      code: 'validation_failed',
      errors: { username: ['Required.'] },
    });
  });

  it('passes headers such as Retry-After through', () => {
    const response = problemResponse(new AppError(503, 'service_unavailable', 'later', { headers: { 'Retry-After': '1' } }));
    expect(response.headers?.['Retry-After']).toBe('1');
  });

  it('says nothing internal in a 500', () => {
    const body = JSON.parse(internalError().body as string);
    expect(body).toMatchObject({ status: 500, code: 'internal' });
    expect(Object.keys(body)).not.toContain('stack');
  });
});
