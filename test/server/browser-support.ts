/**
 * Browser tests need Debian's Chromium. On a laptop without it they skip with a notice; in CI
 * (`CI=true`) a missing browser is a failure, never a silent skip.
 */
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);

if (!hasChromium) {
  if (process.env.CI === 'true')
    throw new Error(`CI needs ${CHROMIUM} for the browser tests (apt-get install chromium)`);
  console.warn(`NOTICE: ${CHROMIUM} not found; the browser tests are skipped (apt-get install -y chromium).`);
}

export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}
