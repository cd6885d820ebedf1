import { describe, expect, it } from 'vitest';
import {
  applySort,
  escapeHtml,
  formatLocalDate,
  formatSize,
  parseSort,
  prefersJson,
  renderListingHtml,
  renderListingJson,
  sortEntries,
  type ListingEntry,
} from '../src/internal/listing.js';

const entry = (name: string, isDirectory = false): ListingEntry => ({
  name,
  isDirectory,
  isSymbolicLink: false,
  size: 1536,
  mtimeMs: Date.UTC(2026, 0, 2, 3, 4),
});

describe('listing', () => {
  it('sorts case-insensitively as Python', () => {
    expect(sortEntries([entry('b'), entry('A'), entry('a'), entry('C')]).map((e) => e.name)).toEqual([
      'A',
      'a',
      'b',
      'C',
    ]);
  });

  it.for([
    [0, '0 B'],
    [1023, '1023 B'],
    [1536, '1.5 KiB'],
    [10 * 1024, '10 KiB'],
    [5 * 1024 ** 3, '5.0 GiB'],
  ] as const)('formatSize(%d) = %s', ([size, want]) => {
    expect(formatSize(size)).toBe(want);
  });

  it('escapes names and the title, percent-encodes hrefs', () => {
    const html = renderListingHtml('/<b>&/', [
      entry('<script>alert(1)</script>.txt'),
      entry('a b', true),
      entry('javascript:x'),
      entry('"q\''),
    ]);
    expect(html).toContain('<title>Directory listing for /&lt;b&gt;&amp;/</title>');
    expect(html).toContain(
      'href="%3Cscript%3Ealert(1)%3C%2Fscript%3E.txt">&lt;script&gt;alert(1)&lt;/script&gt;.txt</a>',
    );
    expect(html).toContain('href="a%20b/">a b/</a>');
    expect(html).toContain('href="javascript%3Ax"');
    expect(html).toContain('href="%22q\'">&quot;q&#39;</a>');
    expect(html).not.toContain('<script>');
    expect(html.startsWith('<!DOCTYPE html>\n<html lang="en">')).toBe(true);
    expect(html).toContain('<a href="../" title="Parent directory">');
  });

  it.for([
    ['UTC', '2026-01-02 03:04', 'UTC'],
    ['Asia/Kolkata', '2026-01-02 08:34', 'UTC+05:30'],
    ['America/New_York', '2026-01-01 22:04', 'UTC-05:00'],
  ] as const)("shows dates in the server's zone (%s), with the zone", ([tz, date, zone]) => {
    const saved = process.env.TZ;
    process.env.TZ = tz;
    try {
      expect(formatLocalDate(Date.UTC(2026, 0, 2, 3, 4))).toEqual({ date, zone });
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  });

  it.for([
    ['', 'name', 'asc', ['a', 'B', 'c']],
    ['?sort=name&order=desc', 'name', 'desc', ['c', 'B', 'a']],
    ['?sort=size', 'size', 'asc', ['B', 'c', 'a']],
    ['?sort=date&order=desc', 'date', 'desc', ['a', 'c', 'B']],
    ['?sort=<script>&order=x', 'name', 'asc', ['a', 'B', 'c']],
  ] as const)('sorts by the query %j', ([query, key, order, names]) => {
    const sort = parseSort(query);
    expect(sort).toEqual({ key, order });
    const entries = [
      { ...entry('a'), size: 30, mtimeMs: 3 },
      { ...entry('B', true), size: 4096, mtimeMs: 1 },
      { ...entry('c'), size: 20, mtimeMs: 2 },
    ];
    expect(applySort(entries, sort).map((e) => e.name)).toEqual(names);
    const html = renderListingHtml('/', entries, { sort });
    expect(html).toContain(
      `<th class="${key}" aria-sort="${order === 'asc' ? 'ascending' : 'descending'}"><a href="?sort=${key}&amp;order=${order === 'asc' ? 'desc' : 'asc'}">`,
    );
  });

  it('places extra HTML after the table', () => {
    expect(renderListingHtml('/', [], { extraHtml: '<form id="extra"></form>' })).toMatch(
      /<\/table>\n<form id="extra"><\/form><\/main>/,
    );
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
