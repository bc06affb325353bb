import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { endpoints, handlerFile, routeKey } from '../../lib/routes.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface HttpFunction {
  /** e.g. functions/user-get.ts */
  file: string;
  method: string;
  /** As the HTTP API routes it (no trailing slash), e.g. /users/{id} */
  route: string;
  /** As clients call it (the seed's trailing slash), e.g. /users/{id}/ */
  path: string;
  pathParams: string[];
  /** The route reads a JSON body. */
  takesBody: boolean;
}

/** The HTTP functions of the route table (lib/routes.ts). */
export function httpFunctions(): HttpFunction[] {
  return endpoints().map((endpoint) => ({
    file: handlerFile(endpoint.handler),
    method: endpoint.method,
    route: routeKey(endpoint).slice(endpoint.method.length + 1),
    path: endpoint.path,
    pathParams: [...endpoint.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]!),
    takesBody: endpoint.request?.body !== undefined,
  }));
}

/** Every functions/*.ts file. */
export function functionFiles(): string[] {
  return readdirSync(path.join(ROOT, 'functions'))
    .filter((file) => file.endsWith('.ts'))
    .map((file) => `functions/${file}`);
}

/** The path a client calls for a route (`/users/{id}` as routed), with its parameters filled in. */
export function concretePath(route: string, params: Record<string, string>): string {
  const endpoint = httpFunctions().find((candidate) => candidate.route === route);
  if (!endpoint) throw new Error(`No route ${route} in lib/routes.ts`);
  return endpoint.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? ''));
}

export const importFunction = async (file: string) =>
  (await import(/* @vite-ignore */ path.join(ROOT, file))) as { handler: (event: any, context: any) => Promise<unknown> };
