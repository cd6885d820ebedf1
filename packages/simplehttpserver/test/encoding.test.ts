import { describe, expect, it } from 'vitest';
import { negotiateEncoding } from '../src/internal/encoding.js';

const both = { br: true, gzip: true };
describe('negotiateEncoding', () => {
  it.for([
    [undefined, both, 'identity'],
    ['', both, 'identity'],
    ['gzip, deflate, br', both, 'br'],
    ['gzip, br', { br: false, gzip: true }, 'gzip'],
    ['br', { br: false, gzip: true }, 'identity'],
    ['gzip;q=1, br;q=0.5', both, 'gzip'],
    ['gzip;q=0.5, br;q=0.5', both, 'br'],
    ['br;q=0, gzip', both, 'gzip'],
    ['*', both, 'br'],
    ['*;q=0.5, gzip', both, 'gzip'],
    ['gzip;q=0.5, identity', both, 'identity'],
    ['x-gzip', both, 'gzip'],
    ['GZIP', both, 'gzip'],
    ['br;q=2', both, 'identity'],
    ['br;q=0.0001', both, 'identity'],
    ['identity;q=0', both, 'identity'],
    ['deflate', both, 'identity'],
    ['gzip', { br: false, gzip: false }, 'identity'],
  ] as const)('%j with %j → %s', ([header, available, want]) => {
    expect(negotiateEncoding(header, available)).toBe(want);
  });
});
