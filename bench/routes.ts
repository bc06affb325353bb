/**
 * The functions and their HTTP routes, from the route table (lib/routes.ts, the same declarations
 * serverless.yml deploys), so the benchmark follows functions as they are added or renamed.
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { functionEntries, handlerFile, routeKey } from '../lib/routes.ts';
import type { LambdaHandler } from './lambda-events.ts';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface FunctionDeclaration {
  /** The serverless function name, e.g. sendGroup. */
  name: string;
  /** e.g. functions/send-group.ts */
  source: string;
  /** e.g. 'POST /chat/group/{room_id}'; undefined for non-HTTP functions (the consumer). */
  route?: string;
  /** No IAM statement: the function reads and writes nothing (the API description, the $default route). */
  readsNothing: boolean;
}

export function declaredFunctions(): FunctionDeclaration[] {
  return functionEntries().map(([name, entry]) => ({
    name,
    source: handlerFile(entry.handler),
    ...(entry.http ? { route: routeKey(entry.http) } : {}),
    readsNothing: entry.iamRoleStatements.length === 0,
  }));
}

export function functionByRoute(route: string): FunctionDeclaration | undefined {
  return declaredFunctions().find((f) => f.route === route);
}

export async function loadHandler(declaration: FunctionDeclaration): Promise<LambdaHandler> {
  const module = (await import(pathToFileURL(path.join(ROOT, declaration.source)).href)) as { handler: LambdaHandler };
  return module.handler;
}
