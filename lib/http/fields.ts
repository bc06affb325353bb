import * as z from 'zod/mini';

export const MAX_ID = Number.MAX_SAFE_INTEGER;

/**
 * The bounds of each whole number given as text (a path or query value): the OpenAPI document
 * describes such a parameter as the integer it stands for (lib/openapi/document.ts).
 */
export const integerTextBounds = new WeakMap<z.ZodMiniType, { minimum: number; maximum: number }>();

/** A whole number min..max given as text: digits only, no sign, no leading zero. */
export function integerText(minimum: number, maximum: number, message: string) {
  const schema = z
    .pipe(z.string().check(z.regex(/^(0|[1-9][0-9]{0,15})$/, message)), z.transform(Number))
    .check(z.refine((value) => value >= minimum && value <= maximum, message));
  integerTextBounds.set(schema, { minimum, maximum });
  return schema;
}

/** A positive integer id given as text (path or query). */
export const idText = integerText(1, MAX_ID, 'Must be a positive integer id.');

/** A positive integer id in a JSON body; digit strings are accepted too, as DRF does. */
export const idValue = z.union(
  [z.int().check(z.positive('Must be a positive integer id.'), z.lte(MAX_ID, 'Must be a positive integer id.')), idText],
  { error: 'Must be a positive integer id.' },
);

/**
 * A text field with DRF CharField semantics: numbers are accepted and turned into strings (the
 * seed's own example sends `"status_msg": 5`), booleans and objects are refused, surrounding
 * whitespace is trimmed, then the length is checked.
 */
export function text(maxLength: number, options: { allowBlank?: boolean } = {}) {
  const checks: z.core.$ZodCheck<string>[] = [
    z.trim(),
    z.maxLength(maxLength, `Ensure this field has no more than ${maxLength} characters.`)];
  if (!options.allowBlank) checks.push(z.minLength(1, 'This field may not be blank.'));
  // The length is checked after trimming, so the JSON Schema (lib/openapi) carries it as prose.
  const description = `Text of at most ${maxLength} characters once surrounding whitespace is trimmed${options.allowBlank ? '' : ', not blank'}; numbers are accepted as text.`;
  return z.pipe(
    z.union([z.string(), z.number().check(z.refine(Number.isFinite, 'Must be finite.'))], {
      error: 'Not a valid string.',
    }),
    z.pipe(z.transform(String), z.string().check(...checks)),
  ).register(z.globalRegistry, { description });
}
