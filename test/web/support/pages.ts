import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { webStack } from './web-stack.ts';

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

/** Where the tests save screenshots of the main screens (the README shows one). */
export const SCREENSHOTS = fileURLToPath(new URL('../../../docs/screenshots/', import.meta.url));

export interface AppPage {
  context: BrowserContext;
  page: Page;
  /** Uncaught errors and console errors of the page: a test expects none. */
  errors: string[];
  /** Every request the page made. */
  requests: { method: string; url: URL; headers: Record<string, string> }[];
}

/** A fresh browser context (its own storage: another person) with the app loaded. */
export async function openApp(browser: Browser, viewport = DESKTOP, url = webStack().webUrl): Promise<AppPage> {
  const context = await browser.newContext({ viewport, locale: 'en-GB', timezoneId: 'UTC' });
  context.setDefaultTimeout(20_000);
  const page = await context.newPage();
  const errors: string[] = [];
  const requests: AppPage['requests'] = [];
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  page.on('request', (request) => requests.push({ method: request.method(), url: new URL(request.url()), headers: request.headers() }));
  await page.goto(url);
  return { context, page, errors, requests };
}

/** Query mode: pick the user, sign in, wait for the room list. */
export async function signIn(page: Page, username: string): Promise<void> {
  await page.getByLabel('User').selectOption({ label: username });
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText(`Signed in as ${username}`).waitFor();
  await rooms(page).waitFor();
}

export const rooms = (page: Page) => page.getByRole('navigation', { name: 'Rooms' });
export const roomLink = (page: Page, name: string) => rooms(page).getByRole('link', { name, exact: true });
export const conversation = (page: Page, name: string) => page.getByRole('log', { name, exact: true });
export const messageItem = (page: Page, room: string, text: string) => conversation(page, room).getByRole('listitem').filter({ hasText: text });

export async function send(page: Page, text: string): Promise<void> {
  await page.getByRole('textbox', { name: 'Message', exact: true }).fill(text);
  await page.getByRole('button', { name: 'Send', exact: true }).click();
}

/** Sequences of the messages the open conversation shows, in screen order. */
export async function shownSequences(page: Page, room: string): Promise<number[]> {
  const values = await conversation(page, room).locator('li[data-sequence]').evaluateAll((items) => items.map((li) => li.getAttribute("data-sequence")));
  return values.map(Number);
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });
}

/** The text of the element that describes `locator` (aria-describedby), or '' when none. */
export async function description(page: Page, locator: ReturnType<Page['locator']>): Promise<string> {
  const ids = await locator.getAttribute('aria-describedby');
  if (!ids) return '';
  const texts = await Promise.all(ids.split(/\s+/).map((id) => page.locator(`[id="${id}"]`).textContent()));
  return texts.join(' ').trim();
}

/**
 * Send → shown on the other user's screen, `count` times: the sender presses Enter, the receiver's
 * page notes (by a MutationObserver, in its clock: the test's too, one machine) when the text first appears in a log. Sends one at a time, each after the
 * previous one is "Sent", so each figure is one message's trip. Returns the figures in ms, and
 * the part of each after the API accepted the send (the message's sent_at): the queue, the
 * consumer and the delivery (socket or long poll).
 * (The observer is a script as text: the root tsconfig has no DOM types.)
 */
export async function measureSendToScreen(sender: Page, receiver: Page, room: string, count: number, prefix = 'ping'): Promise<{ latencies: number[]; afterAccepted: number[] }> {
  await receiver.evaluate(`{
    const seen = (globalThis.seenAt ??= {});
    globalThis.seenObserver ??= new MutationObserver(() => {
      for (const li of document.querySelectorAll('[role="log"] li')) {
        const text = li.querySelector('.text')?.textContent;
        if (text && !(text in seen)) seen[text] = Date.now();
      }
    });
    globalThis.seenObserver.observe(document.body, { childList: true, subtree: true, characterData: true });
  }`);
  const latencies: number[] = [];
  const afterAccepted: number[] = [];
  const box = sender.getByRole('textbox', { name: 'Message' });
  for (let i = 1; i <= count; i++) {
    const text = `${prefix} ${String(i).padStart(2, '0')}`;
    await box.fill(text);
    const clicked = Date.now();
    await box.press('Enter');
    const item = messageItem(receiver, room, text);
    await item.waitFor();
    const seenAt = await receiver.evaluate((t) => (globalThis as { seenAt?: Record<string, number> }).seenAt?.[t], text);
    latencies.push(seenAt! - clicked);
    afterAccepted.push(seenAt! - Date.parse((await item.locator('time').getAttribute('datetime'))!));
    await messageItem(sender, room, text).getByText('Sent').waitFor();
  }
  return { latencies, afterAccepted };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : Math.round((sorted[middle - 1]! + sorted[middle]!) / 2);
}
