import { describe, expect, it } from 'vitest';
import { isInside, translateTarget } from '../src/internal/translate.js';

describe('translateTarget (Python translate_path)', () => {
  it.for([
    ['/', [], true, ''],
    ['/a/b.txt', ['a', 'b.txt'], false, ''],
    ['/a/b/', ['a', 'b'], true, ''],
    ['/a//b', ['a', 'b'], false, ''],
    ['//etc/passwd', ['etc', 'passwd'], false, ''],
    ['/a/./b', ['a', 'b'], false, ''],
    ['/a/%2e/b', ['a', 'b'], false, ''],
    ['/a%20b.txt?x=1#frag', ['a b.txt'], false, '?x=1'],
    ['/caf%C3%A9/', ['café'], true, ''],
    ['/%252e%252e/x', ['%2e%2e', 'x'], false, ''],
    ['/.well-known/x', ['.well-known', 'x'], false, ''],
    ['http://example.test/a/b?q', ['a', 'b'], false, '?q'],
    ['http://example.test', [], true, ''],
    ['/a?b/../c', ['a'], false, '?b/../c'],
    // a backslash is an ordinary character of a POSIX name (refused on Windows)
    ...(process.platform === 'win32'
      ? []
      : ([
          ['/a\\b', ['a\\b'], false, ''],
          ['/x%5cy', ['x\\y'], false, ''],
        ] as const)),
    // bytes that are not UTF-8 are held as Python's surrogateescape holds them
    ['/latin%E9.txt', ['latin\udce9.txt'], false, ''],
    ['/%FF%FE/x', ['\udcff\udcfe', 'x'], false, ''],
    ['/caf%C3%A9%E9', ['caf\u00e9\udce9'], false, ''],
    ['/%C3', ['\udcc3'], false, ''],
  ] as const)('%s → %j', ([target, segments, trailingSlash, query]) => {
    const got = translateTarget(target);
    expect(got).toEqual({ ok: true, segments, rawSegments: expect.any(Array), trailingSlash, query });
  });

  it.for([
    ['/../etc/passwd', 404],
    ['/a/../../etc/passwd', 404],
    ['/a/..', 404],
    ['/%2e%2e/etc/passwd', 404],
    ['/%2E%2E/etc/passwd', 404],
    ['/.%2e/etc/passwd', 404],
    ['/a%2f..%2f..%2fetc/passwd', 404],
    ['/a%2Fb', 404],
    ['/..%5c..%5cetc', 404], // a dotfile on POSIX, a separator on Windows
    ['/..\\..\\etc\\passwd', 404],
    ['/C:/Windows/win.ini', 404],
    ['/c%3a/x', 404],
    ['/a%00.txt', 400],
    ['/a%00', 400],
    ['/%c0%ae%c0%ae/etc/passwd', 400],
    ['/%c0%af', 400],
    ['/%e0%80%ae', 400],
    ['/%ed%a0%80', 400],
    ['/%ed%b3%a9', 400],
    ['/%f0%80%80%ae', 400],
    ['/x%c1%9c', 400],
    ['/%e9%zz', 400],
    ['/%zz', 400],
    ['/%', 400],
    ['/.env', 404],
    ['/.git/config', 404],
    ['/a/.hidden/b', 404],
    ['/%2egit/config', 404],
    ['*', 400],
    ['etc/passwd', 400],
  ] as const)('%s → %d', ([target, status]) => {
    const got = translateTarget(target);
    expect(got.ok).toBe(false);
    if (!got.ok) expect(got.status).toBe(status);
  });

  it('serves dotfiles when allowed, never `..`', () => {
    expect(translateTarget('/.env', { dotfiles: true })).toMatchObject({ ok: true, segments: ['.env'] });
    expect(translateTarget('/..', { dotfiles: true })).toMatchObject({ ok: false, status: 404 });
  });

  it('keeps raw segments for redirects', () => {
    expect(translateTarget('/a%20b//c%0d%0a')).toMatchObject({ rawSegments: ['a%20b', 'c%0d%0a'] });
  });
});

describe('isInside', () => {
  it.for([
    ['/srv', '/srv', true],
    ['/srv', '/srv/a', true],
    ['/srv', '/srvx/a', false],
    ['/srv', '/etc/passwd', false],
    ['/', '/etc', true],
  ] as const)('%s contains %s: %s', ([root, real, want]) => {
    expect(isInside(root, real, '/')).toBe(want);
  });
});
