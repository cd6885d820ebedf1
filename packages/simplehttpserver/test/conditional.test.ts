import { describe, expect, it } from 'vitest';
import { etagMatches, evaluateConditions, ifRangeMatches, makeETag } from '../src/internal/conditional.js';

const mtimeMs = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
const etag = makeETag(42, 1000, mtimeMs, mtimeMs);
const v = { etag, version: { mtimeMs } };
const at = (ms: number) => new Date(ms).toUTCString();

describe('makeETag', () => {
  it('is strong and changes with size, mtime, ctime and inode', () => {
    expect(etag).toMatch(/^"[0-9a-z-]+"$/);
    expect(makeETag(42, 1001, mtimeMs, mtimeMs)).not.toBe(etag);
    expect(makeETag(42, 1000, mtimeMs + 0.001, mtimeMs)).not.toBe(etag);
    expect(makeETag(42, 1000, mtimeMs, mtimeMs + 0.001)).not.toBe(etag);
    expect(makeETag(43, 1000, mtimeMs, mtimeMs)).not.toBe(etag);
  });
});

describe('etagMatches', () => {
  it.for([
    ['*', true, true],
    [etag, true, true],
    [etag, false, true],
    [`W/${etag}`, true, true],
    [`W/${etag}`, false, false],
    [`"other", ${etag}`, true, true],
    [`"a,b", W/"c",${etag}`, false, true],
    ['"other"', true, false],
    ['garbage', true, false],
    [etag.slice(0, -1), true, false],
  ] as const)('%s (weak=%s) → %s', ([header, weak, want]) => {
    expect(etagMatches(header, etag, weak)).toBe(want);
  });
});

describe('evaluateConditions (RFC 9110 §13.2.2)', () => {
  it.for([
    ['none', {}, 200],
    ['If-None-Match match', { ifNoneMatch: etag }, 304],
    ['If-None-Match weak match', { ifNoneMatch: `W/${etag}` }, 304],
    ['If-None-Match *', { ifNoneMatch: '*' }, 304],
    ['If-None-Match miss', { ifNoneMatch: '"x"' }, 200],
    ['If-None-Match miss beats IMS', { ifNoneMatch: '"x"', ifModifiedSince: at(mtimeMs + 5000) }, 200],
    ['IMS equal second', { ifModifiedSince: at(mtimeMs) }, 304],
    ['IMS later', { ifModifiedSince: at(mtimeMs + 60_000) }, 304],
    ['IMS earlier', { ifModifiedSince: at(mtimeMs - 1000) }, 200],
    ['IMS invalid', { ifModifiedSince: 'yesterday' }, 200],
    ['If-Match match', { ifMatch: etag }, 200],
    ['If-Match *', { ifMatch: '*' }, 200],
    ['If-Match miss', { ifMatch: '"x"' }, 412],
    ['If-Match weak', { ifMatch: `W/${etag}` }, 412],
    ['IUS earlier', { ifUnmodifiedSince: at(mtimeMs - 1000) }, 412],
    ['IUS equal', { ifUnmodifiedSince: at(mtimeMs) }, 200],
    ['If-Match wins over IUS', { ifMatch: etag, ifUnmodifiedSince: at(0) }, 200],
    ['If-Match miss before INM', { ifMatch: '"x"', ifNoneMatch: etag }, 412],
  ] as const)('%s → %d', ([, headers, want]) => {
    expect(evaluateConditions({ method: 'GET', ...headers }, v)).toBe(want);
  });

  it('ignores If-Modified-Since and answers 412 to If-None-Match on other methods', () => {
    expect(evaluateConditions({ method: 'POST', ifModifiedSince: at(mtimeMs) }, v)).toBe(200);
    expect(evaluateConditions({ method: 'POST', ifNoneMatch: etag }, v)).toBe(412);
  });
});

describe('ifRangeMatches', () => {
  it.for([
    [etag, true],
    [`W/${etag}`, false],
    ['"other"', false],
    [at(mtimeMs), true],
    [at(mtimeMs + 1000), false],
    ['not a date', false],
  ] as const)('%s → %s', ([value, want]) => {
    expect(ifRangeMatches(value, v)).toBe(want);
  });
});
