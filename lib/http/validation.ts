import type * as z from 'zod/mini';
import { validationFailed, type FieldErrors } from '../errors.ts';
import './zod-locale.ts';

/** Parses untrusted input; a failure becomes a 400 naming each offending field. */
export function parse<S extends z.ZodMiniType>(schema: S, input: unknown, where?: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const errors: FieldErrors = {};
  for (const issue of result.error.issues) {
    const field = issue.path.length > 0 ? issue.path.join('.') : (where ?? 'non_field_errors');
    (errors[field] ??= []).push(issue.message);
  }
  throw validationFailed(describe(where), errors);
}

function describe(where: string | undefined): string {
  return where ? `The ${where} is not valid.` : 'The request is not valid.';
}
