import { describe, expect, it } from 'vitest';
import * as api from '../src/index.js';

describe('@httpstack/simplehttpserver exports', () => {
  it('exports exactly these names', () => {
    expect(Object.keys(api).sort()).toEqual(['FileBody', 'FileChangedError', 'SimpleHTTPRequestHandler', 'statQuiet']);
  });

  it('keeps the Python members on SimpleHTTPRequestHandler', () => {
    const proto = api.SimpleHTTPRequestHandler.prototype;
    for (const name of ['do_GET', 'do_HEAD', 'sendHead', 'listDirectory', 'translatePath', 'copyfile', 'guessType']) {
      expect(typeof (proto as unknown as Record<string, unknown>)[name], name).toBe('function');
    }
    expect(typeof api.SimpleHTTPRequestHandler.configure).toBe('function');
  });
});
