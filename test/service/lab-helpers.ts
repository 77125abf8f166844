/**
 * The device lab page tests' browser: the real service on simulated devices and a page in Debian Chromium
 * (playwright-core), logged in with the service's token.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import type { DeviceKind } from '../../src/service/devices/types.js';
import type { RunningService } from '../../src/service/serve.js';
import { configOf, startService, tempData } from './serve-helpers.js';

export const CHROMIUM = '/usr/bin/chromium';
/** Where the screenshots go (git-ignored test artefacts). */
export const SHOTS = '.vitest/screenshots';
export const chromiumAvailable = existsSync(CHROMIUM);

export interface Lab {
  running: RunningService;
  browser: Browser;
  page: Page;
  /** What the page threw (a test ends by expecting none). */
  pageErrors: string[];
  close(): Promise<void>;
}

/** The service on `devices` in a temp folder, and a 1280×800 Chromium page that has not opened it yet. */
export async function openLab(devices: [string, DeviceKind][]): Promise<Lab> {
  mkdirSync(SHOTS, { recursive: true });
  const data = tempData();
  const running = await startService(data.dir, configOf(devices));
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run', '--disable-sync'],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  return {
    running,
    browser,
    page,
    pageErrors,
    close: async () => {
      await browser.close();
      await running.close();
      data.remove();
    },
  };
}

/** Opens the lab page, gives the token and waits until it is live and shows `cards` device cards. */
export async function logIn(lab: Lab, cards: number): Promise<void> {
  const { page, running } = lab;
  await page.goto(running.url);
  await page.fill('#token', running.token);
  await page.click('#login button');
  await page.locator('#conn.live').waitFor();
  await page
    .locator('.card')
    .nth(cards - 1)
    .waitFor();
}

/**
 * The lab of the calling `describe` block: opened (and logged in, showing `cards` device cards, when given) before
 * its tests, closed after them. Its fields are set once the block's `beforeAll` has run.
 */
export function labForBlock(devices: [string, DeviceKind][], cards?: number): Lab {
  const lab = {} as Lab;
  beforeAll(async () => {
    Object.assign(lab, await openLab(devices));
    if (cards !== undefined) await logIn(lab, cards);
  }, 60_000);
  afterAll(async () => {
    await lab.close();
  });
  return lab;
}
