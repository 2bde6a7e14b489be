import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser.ts';
import { itemsUnder, runtime } from '../helpers/runtime.ts';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

describe('the pixel in a real page', () => {
  it('records a page view when Chromium loads a page that embeds it', async () => {
    // A person's browser: headless Chromium's own user agent says "HeadlessChrome", which the bot list flags.
    const page = await browser.newPage({
      userAgent:
        'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36',
    });
    const hit = page.waitForResponse((r) => r.url().includes('/p.gif'));
    await page.goto(`${runtime.url}/pricing`);
    const response = await hit;
    expect(response.status()).toBe(200);
    expect(response.headers()['content-type']).toBe('image/gif');
    const visitor = await page.locator('#visitor').textContent();
    expect(visitor).toMatch(/^v-/);

    const items = await itemsUnder('activities', `ANON#${visitor}`);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ type: 'page_view', properties: { path: '/pricing' } });
    expect(items[0]!.bot).toBeUndefined();
    await page.close();
  });
});
