/**
 * The web client live over the WebSocket API (docs/realtime.md): the app as `npm start` serves it
 * (test/web/support/global-setup.ts passes the stack's WebSocket URL to its config.json).
 *
 * The page's socket goes through Playwright's routeWebSocket, so the test can hold frames back (a
 * gap) and cut the connection (a reconnect) while the real API keeps running.
 */
import type { Browser, WebSocketRoute } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './support/browser.ts';
import { conversation, description, DESKTOP, measureSendToScreen, median, messageItem, openApp, roomLink, send, shownSequences, signIn, type AppPage } from './support/pages.ts';
import { signUp, until, webStack } from './support/web-stack.ts';

let browser: Browser;
let zoeId: number;
const opened: AppPage[] = [];

beforeAll(async () => {
  browser = await launchChromium();
  await signUp('wes');
  zoeId = await signUp('zoe');
});

afterAll(async () => {
  for (const { context } of opened) await context.close().catch(() => {});
  await browser?.close();
});

/** A page whose WebSocket is relayed by the test: `hold` keeps server frames back, `cut` closes the connection. */
async function relayedApp() {
  const page = await openApp(browser, DESKTOP);
  opened.push(page);
  const relay = { held: [] as string[], holding: false, sockets: [] as WebSocketRoute[], frames: [] as string[] };
  await page.page.routeWebSocket(
    (url) => url.href.startsWith(webStack().wsUrl ?? 'ws://none'),
    (ws) => {
      // The app opens its socket only once signed in, so every connection of the test passes here.
      const server = ws.connectToServer();
      relay.sockets.push(ws);
      server.onMessage((message) => {
        const text = message.toString();
        relay.frames.push(text);
        if (relay.holding) relay.held.push(text);
        else ws.send(text);
      });
    },
  );
  return { ...page, relay };
}

const unseenPolls = (app: AppPage) => app.requests.filter((r) => r.url.pathname === '/chat/messages/unseen/').length;
const framesOfType = (frames: string[], type: string) => frames.filter((f) => JSON.parse(f).type === type);

describe('live over the WebSocket API', () => {
  it('delivers a first direct message, typing and read receipts by frames, without long polling', async () => {
    const wes = await relayedApp();
    const zoe = await relayedApp();
    await signIn(wes.page, 'wes');
    await signIn(zoe.page, 'zoe');
    await wes.page.getByText('Live', { exact: true }).waitFor();
    await zoe.page.getByText('Live', { exact: true }).waitFor();
    const pollsBefore = unseenPolls(zoe);

    await wes.page.getByRole('button', { name: 'Direct message' }).click();
    await wes.page.getByLabel('Send a direct message to').selectOption({ label: 'zoe' });
    await wes.page.getByRole('button', { name: 'Start' }).click();
    await send(wes.page, 'Hi zoe');
    const room = 'wes - zoe';
    const link = roomLink(zoe.page, room);
    await link.waitFor();
    await until('the unread badge', () => description(zoe.page, link), (text) => text === '1 unread', 100);
    expect(framesOfType(zoe.relay.frames, 'message')).toHaveLength(1);

    await link.click();
    await messageItem(zoe.page, room, 'Hi zoe').waitFor();
    // Typing in wes's composer shows on zoe's screen; a read receipt shows on wes's.
    await wes.page.getByRole('textbox', { name: 'Message' }).pressSequentially('typing…');
    await zoe.page.getByText('wes is typing…').waitFor();
    await wes.page.getByText('Seen by zoe').waitFor();
    expect(unseenPolls(zoe)).toBe(pollsBefore);
  });

  it('fills a gap in the frames with after= pages: every message once, in order', async () => {
    const wes = await relayedApp();
    const zoe = await relayedApp();
    await signIn(wes.page, 'wes');
    await signIn(zoe.page, 'zoe');
    const room = 'wes - zoe';
    await roomLink(wes.page, room).click();
    await roomLink(zoe.page, room).click();
    await zoe.page.getByText('Live', { exact: true }).waitFor();
    // The history shows up to the first test's message (sequence 1) before anything is held.
    await messageItem(zoe.page, room, 'Hi zoe').waitFor();
    const before = (await shownSequences(zoe.page, room)).at(-1)!;
    expect(before).toBe(1);

    // Two frames never reach zoe; the third reveals the gap.
    zoe.relay.holding = true;
    await send(wes.page, 'gap one');
    await send(wes.page, 'gap two');
    await until('two message frames held', async () => framesOfType(zoe.relay.held, 'message').length, (n) => n === 2, 200);
    zoe.relay.held.length = 0;
    zoe.relay.holding = false;
    await send(wes.page, 'gap three');
    await messageItem(zoe.page, room, 'gap three').waitFor();
    await messageItem(zoe.page, room, 'gap one').waitFor();
    expect((await shownSequences(zoe.page, room)).filter((s) => s > before)).toEqual([before + 1, before + 2, before + 3]);
    // The gap was filled by reading forward from the last sequence held.
    const resumes = zoe.requests.filter((r) => r.url.pathname.startsWith('/chat/messages/') && r.url.searchParams.get('after') === String(before));
    expect(resumes.length).toBeGreaterThanOrEqual(1);
  });

  it('reconnects after the socket is cut during a burst and resumes without a gap or a duplicate', async () => {
    const wes = await relayedApp();
    const zoe = await relayedApp();
    await signIn(wes.page, 'wes');
    await signIn(zoe.page, 'zoe');
    const room = 'wes - zoe';
    await roomLink(zoe.page, room).click();
    await conversation(zoe.page, room).waitFor();
    await zoe.page.getByText('Live', { exact: true }).waitFor();
    await messageItem(zoe.page, room, 'gap three').waitFor();
    const first = (await shownSequences(zoe.page, room)).at(-1)!;
    expect(first).toBe(4);
    const connections = zoe.relay.sockets.length;

    await roomLink(wes.page, room).click();
    for (let i = 1; i <= 10; i++) {
      await send(wes.page, `burst ${String(i).padStart(2, '0')}`);
      if (i === 4) zoe.relay.sockets.at(-1)!.close({ code: 1006, reason: 'cut by the test' });
    }
    // The ten posts are concurrent requests: the room's order is the order the API took them in,
    // not necessarily 1..10 — wait for every one, then check the sequences have no gap.
    for (let i = 1; i <= 10; i++) await messageItem(zoe.page, room, `burst ${String(i).padStart(2, '0')}`).waitFor();
    await zoe.page.getByText('Live', { exact: true }).waitFor();
    expect(zoe.relay.sockets.length).toBeGreaterThan(connections);
    const shown = await shownSequences(zoe.page, room);
    const after = shown.filter((s) => s > first);
    expect(after).toEqual(Array.from({ length: 10 }, (_, i) => first + 1 + i));
    expect(new Set(shown).size).toBe(shown.length);
  });

  it('measures Send → shown on the other screen over the socket (no relay): every message by one frame, no long poll', async () => {
    const wes = await openApp(browser, DESKTOP);
    const zoe = await openApp(browser, DESKTOP);
    opened.push(wes, zoe);
    const frames: string[] = [];
    zoe.page.on('websocket', (ws) => ws.on('framereceived', ({ payload }) => frames.push(String(payload))));
    await signIn(wes.page, 'wes');
    await signIn(zoe.page, 'zoe');
    const room = 'wes - zoe';
    await roomLink(wes.page, room).click();
    await roomLink(zoe.page, room).click();
    await messageItem(zoe.page, room, 'burst 10').waitFor();
    await zoe.page.getByText('Live', { exact: true }).waitFor();
    await wes.page.getByText('Live', { exact: true }).waitFor();
    const polls = unseenPolls(zoe);

    const { latencies, afterAccepted } = await measureSendToScreen(wes.page, zoe.page, room, 10, 'socket');
    console.info(
      `web: Send → shown on the other user's screen (WebSocket): ${latencies.join(', ')} ms; median ${median(latencies)} ms (after the API accepted it: median ${median(afterAccepted)} ms)`,
    );
    expect(framesOfType(frames, 'message').map((f) => JSON.parse(f).message.text)).toEqual(latencies.map((_, i) => `socket ${String(i + 1).padStart(2, '0')}`));
    expect(unseenPolls(zoe)).toBe(polls);
    // A direct room (is_direct, direct_peer of the room list): its messages go to POST /chat/user/:peer/.
    const posts = wes.requests.filter((r) => r.method === 'POST').map((r) => r.url.pathname);
    expect(posts).toEqual(latencies.map(() => `/chat/user/${zoeId}/`));
    expect(zoe.errors).toEqual([]);
    expect(wes.errors).toEqual([]);
  });
});
