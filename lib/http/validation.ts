import type * as z from 'zod/mini';
import { validationFailed, type FieldErrors } from '../errors.ts';
import './zod-locale.ts';

const LOCATIONS: Record<string, string> = {
  body: 'The body is not valid.',
  query: 'The query parameters are not valid.',
  path: 'The path parameters are not valid.',
  headers: 'The headers are not valid.',
};

/**
 * Parses untrusted input; a failure becomes a 400 naming each offending field, in DRF's words
 * where DRF has some: a missing field "is required", a null one "may not be null". An absent body
 * is an empty object, as DRF's request.data is: each required field is then reported as missing.
 */
export function parse<S extends z.ZodMiniType>(schema: S, input: unknown, where?: string): z.output<S> {
  const given = where === 'body' && input === undefined ? {} : input;
  const result = schema.safeParse(given);
  if (result.success) return result.data;
  const errors: FieldErrors = {};
  for (const issue of result.error.issues) {
    const field = issue.path.length > 0 ? issue.path.join('.') : (where ?? 'non_field_errors');
    (errors[field] ??= []).push(messageOf(issue, given));
  }
  throw validationFailed(where ? (LOCATIONS[where] ?? `${where} is not valid.`) : 'The request is not valid.', errors);
}

/** The issue's message, unless the field is missing or null: the schema's own message would say why not its type. */
function messageOf(issue: z.core.$ZodIssue, input: unknown): string {
  if (issue.path.length === 0) return issue.message;
  let parent: unknown = input;
  for (const key of issue.path.slice(0, -1)) parent = isRecord(parent) ? parent[key as string] : undefined;
  if (!isRecord(parent) || Array.isArray(parent)) return issue.message;
  const value = parent[issue.path.at(-1) as string];
  if (value === undefined) return 'This field is required.';
  if (value === null) return 'This field may not be null.';
  return issue.message;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;
