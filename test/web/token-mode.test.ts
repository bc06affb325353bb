/**
 * The web client against a stack in token mode (AUTH_MODE=token, as deployed stages run): sign up,
 * sign in with a username and password, every call with the Bearer token — across origins, so the
 * API's CORS must allow the Authorization and Idempotency-Key headers — and the WebSocket with the
 * token in its query string. A stack of its own (the
 * other browser tests run in query mode); the app is the build of the project's global setup.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/local-stack.ts';
import { startWebServer, type WebServer } from '../../local/web-server.ts';
import { launchChromium } from './support/browser.ts';
import { conversation, messageItem, openApp, roomLink, send, type AppPage } from './support/pages.ts';
import { webStack } from './support/web-stack.ts';

let stack: LocalStack;
let web: WebServer;
let browser: Browser;
let app: AppPage | undefined;

beforeAll(async () => {
  stack = await startLocalStack({ stage: 'local', offline: true, seedUsers: false, authMode: 'token', log: () => {} });
  web = await startWebServer({
    port: 0,
    distDir: webStack().distDir,
    buildIfStale: false,
    config: { apiUrl: stack.httpUrl!, wsUrl: stack.websocketUrl ?? null, authMode: 'token' },
    log: () => {},
  });
  browser = await launchChromium();
});

afterAll(async () => {
  await app?.context.close().catch(() => {});
  await browser?.close();
  await web?.stop();
  await stack?.stop();
});

describe('token mode', () => {
  it('signs up, signs in with username and password, and sends with the Bearer token', async () => {
    app = await openApp(browser, undefined, web.url);
    const { page } = app;
    await page.getByRole('button', { name: 'Create an account' }).click();
    await page.getByRole('textbox', { name: 'Username' }).fill('tia');
    await page.getByLabel('Password').fill('Correct-Horse-1');
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.getByText('Signed in as tia').waitFor();
    // Live over the socket, which authenticates with ?token= (browsers cannot set its headers).
    await page.getByText('Live', { exact: true }).waitFor();

    await page.getByRole('button', { name: 'New room' }).click();
    await page.getByRole('textbox', { name: 'Room name' }).fill('tokens');
    await page.getByRole('button', { name: 'Create' }).click();
    await conversation(page, 'tokens').waitFor();
    await send(page, 'with a Bearer token');
    await messageItem(page, 'tokens', 'with a Bearer token').getByText('Sent').waitFor();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('textbox', { name: 'Username' }).fill('tia');
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    const refused = page.getByRole('alert');
    await refused.waitFor();
    expect(await refused.textContent()).toMatch(/\S/);

    await page.getByLabel('Password').fill('Correct-Horse-1');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByText('Signed in as tia').waitFor();
    await roomLink(page, 'tokens').click();
    await messageItem(page, 'tokens', 'with a Bearer token').waitFor();

    // Every API call but sign-up and sign-in carried the token; preflights carry none by design.
    const apiOrigin = new URL(stack.httpUrl!).origin;
    const calls = app.requests.filter((r) => r.url.origin === apiOrigin && r.method !== 'OPTIONS');
    const open = new Set(['POST /users/', 'POST /auth/token/']);
    const withoutToken = calls.filter((r) => !open.has(`${r.method} ${r.url.pathname}`) && !/^Bearer ey/.test(r.headers.authorization ?? ''));
    expect(withoutToken.map((r) => `${r.method} ${r.url.pathname}`)).toEqual([]);
    expect(calls.filter((r) => r.method === 'POST' && r.url.pathname.startsWith('/chat/group/'))).toHaveLength(1);
    // The refused sign-in is the only failed request the browser reports.
    expect(app.errors.filter((e) => !e.includes('401'))).toEqual([]);
  });
});
