/**
 * The web client in Chromium against its own local stack (test/web/support/global-setup.ts), in
 * query mode: the app as `npm start` serves it (live over the WebSocket API; the socket's own
 * cases are chat-websocket.test.ts) and, for the direct-message flow, the same build told there is
 * no socket (the long-poll fallback). Flows as people use them, by accessible names only; what the
 * page requests is counted.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './support/browser.ts';
import {
  conversation,
  description,
  DESKTOP,
  measureSendToScreen,
  median,
  messageItem,
  openApp,
  PHONE,
  roomLink,
  screenshot,
  send,
  shownSequences,
  signIn,
  type AppPage,
} from './support/pages.ts';
import { api, deleteQueue, restoreQueue, signUp, until, webStack } from './support/web-stack.ts';

let browser: Browser;
const opened: AppPage[] = [];
const ids: Record<string, number> = {};

async function app(viewport = DESKTOP, url = webStack().webUrl): Promise<AppPage> {
  const page = await openApp(browser, viewport, url);
  opened.push(page);
  return page;
}

beforeAll(async () => {
  browser = await launchChromium();
  for (const name of ['ada', 'bob', 'cy']) ids[name] = await signUp(name);
});

afterAll(async () => {
  for (const { context } of opened) await context.close().catch(() => {});
  await browser?.close();
});

/** After each flow: the page logged no error, and asked nothing of any host but the web server and the API. */
function expectCleanPages(...pages: AppPage[]) {
  const { webUrl, pollWebUrl, apiUrl } = webStack();
  const allowed = new Set([webUrl, pollWebUrl, apiUrl].map((url) => new URL(url).origin));
  for (const p of pages) {
    expect(p.errors).toEqual([]);
    expect(p.requests.map((r) => r.url.origin).filter((origin) => !allowed.has(origin))).toEqual([]);
  }
}

describe('signing in (query mode)', () => {
  it('picks a user by the "User" control and shows their empty room list', async () => {
    const phone = await app(PHONE);
    await phone.page.getByLabel('User').waitFor();
    await screenshot(phone.page, 'sign-in-phone');
    const desktop = await app(DESKTOP);
    await desktop.page.getByLabel('User').waitFor();
    await screenshot(desktop.page, 'sign-in-desktop');

    await signIn(desktop.page, 'cy');
    await desktop.page.getByText('No rooms yet').waitFor();
    expect(await desktop.page.getByRole('navigation', { name: 'Rooms' }).getByRole('link').count()).toBe(0);
    await desktop.page.getByText('Live', { exact: true }).waitFor();

    // A reload keeps the session of this tab; "Sign out" ends it.
    await desktop.page.reload();
    await desktop.page.getByText('Signed in as cy').waitFor();
    await desktop.page.getByRole('button', { name: 'Sign out' }).click();
    await desktop.page.getByRole('button', { name: 'Sign in' }).waitFor();
    expectCleanPages(phone, desktop);
  });
});

describe('group rooms', () => {
  it('a room is created, joined and left, and its membership history shows it', async () => {
    const ada = await app();
    await signIn(ada.page, 'ada');
    await ada.page.getByRole('button', { name: 'New room' }).click();
    await ada.page.getByRole('textbox', { name: 'Room name' }).fill('book club');
    await ada.page.getByRole('button', { name: 'Create' }).click();
    await conversation(ada.page, 'book club').waitFor();
    await roomLink(ada.page, 'book club').waitFor();
    await ada.page.getByText('No messages yet').waitFor();

    const bob = await app();
    await signIn(bob.page, 'bob');
    await bob.page.getByRole('button', { name: 'Join a room' }).click();
    await bob.page.getByRole('button', { name: 'Join book club' }).click();
    await conversation(bob.page, 'book club').waitFor();
    await roomLink(bob.page, 'book club').waitFor();
    await send(bob.page, 'Hello club');
    await messageItem(bob.page, 'book club', 'Hello club').getByText('Sent').waitFor();

    await bob.page.getByRole('button', { name: 'Leave room' }).click();
    await bob.page.getByText('No rooms yet').waitFor();
    expect(await roomLink(bob.page, 'book club').count()).toBe(0);
    // It can be joined again: it is still listed to join.
    await bob.page.getByRole('button', { name: 'Join a room' }).click();
    await bob.page.getByRole('button', { name: 'Join book club' }).waitFor();

    await ada.page.getByRole('button', { name: 'Members' }).click();
    const history = ada.page.getByRole('list', { name: 'Membership history' });
    await history.getByRole('listitem').filter({ hasText: 'bob left' }).waitFor();
    const events = (await history.getByRole('listitem').allTextContents()).map((text) => text.split(' ').slice(0, 2).join(' '));
    expect(events).toEqual(['ada joined', 'bob joined', 'bob left']);
    const members = ada.page.getByRole('region', { name: 'Members of book club' });
    expect(await members.getByRole('list').first().getByRole('listitem').allTextContents()).toEqual([expect.stringMatching(/^ada /)]);
    // ada sees bob's message, which arrived while she had the room open.
    await messageItem(ada.page, 'book club', 'Hello club').getByText('bob').waitFor();
    expectCleanPages(ada, bob);
  });
});

describe('history', () => {
  it('scrolls back through 200 messages with no gap and no duplicate, one page request at a time', async () => {
    // 200 messages from 8 members, 25 each (the send limit is 30 per 10 s per sender).
    const senders = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'h7', 'h8'];
    const senderIds = await Promise.all(senders.map(signUp));
    const created = await api('POST', `/chat/chatroom/?user_id=${ids.ada}`, { room_name: 'archive', room_member: senders.map((username) => ({ username })) });
    expect(created.status).toBe(200);
    const roomId: number = created.body.data.id;
    const t0 = performance.now();
    await Promise.all(
      senderIds.map(async (from) => {
        for (let i = 0; i < 25; i++) {
          const answer = await api('POST', `/chat/group/${roomId}/`, { from, text: `archive message from ${from} #${i}` });
          expect(answer.status).toBe(200);
        }
      }),
    );
    await until(
      'all 200 stored',
      () => api('GET', `/chat/messages/${roomId}/?user_id=${senderIds[0]}&limit=1`),
      (answer) => answer.body.data.messages[0]?.sequence === 200,
      600,
    );
    console.info(`web: 200 messages sent and stored through the API in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    const ada = await app();
    await signIn(ada.page, 'ada');
    await roomLink(ada.page, 'archive').click();
    const log = conversation(ada.page, 'archive');
    await log.locator('li[data-sequence="200"]').waitFor();
    expect(await shownSequences(ada.page, 'archive')).toEqual(range(151, 200));

    // Scroll to the top until the beginning shows: each scroll loads one older page.
    for (let scrolls = 0; scrolls < 10; scrolls++) {
      if (await ada.page.getByText('This is the beginning of the conversation.').isVisible()) break;
      const oldest = (await shownSequences(ada.page, 'archive'))[0]!;
      await log.evaluate((element) => element.scrollTo({ top: 0 }));
      await log.locator(`li[data-sequence="${oldest - 1}"]`).waitFor();
    }
    await ada.page.getByText('This is the beginning of the conversation.').waitFor();
    expect(await shownSequences(ada.page, 'archive')).toEqual(range(1, 200));

    const pages = ada.requests.filter((r) => r.method === 'GET' && r.url.pathname === `/chat/messages/${roomId}/`);
    const cursors = pages.map((r) => r.url.searchParams.get('before')).filter((before) => before !== null);
    expect(cursors).toEqual(['151', '101', '51']);
    expectCleanPages(ada);
  });
});

describe('direct messages, live by the long poll', () => {
  it('one user starts a direct message; the other sees the room appear with an unread badge and the messages arrive, without reloading', async () => {
    // The app without a socket: the long-poll fallback (chat-websocket.test.ts has the socket's variant).
    const ada = await app(DESKTOP, webStack().pollWebUrl);
    const cy = await app(DESKTOP, webStack().pollWebUrl);
    await signIn(ada.page, 'ada');
    await signIn(cy.page, 'cy');
    await cy.page.getByText('Live (polling)').waitFor();
    await cy.page.evaluate(() => ((globalThis as { sameDocument?: boolean }).sameDocument = true));

    await ada.page.getByRole('button', { name: 'Direct message' }).click();
    await ada.page.getByLabel('Send a direct message to').selectOption({ label: 'cy' });
    await ada.page.getByRole('button', { name: 'Start' }).click();
    await send(ada.page, 'Hi cy, are you there?');
    const room = 'ada - cy';
    await messageItem(ada.page, room, 'Hi cy, are you there?').getByText('Sent').waitFor();

    const link = roomLink(cy.page, room);
    await link.waitFor();
    await until('the unread badge', () => description(cy.page, link), (text) => text === '1 unread', 200);
    await screenshot(cy.page, 'rooms-desktop');

    await link.click();
    await messageItem(cy.page, room, 'Hi cy, are you there?').waitFor();
    expect(await description(cy.page, link)).toBe('');

    // Send → on the other screen (chat-websocket.test.ts measures the same over the socket).
    const { latencies, afterAccepted } = await measureSendToScreen(ada.page, cy.page, room, 10);
    console.info(
      `web: Send → shown on the other user's screen (long poll): ${latencies.join(', ')} ms; median ${median(latencies)} ms (after the API accepted it: median ${median(afterAccepted)} ms)`,
    );
    expect(await shownSequences(cy.page, room)).toEqual(range(1, 11));

    // Shift+Enter is a new line, Enter sends.
    const box = ada.page.getByRole('textbox', { name: 'Message' });
    await box.fill('two');
    await box.press('Shift+Enter');
    await box.pressSequentially('lines');
    expect(await box.inputValue()).toBe('two\nlines');
    await box.press('Enter');
    await messageItem(cy.page, room, 'lines').waitFor();
    expect(await messageItem(cy.page, room, 'lines').locator('.text').textContent()).toBe('two\nlines');

    // "Seen by" on the last message, once cy has read it (the poll path refreshes it on its next answer).
    await ada.page.getByText('Seen by cy').waitFor({ timeout: 30_000 });
    await screenshot(ada.page, 'conversation-desktop');
    expect(await cy.page.evaluate(() => (globalThis as { sameDocument?: boolean }).sameDocument)).toBe(true);

    // Phone width: the list, then the conversation with a way back.
    await cy.page.setViewportSize(PHONE);
    await screenshot(cy.page, 'conversation-phone');
    await cy.page.getByRole('link', { name: 'Back to rooms' }).click();
    await roomLink(cy.page, room).waitFor();
    await screenshot(cy.page, 'rooms-phone');
    expectCleanPages(ada, cy);
  });
});

describe('sending while the queue is down', () => {
  it('shows the failure with the API’s detail, and a retry with the same Idempotency-Key sends it once', async () => {
    const created = await api('POST', `/chat/chatroom/?user_id=${ids.ada}`, { room_name: 'queue test' });
    expect(created.status).toBe(200);
    const roomId: number = created.body.data.id;
    const ada = await app();
    await signIn(ada.page, 'ada');
    await roomLink(ada.page, 'queue test').click();
    await conversation(ada.page, 'queue test').waitFor();

    await deleteQueue();
    try {
      await send(ada.page, 'Sent while the queue is down');
      const item = messageItem(ada.page, 'queue test', 'Sent while the queue is down');
      await item.getByText('Failed: The message could not be queued, so it was not sent. Try again.').waitFor();
      await screenshot(ada.page, 'send-failed-desktop');
    } finally {
      await restoreQueue();
    }
    const item = messageItem(ada.page, 'queue test', 'Sent while the queue is down');
    await item.getByRole('button', { name: 'Retry' }).click();
    await item.getByText('Sent').waitFor();
    await item.and(ada.page.locator('li[data-sequence]')).waitFor();

    // Two POSTs under one Idempotency-Key: the API takes the retry as the same send.
    const posts = ada.requests.filter((r) => r.method === 'POST' && r.url.pathname === `/chat/group/${roomId}/`);
    expect(posts).toHaveLength(2);
    const keys = posts.map((r) => r.headers['idempotency-key']);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(keys[1]).toBe(keys[0]);
    const stored = await api('GET', `/chat/messages/${roomId}/?user_id=${ids.ada}&limit=100`);
    expect(stored.body.data.messages.filter((m: { text: string }) => m.text === 'Sent while the queue is down')).toHaveLength(1);
    // The browser logs the failed request (503) as a console error; nothing else may fail.
    expect(ada.errors.filter((e) => !e.includes('503'))).toEqual([]);
  });
});

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
