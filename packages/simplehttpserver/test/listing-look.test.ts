// The listing and error pages as a browser renders them: 1280 and 390 px, light and dark.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumFor, launchChromium, makeFixture, serve, type Fixture, type Running } from './helpers.js';

const hasChromium = chromiumFor('listing look test');

let fixture: Fixture;
let running: Running;
let shots: string;
beforeAll(async () => {
  if (!hasChromium) return;
  fixture = makeFixture();
  running = await serve({ directory: fixture.root });
  shots = mkdtempSync(join(tmpdir(), 'httpstack-shots-'));
});
afterAll(async () => {
  await running?.close();
  fixture?.remove();
  if (shots && process.env.HTTPSTACK_KEEP_SHOTS === undefined) rmSync(shots, { recursive: true, force: true });
  else if (shots) console.log(`screenshots kept in ${shots}`);
});

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

// these run inside the page (no DOM library in the type-check of tests)
declare const document: { body: unknown; documentElement: { scrollWidth: number } };
declare function getComputedStyle(element: unknown): { backgroundColor: string; color: string; lineHeight: string };

describe.skipIf(!hasChromium)('the listing in headless chromium', () => {
  it.for([
    [1280, 'light'],
    [1280, 'dark'],
    [390, 'light'],
    [390, 'dark'],
  ] as const)('reads at %d px, %s', { timeout: 60_000 }, async ([width, scheme]) => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width, height: 800 }, colorScheme: scheme });
      const base = `http://127.0.0.1:${running.port}`;
      await page.goto(`${base}/`);
      const png = await page.screenshot({ path: join(shots, `listing-${width}-${scheme}.png`), fullPage: true });
      expect(png.length).toBeGreaterThan(1000);

      const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      expect(background).toBe(scheme === 'dark' ? 'rgb(13, 17, 23)' : 'rgb(255, 255, 255)');
      const linkColor = await page.$eval('td.name a', (a) => getComputedStyle(a).color);
      expect(linkColor).toBe(scheme === 'dark' ? 'rgb(68, 147, 248)' : 'rgb(5, 80, 174)');

      // nothing overflows sideways, and the long name wraps inside the page
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
      const row = (name: string) =>
        page.$$eval(
          'tbody tr',
          (rows, wanted) => {
            const tr = rows.find((r) => r.querySelector('td.name a')?.textContent === wanted)!;
            const box = (sel: string) => {
              const r = tr.querySelector(sel)!.getBoundingClientRect();
              return { x: r.x, y: r.y, width: r.width, height: r.height };
            };
            return { name: box('td.name'), size: box('td.size'), date: box('td.date'), dateText: box('td.date time') };
          },
          name,
        ) as Promise<Record<'name' | 'size' | 'date' | 'dateText', Box>>;
      const hello = await row('hello.txt');
      const lineHeight = await page.$eval('td.date', (td) => parseFloat(getComputedStyle(td).lineHeight));
      expect(hello.dateText.height).toBeLessThan(lineHeight * 1.5); // the date and its zone on one line
      if (width === 1280) {
        expect(Math.abs(hello.size.y - hello.name.y)).toBeLessThan(2); // one row: name, size, date
        expect(hello.date.x).toBeGreaterThan(hello.size.x);
      } else {
        expect(hello.date.y).toBeGreaterThan(hello.name.y + hello.name.height - 1); // size and date under the name
        expect(hello.size.x).toBeGreaterThan(hello.date.x);
        expect(hello.size.x + hello.size.width).toBeLessThanOrEqual(width);
      }
      const zone = await page.$eval('td.date .zone', (span) => span.textContent);
      expect(zone).toMatch(/^UTC([+-]\d\d:\d\d)?$/);
    } finally {
      await browser.close();
    }
  });

  it('sorts by size and date through links, and leads back up', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ javaScriptEnabled: false });
      const base = `http://127.0.0.1:${running.port}`;
      await page.goto(`${base}/`);
      const names = () => page.$$eval('tbody td.name a', (links) => links.map((a) => a.textContent));
      await page.click('th.size a');
      await page.waitForURL(`${base}/?sort=size&order=asc`);
      expect(await page.getAttribute('th.size', 'aria-sort')).toBe('ascending');
      const bySize = await names();
      expect(bySize.at(-1)).toBe('big.bin');
      await page.click('th.size a');
      await page.waitForURL(`${base}/?sort=size&order=desc`);
      expect((await names())[0]).toBe('big.bin');
      await page.click('th.name a');
      await page.waitForURL(`${base}/?sort=name&order=asc`);
      await page.goto(`${base}/sub/deeper/`);
      expect(await page.getAttribute('tr.parent a', 'href')).toBe('../');
      await page.click('tr.parent a');
      await page.waitForURL(`${base}/sub/`);
    } finally {
      await browser.close();
    }
  }, 60_000);

  it.for(['light', 'dark'] as const)(
    'gives a 404 the same look (%s) and a way home',
    { timeout: 60_000 },
    async (scheme) => {
      const browser = await launchChromium();
      try {
        const page = await browser.newPage({ viewport: { width: 390, height: 700 }, colorScheme: scheme });
        const base = `http://127.0.0.1:${running.port}`;
        const response = await page.goto(`${base}/no/such/<file>`);
        expect(response?.status()).toBe(404);
        await page.screenshot({ path: join(shots, `error-390-${scheme}.png`) });
        expect(await page.textContent('h1')).toBe('404 File not found');
        expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe(
          scheme === 'dark' ? 'rgb(13, 17, 23)' : 'rgb(255, 255, 255)',
        );
        await page.click('a.home');
        await page.waitForURL(`${base}/`);
        expect(await page.title()).toBe('Directory listing for /');
      } finally {
        await browser.close();
      }
    },
  );
});
