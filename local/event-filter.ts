/**
 * Lambda event filtering (FilterCriteria patterns), the subset the chat stream's patterns use:
 * literal values, `prefix`, `exists` and `anything-but` (a list of literals). No npm package
 * implements Lambda's pattern language, and only this much is needed to give the local stream
 * poller the deployed event-source mapping's behaviour. An unsupported operator is an error when
 * the patterns are compiled, never a silent "no match".
 *
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html
 */
type Pattern = { [field: string]: Pattern | Matcher[] };
type Matcher = string | number | boolean | null | { prefix: string } | { exists: boolean } | { 'anything-but': (string | number)[] };

const OPERATORS = new Set(['prefix', 'exists', 'anything-but']);

/** A predicate true when the event matches ANY of the patterns (Lambda ORs a mapping's filters). */
export function compileFilter(patterns: unknown[]): (event: unknown) => boolean {
  const compiled = patterns.map((pattern, index) => {
    check(pattern, `pattern ${index}`);
    return pattern as Pattern;
  });
  return (event) => compiled.some((pattern) => matches(pattern, event));
}

function check(pattern: unknown, where: string): void {
  if (pattern === null || typeof pattern !== 'object' || Array.isArray(pattern)) throw new Error(`${where}: a pattern is an object`);
  for (const [field, value] of Object.entries(pattern)) {
    if (Array.isArray(value)) {
      for (const matcher of value) {
        if (matcher !== null && typeof matcher === 'object') {
          const [operator, ...more] = Object.keys(matcher);
          if (!operator || more.length > 0 || !OPERATORS.has(operator)) throw new Error(`${where}.${field}: unsupported matcher ${JSON.stringify(matcher)}`);
        }
      }
    } else check(value, `${where}.${field}`);
  }
}

function matches(pattern: Pattern, event: unknown): boolean {
  const object = event !== null && typeof event === 'object' && !Array.isArray(event) ? (event as Record<string, unknown>) : {};
  return Object.entries(pattern).every(([field, expected]) =>
    Array.isArray(expected) ? expected.some((matcher) => matchesValue(matcher, object[field], field in object)) : matches(expected, object[field]),
  );
}

function matchesValue(matcher: Matcher, value: unknown, present: boolean): boolean {
  const values = Array.isArray(value) ? value : [value];
  if (matcher !== null && typeof matcher === 'object') {
    if ('exists' in matcher) return matcher.exists === (present && value !== undefined);
    if (!present) return false;
    if ('prefix' in matcher) return values.some((v) => typeof v === 'string' && v.startsWith(matcher.prefix));
    return values.every((v) => !matcher['anything-but'].includes(v as string | number));
  }
  return present && values.some((v) => v === matcher);
}
