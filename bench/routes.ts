/**
 * The functions and their HTTP routes, read from infra/functions/*.yml (the same declarations
 * serverless.yml deploys), so the benchmark follows functions as they are added or renamed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { LambdaHandler } from './lambda-events.ts';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface FunctionDeclaration {
  /** The serverless function name, e.g. sendGroup. */
  name: string;
  /** e.g. functions/send-group.ts */
  source: string;
  /** e.g. 'POST /chat/group/{room_id}'; undefined for non-HTTP functions (the consumer). */
  route?: string;
}

export function declaredFunctions(): FunctionDeclaration[] {
  const dir = path.join(ROOT, 'infra', 'functions');
  const found: FunctionDeclaration[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.yml')).sort()) {
    let current: FunctionDeclaration | undefined;
    for (const line of readFileSync(path.join(dir, file), 'utf8').split('\n')) {
      const name = /^([A-Za-z0-9_-]+):\s*$/.exec(line)?.[1];
      if (name) {
        current = { name, source: '' };
        found.push(current);
        continue;
      }
      const handler = /^\s+handler:\s*(\S+)\.handler\s*$/.exec(line)?.[1];
      if (handler && current) current.source = `${handler}.ts`;
      const route = /^\s+-\s*httpApi:\s*['"]?([A-Z]+ [^'"]+?)['"]?\s*$/.exec(line)?.[1];
      if (route && current) current.route = route;
    }
  }
  return found.filter((f) => f.source);
}

export function functionByRoute(route: string): FunctionDeclaration | undefined {
  return declaredFunctions().find((f) => f.route === route);
}

export async function loadHandler(declaration: FunctionDeclaration): Promise<LambdaHandler> {
  const module = (await import(pathToFileURL(path.join(ROOT, declaration.source)).href)) as { handler: LambdaHandler };
  return module.handler;
}
