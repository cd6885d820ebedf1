import { describe, expect, it } from 'vitest';
import * as api from '../src/index.js';

describe('@httpstack/cgihttpserver exports', () => {
  it('exports exactly these names', () => {
    expect(Object.keys(api).sort()).toEqual(['CGIHTTPRequestHandler']);
  });

  it('keeps the Python members on CGIHTTPRequestHandler', () => {
    const proto = api.CGIHTTPRequestHandler.prototype as unknown as Record<string, unknown>;
    for (const name of ['do_GET', 'do_HEAD', 'do_POST', 'sendHead', 'isCGI', 'isExecutable', 'isPython', 'runCGI']) {
      expect(typeof proto[name], name).toBe('function');
    }
  });
});
