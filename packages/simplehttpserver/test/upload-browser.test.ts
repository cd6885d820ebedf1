// The listing's upload form, filled in and submitted by headless Chromium.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumFor, launchChromium, serve, type Running } from './helpers.js';

const hasChromium = chromiumFor('browser test of the upload form');

let base: string;
let running: Running;
beforeAll(async () => {
  if (!hasChromium) return;
  base = mkdtempSync(join(tmpdir(), 'httpstack-upload-browser-'));
  mkdirSync(join(base, 'in box'));
  running = await serve({ directory: base, upload: true });
});
afterAll(async () => {
  await running?.close();
  if (base) rmSync(base, { recursive: true, force: true });
});

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe.skipIf(!hasChromium)('the upload form in headless chromium', () => {
  it('uploads several chosen files into the listed directory', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const url = `http://127.0.0.1:${running.port}/in%20box/`;
      await page.goto(url);
      const files = [
        { name: 'photo.jpg', mimeType: 'image/jpeg', buffer: randomBytes(700_000) },
        { name: 'notes été.txt', mimeType: 'text/plain', buffer: Buffer.from('bonjour\n') },
        { name: 'empty.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(0) },
      ];
      await page.setInputFiles('input[type=file]', files);
      const answered = page.waitForResponse((response) => response.request().method() === 'POST');
      await page.locator('button[type=submit]').evaluate((button) => (button as unknown as { click(): void }).click());
      const response = await answered;
      expect(response.status()).toBe(201);
      expect(response.url()).toBe(url);
      await page.waitForSelector('h1');
      expect(await page.textContent('h1')).toBe('Uploaded');
      expect(await page.$$eval('li a', (links) => links.map((a) => a.textContent))).toEqual(files.map((f) => f.name));
      for (const f of files) expect(sha256(readFileSync(join(base, 'in box', f.name)))).toBe(sha256(f.buffer));
      expect(readdirSync(join(base, 'in box')).sort()).toEqual(files.map((f) => f.name).sort());
    } finally {
      await browser.close();
    }
  });
});
