import * as z from 'zod/mini';
import { en } from 'zod/locales';

// zod/mini ships without messages: English ones make 400 bodies readable, in DRF's words for the
// shapes DRF names (lib/http/validation.ts words missing and null fields).
const english = en().localeError;

const typeName = (value: unknown) => (Array.isArray(value) ? 'list' : value === null ? 'null' : typeof value === 'object' ? 'dict' : typeof value === 'string' ? 'str' : typeof value === 'number' ? (Number.isInteger(value) ? 'int' : 'float') : typeof value);

z.config({
  localeError: (issue) => {
    if (issue.code === 'invalid_type') {
      switch (issue.expected) {
        case 'object':
          return `Invalid data. Expected a dictionary, but got ${typeName(issue.input)}.`;
        case 'array':
          return `Expected a list of items but got type "${typeName(issue.input)}".`;
        case 'string':
          return 'Not a valid string.';
        case 'number':
        case 'int':
          return 'A valid integer is required.';
        case 'boolean':
          return 'Must be a valid boolean.';
      }
    }
    if (issue.code === 'invalid_value' && issue.values.length > 0) return `"${String(issue.input)}" is not a valid choice.`;
    if (issue.code === 'too_big' && issue.origin === 'array') return `Ensure this field has no more than ${issue.maximum} elements.`;
    return english(issue);
  },
});
