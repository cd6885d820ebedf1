// parseRequestTarget: the one request-target parser of the stack, with its two `..` policies.
import { describe, expect, it } from 'vitest';
import { parseRequestTarget } from '../src/index.js';

describe('parseRequestTarget', () => {
  it.for([
    { target: '/a/b/../c', refuse: 404, collapse: ['a', 'c'] },
    { target: '//a///./b/', refuse: ['a', 'b'], collapse: ['a', 'b'] },
    { target: '/a/%2e%2e/b', refuse: 404, collapse: ['b'] },
    { target: '/..', refuse: 404, collapse: 404 },
    { target: '/a/../../b', refuse: 404, collapse: 404 },
    { target: '/a/%2F/b', refuse: 404, collapse: 404 },
    { target: '/a%00b', refuse: 400, collapse: 400 },
    { target: '/a\\b', refuse: 404, collapse: 404 },
    { target: '/a/%5c/b', refuse: 404, collapse: 404 },
    { target: '/%E0%A4%A', refuse: 400, collapse: 400 },
    { target: '/%C0%AE%C0%AE/x', refuse: 400, collapse: 400 }, // overlong UTF-8 dots
    { target: '/%252e%252e/x', refuse: ['%2e%2e', 'x'], collapse: ['%2e%2e', 'x'] }, // decoded once
    { target: '/C:/x', refuse: 404, collapse: 404 },
    { target: 'http://host:8000/a/b?q', refuse: ['a', 'b'], collapse: ['a', 'b'] },
    { target: '*', refuse: 400, collapse: 400 },
  ])('$target: refuse → $refuse, collapse → $collapse', ({ target, refuse, collapse }) => {
    for (const [dotDot, want] of [
      ['refuse', refuse],
      ['collapse', collapse],
    ] as const) {
      const got = parseRequestTarget(target, { dotDot });
      expect(got.ok ? got.segments : got.status, `dotDot: ${dotDot}`).toEqual(want);
    }
  });

  it('keeps the query, the raw segments and the trailing slash; drops a fragment', () => {
    expect(parseRequestTarget('/a%20b/c/?x=1#frag')).toEqual({
      ok: true,
      segments: ['a b', 'c'],
      rawSegments: ['a%20b', 'c'],
      trailingSlash: true,
      query: '?x=1',
    });
  });

  it('refuses an absolute-form target when told to', () => {
    expect(parseRequestTarget('http://host/a', { absoluteForm: 'refuse' })).toMatchObject({ ok: false, status: 400 });
  });
});
