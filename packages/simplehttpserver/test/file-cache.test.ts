import { describe, expect, it } from 'vitest';
import { FileCache, RACY_MS, type FileEntry, type FileVersion } from '../src/internal/file-cache.js';

const now = 1_800_000_000_000;
const version = (over: Partial<FileVersion> = {}): FileVersion => ({
  dev: 1,
  ino: 2,
  size: 3,
  mtimeMs: now - 10_000,
  ctimeMs: now - 10_000,
  ...over,
});
const entry = (path: string, v = version(), body?: Buffer): FileEntry => ({
  path,
  version: v,
  etag: '"e"',
  body,
});

describe('FileCache', () => {
  it.for([
    ['size', { size: 4 }],
    ['mtime', { mtimeMs: now - 9_999 }],
    ['ctime', { ctimeMs: now - 1 }],
    ['inode (replaced by rename)', { ino: 9 }],
    ['device', { dev: 9 }],
  ] as const)('drops an entry whose %s changed', ([, change]) => {
    const cache = new FileCache();
    cache.set(entry('/a', version(), Buffer.from('abc')));
    expect(cache.get('/a', version())).toBeDefined();
    expect(cache.get('/a', version(change))).toBeUndefined();
    expect(cache.get('/a', version())).toBeUndefined();
    expect(cache.bytes).toBe(0);
  });

  it('keeps bodies only of files older than the racy window', () => {
    const cache = new FileCache();
    expect(cache.mayKeepBody(version(), now)).toBe(true);
    expect(cache.mayKeepBody(version({ mtimeMs: now - RACY_MS + 1 }), now)).toBe(false);
    expect(cache.mayKeepBody(version({ ctimeMs: now - 10 }), now)).toBe(false);
    expect(cache.mayKeepBody(version({ size: 300 * 1024 }), now)).toBe(false);
  });

  it('attaches a body only to a cached entry of the same size', () => {
    const cache = new FileCache();
    const e = entry('/a');
    cache.keepBody(e, Buffer.from('abc'), now);
    expect(e.body).toBeUndefined();
    cache.set(e);
    cache.keepBody(e, Buffer.from('ab'), now);
    expect(e.body).toBeUndefined();
    cache.keepBody(e, Buffer.from('abc'), now);
    expect(e.body?.toString()).toBe('abc');
    expect(cache.bytes).toBe(3);
  });

  it('evicts the oldest entries beyond its limits', () => {
    const cache = new FileCache({ maxBytes: 10, maxEntries: 3 });
    for (const name of ['a', 'b', 'c', 'd']) cache.set(entry(`/${name}`, version(), Buffer.from('xyz')));
    expect(cache.size).toBe(3);
    expect(cache.bytes).toBe(9);
    expect(cache.get('/a', version())).toBeUndefined();
    expect(cache.get('/d', version())).toBeDefined();
  });
});
