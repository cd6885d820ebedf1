import { describe, expect, it } from 'vitest';
import { escapeHtml, formatSize, prefersJson, renderListingHtml, renderListingJson, sortEntries, type ListingEntry } from '../src/internal/listing.js';

const entry = (name: string, isDirectory = false): ListingEntry => ({ name, isDirectory, isSymbolicLink: false, size: 1536, mtimeMs: Date.UTC(2026, 0, 2, 3, 4) });

describe('listing', () => {
  it('sorts case-insensitively as Python', () => {
    expect(sortEntries([entry('b'), entry('A'), entry('a'), entry('C')]).map((e) => e.name)).toEqual(['A', 'a', 'b', 'C']);
  });

  it.for([
    [0, '0 B'], [1023, '1023 B'], [1536, '1.5 KiB'], [10 * 1024, '10 KiB'], [5 * 1024 ** 3, '5.0 GiB'],
  ] as const)('formatSize(%d) = %s', ([size, want]) => {
    expect(formatSize(size)).toBe(want);
  });

  it('escapes names and the title, percent-encodes hrefs', () => {
    const html = renderListingHtml('/<b>&/', [entry('<script>alert(1)</script>.txt'), entry('a b', true), entry('javascript:x'), entry('"q\'')]);
    expect(html).toContain('<title>Directory listing for /&lt;b&gt;&amp;/</title>');
    expect(html).toContain('href="%3Cscript%3Ealert(1)%3C%2Fscript%3E.txt">&lt;script&gt;alert(1)&lt;/script&gt;.txt</a>');
    expect(html).toContain('href="a%20b/">a b/</a>');
    expect(html).toContain('href="javascript%3Ax"');
    expect(html).toContain('href="%22q\'">&quot;q&#39;</a>');
    expect(html).not.toContain('<script>');
    expect(html.startsWith('<!DOCTYPE html>\n<html lang="en">')).toBe(true);
    expect(html).toContain('<a href="../">');
  });

  it('has no parent link at the root', () => {
    expect(renderListingHtml('/', [])).not.toContain('href="../"');
  });

  it('renders JSON', () => {
    expect(JSON.parse(renderListingJson('/d/', [entry('x'), entry('y', true)]))).toEqual({
      path: '/d/',
      entries: [
        { name: 'x', type: 'file', size: 1536, mtime: '2026-01-02T03:04:00.000Z' },
        { name: 'y', type: 'directory', size: 1536, mtime: '2026-01-02T03:04:00.000Z' },
      ],
    });
  });

  it.for([
    [undefined, false],
    ['application/json', true],
    ['text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', false],
    ['*/*', false],
    ['application/json, text/html;q=0.5', true],
    ['text/html, application/json', false],
    ['application/*', true],
  ] as const)('prefersJson(%j) = %s', ([accept, want]) => {
    expect(prefersJson(accept)).toBe(want);
  });

  it('escapeHtml', () => {
    expect(escapeHtml(`<&>"'`)).toBe('&lt;&amp;&gt;&quot;&#39;');
  });
});
