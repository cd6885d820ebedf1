import { describe, expect, it } from 'vitest';
import { DEFAULT_EXTENSIONS_MAP, guessMimeType } from '../src/internal/mime.js';

describe('guessMimeType (Python guess_type)', () => {
  it.for([
    ['a.html', 'text/html; charset=utf-8'],
    ['a.HTML', 'text/html; charset=utf-8'],
    ['a.txt', 'text/plain; charset=utf-8'],
    ['a.css', 'text/css; charset=utf-8'],
    ['a.js', 'text/javascript; charset=utf-8'],
    ['a.mjs', 'text/javascript; charset=utf-8'],
    ['a.json', 'application/json; charset=utf-8'],
    ['a.svg', 'image/svg+xml'],
    ['a.png', 'image/png'],
    ['a.wasm', 'application/wasm'],
    ['a.mp4', 'video/mp4'],
    ['a.tar.gz', 'application/gzip'],
    ['a.xz', 'application/x-xz'],
    ['README', 'application/octet-stream'],
    ['.bashrc', 'application/octet-stream'],
    ['a.unknownext', 'application/octet-stream'],
  ] as const)('%s → %s', ([path, want]) => {
    expect(guessMimeType(path, DEFAULT_EXTENSIONS_MAP)).toBe(want);
  });

  it('lets extensionsMap win, exact then lower-cased', () => {
    const map = { ...DEFAULT_EXTENSIONS_MAP, '.txt': 'text/x-mine', '.md': 'text/markdown' };
    expect(guessMimeType('a.txt', map)).toBe('text/x-mine');
    expect(guessMimeType('a.MD', map)).toBe('text/markdown');
  });
});
