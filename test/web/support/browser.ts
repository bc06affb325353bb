/**
 * Debian's Chromium (/usr/bin/chromium, installed by .ci/run when missing) driven by
 * playwright-core: no browser download. Flags known to work on these machines: headless, no
 * sandbox (CI runs as root), no GPU, and nothing that reaches the network by itself (this machine
 * has none: background networking, QUIC, component updates and sync would only fail, many at once).
 * playwright's launch() gives every browser a fresh, empty profile of its own (a temporary
 * user-data-dir it deletes on close).
 */
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
    timeout: 30_000,
  });
}
