/**
 * The web client for the local stack: serves the built single-page app (web/dist, built by
 * `npm run build:web`) on a loopback port, and answers `/config.json` — the API and WebSocket URLs
 * of the running stack — so the same build works here and on any static host of a deployed stage
 * (where config.json is a file next to index.html: README, "Web client").
 *
 * Static files are served by sirv (ETags, content types, HEAD, ranges); the build is made with
 * Vite's API when web/dist is missing or older than its sources.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sirv from 'sirv';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const WEB_ROOT = path.join(ROOT, 'web');
export const WEB_DIST = path.join(WEB_ROOT, 'dist');
export const DEFAULT_WEB_PORT = 8080;

/** What the browser app reads from /config.json (web/src/config.ts). */
export interface WebConfig {
  apiUrl: string;
  wsUrl: string | null;
  authMode: 'query' | 'token';
}

export interface WebServerOptions {
  /** 0: a free port. */
  port: number;
  config: WebConfig;
  /** The built files (default web/dist). */
  distDir?: string;
  /** Build web/dist first when it is missing or older than web/src (default true; only for the default distDir). */
  buildIfStale?: boolean;
  log?: (line: string) => void;
}

export interface WebServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** Builds the app with Vite into `outDir` (default web/dist). */
export async function buildWeb(outDir: string = WEB_DIST): Promise<string> {
  const { build } = await import('vite');
  await build({ root: WEB_ROOT, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  return outDir;
}

function newestMtime(entry: string): number {
  const stat = statSync(entry);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(entry).map((name) => newestMtime(path.join(entry, name))));
}

/** Whether web/dist must be (re)built: no index.html, or a source newer than it. */
export function webBuildIsStale(distDir: string = WEB_DIST): boolean {
  const index = path.join(distDir, 'index.html');
  if (!existsSync(index)) return true;
  const sources = [path.join(WEB_ROOT, 'src'), path.join(WEB_ROOT, 'index.html'), path.join(WEB_ROOT, 'vite.config.ts')].filter(existsSync);
  return Math.max(...sources.map(newestMtime)) > statSync(index).mtimeMs;
}

/**
 * Content-Security-Policy of the app: only its own files, the API and the WebSocket — nothing
 * else is fetched at run time (no fonts, scripts or styles from elsewhere).
 */
function contentSecurityPolicy(config: WebConfig): string {
  const connect = ["'self'", new URL(config.apiUrl).origin, ...(config.wsUrl ? [new URL(config.wsUrl).origin] : [])];
  return [
    "default-src 'self'",
    `connect-src ${connect.join(' ')}`,
    "img-src 'self' data:",
    "style-src 'self'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const distDir = options.distDir ?? WEB_DIST;
  const log = options.log ?? ((line: string) => console.error(line));
  if ((options.buildIfStale ?? true) && distDir === WEB_DIST && webBuildIsStale(distDir)) {
    const t0 = performance.now();
    await buildWeb(distDir);
    log(`web: built web/dist (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  }
  if (!existsSync(path.join(distDir, 'index.html'))) throw new Error(`${distDir}/index.html not found: run npm run build:web`);

  const configBody = JSON.stringify(options.config);
  const csp = contentSecurityPolicy(options.config);
  const files = sirv(distDir, {
    etag: true,
    dev: false,
    setHeaders(res, pathname) {
      // Vite names assets by content hash: they never change; index.html always may.
      res.setHeader('Cache-Control', pathname.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });

  const server = http.createServer((req, res) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Content-Security-Policy', csp);
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' }).end('Method Not Allowed\n');
      return;
    }
    if (pathname === '/config.json') {
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : configBody);
      return;
    }
    files(req, res, () => {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not Found\n');
    });
  });

  // Loopback only: this is a development server.
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  let stopping: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stop: () =>
      (stopping ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  };
}
