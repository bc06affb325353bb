import { endpoints } from '../../lib/routes.ts';

/** What the contract check saw in a run: answers checked, and the operations no test reached. */
export function contractSummary(lines: string[]): string {
  const seen = new Map<string, number>();
  for (const line of lines) {
    const [operationId, , status] = line.split(' ');
    const key = `${operationId} ${status}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  const operations = new Set(lines.map((line) => line.split(' ')[0]));
  const missing = endpoints().filter((endpoint) => !operations.has(endpoint.name)).map((endpoint) => endpoint.name);
  return [
    `contract: ${lines.length} answers checked against the OpenAPI document, ${seen.size} distinct (operation, status) pairs;`,
    `          operations never answered: ${missing.length === 0 ? 'none' : missing.join(', ')}`,
  ].join('\n');
}
