import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumFor, launchChromium, makeFixture, serve, type Fixture, type Running } from './helpers.js';

const hasChromium = chromiumFor('browser test of the listing');

let fixture: Fixture;
let running: Running;
beforeAll(async () => {
  if (!hasChromium) return;
  fixture = makeFixture();
  running = await serve({ directory: fixture.root });
});
afterAll(async () => {
  await running?.close();
  fixture?.remove();
});

describe.skipIf(!hasChromium)('the listing page in headless chromium', () => {
  it('renders escaped names as text and its links navigate', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const dialogs: string[] = [];
      page.on('dialog', (dialog) => {
        dialogs.push(dialog.message());
        void dialog.dismiss();
      });
      const base = `http://127.0.0.1:${running.port}`;
      const response = await page.goto(`${base}/`);
      expect(response?.status()).toBe(200);
      expect(await page.title()).toBe('Directory listing for /');
      const names = await page.$$eval('tbody a', (links) => links.map((a) => a.textContent));
      expect(names).toContain('<script>alert(1)<script>.txt');
      expect(names).toContain(`<img src=x onerror="alert('x')">&amp;.txt`);
      expect(names).toContain('dir with space/');
      expect(await page.$$('img')).toHaveLength(0);
      expect(await page.$$('tbody script')).toHaveLength(0);

      // a DOM click: it follows the link as a user's would, and needs no fonts for layout
      const follow = (text: string) =>
        page
          .locator('a', { hasText: text })
          .first()
          .evaluate((a) => (a as unknown as { click(): void }).click());
      await follow('dir with space/');
      await page.waitForURL(`${base}/dir%20with%20space/`);
      expect(await page.title()).toBe('Directory listing for /dir with space/');
      await follow('x.txt');
      await page.waitForURL(`${base}/dir%20with%20space/x.txt`);
      expect(await page.textContent('body')).toBe('x\n');

      await page.goto(`${base}/`);
      await follow('café ünïcode.txt');
      await page.waitForURL(`${base}/caf%C3%A9%20%C3%BCn%C3%AFcode.txt`);
      expect(await page.textContent('body')).toBe('accents\n');

      await page.goto(`${base}/`);
      await follow('<script>alert(1)<script>.txt');
      await page.waitForURL(`${base}/%3Cscript%3Ealert(1)%3Cscript%3E.txt`);
      expect(await page.textContent('body')).toBe('xss\n');

      await page.goto(`${base}/sub/deeper/`);
      await follow('../');
      await page.waitForURL(`${base}/sub/`);
      expect(await page.textContent('body')).toContain('sub index');
      expect(dialogs).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
