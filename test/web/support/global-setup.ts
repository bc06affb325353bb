import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startLocalStack } from '../../../local/local-stack.ts';
import { buildWeb, startWebServer } from '../../../local/web-server.ts';
import type { WebStack } from './web-stack.ts';

/**
 * The browser tests' own stack, on free ports: the app built once (into a folder of this run, so
 * a concurrent `npm start` keeps its web/dist), the local stack in query mode and the web server
 * in front of it. Its own, not the integration project's: a test here makes the message queue
 * unavailable, which must not disturb other tests. Nothing is written to process.env (the
 * integration project's setup runs in the same process); tests get the coordinates through
 * vitest's provide/inject. No seed users either — seeding imports lib/ configured from
 * process.env — the tests sign up the users they need through the API.
 */
export default async function setup(project: TestProject) {
  const outDir = mkdtempSync(path.join(tmpdir(), 'chat-web-dist-'));
  const lines: string[] = [];
  const log = (line: string) => {
    lines.push(line);
    if (lines.length > 200) lines.shift();
  };
  const [stack] = await Promise.all([startLocalStack({ stage: 'local', offline: true, seedUsers: false, log }), buildWeb(outDir)]);
  const wsUrl = stack.websocketUrl ?? null;
  const servers: { url: string; stop(): Promise<void> }[] = [];
  try {
    if (!stack.httpUrl) throw new Error('the local stack has no HTTP URL');
    if (!wsUrl) throw new Error('the local stack has no WebSocket URL');
    const config = { apiUrl: stack.httpUrl, authMode: 'query' as const };
    // The app as `npm start` configures it, and the same build told there is no socket (the long-poll fallback).
    servers.push(await startWebServer({ port: 0, distDir: outDir, buildIfStale: false, config: { ...config, wsUrl }, log }));
    servers.push(await startWebServer({ port: 0, distDir: outDir, buildIfStale: false, config: { ...config, wsUrl: null }, log }));
  } catch (err) {
    await Promise.all(servers.map((server) => server.stop()));
    await stack.stop();
    throw err;
  }
  const provided: WebStack = { webUrl: servers[0]!.url, pollWebUrl: servers[1]!.url, wsUrl, apiUrl: stack.httpUrl!, env: stack.env, distDir: outDir };
  project.provide('webStack', provided);
  return async () => {
    await Promise.all(servers.map((server) => server.stop()));
    await stack.stop();
    rmSync(outDir, { recursive: true, force: true });
  };
}
