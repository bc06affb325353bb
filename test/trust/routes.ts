import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface HttpFunction {
  /** e.g. functions/user-get.ts */
  file: string;
  method: string;
  /** As declared (no trailing slash), e.g. /users/{id} */
  route: string;
  pathParams: string[];
}

/**
 * The HTTP functions as infra/functions/*.yml declares them: each function's handler file and its
 * `httpApi: 'METHOD /path'` events (the yml layout of this project: `handler:` before `events:`).
 */
export function httpFunctions(): HttpFunction[] {
  const found: HttpFunction[] = [];
  const dir = path.join(ROOT, 'infra', 'functions');
  for (const name of readdirSync(dir).filter((file) => file.endsWith('.yml'))) {
    let handler: string | undefined;
    for (const line of readFileSync(path.join(dir, name), 'utf8').split('\n')) {
      const handlerMatch = /^\s+handler:\s*(\S+)\.handler\s*$/.exec(line);
      if (handlerMatch) handler = `${handlerMatch[1]}.ts`;
      const routeMatch = /^\s*-\s*httpApi:\s*['"]?([A-Z]+)\s+(\S+?)['"]?\s*$/.exec(line);
      if (routeMatch && handler) {
        const route = routeMatch[2]!;
        found.push({ file: handler, method: routeMatch[1]!, route, pathParams: [...route.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!) });
      }
    }
  }
  return found;
}

/** Every functions/*.ts file. */
export function functionFiles(): string[] {
  return readdirSync(path.join(ROOT, 'functions'))
    .filter((file) => file.endsWith('.ts'))
    .map((file) => `functions/${file}`);
}

/** A concrete path for a declared route, with the seed's trailing slash where the route has params or segments. */
export function concretePath(route: string, params: Record<string, string>): string {
  const filled = route.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? ''));
  return filled.endsWith('.json') || filled.includes('task_state') ? filled : `${filled}/`;
}

export const importFunction = async (file: string) =>
  (await import(/* @vite-ignore */ path.join(ROOT, file))) as { handler: (event: any, context: any) => Promise<unknown> };
