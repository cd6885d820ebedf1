import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { get, makeFixture, raw, serve, statusOf, type Fixture, type Running } from './helpers.js';

let fixture: Fixture;
let running: Running | undefined;
beforeAll(() => {
  fixture = makeFixture();
});
afterAll(() => fixture.remove());
afterEach(async () => {
  await running?.close();
  running = undefined;
});

/** Request targets that try to leave the root or reach hidden files, with the allowed answers. */
const VECTORS: Array<[target: string, statuses: number[]]> = [
  ['/../outside/secret.txt', [404]],
  ['/../../../../../../etc/passwd', [404]],
  ['/sub/../../outside/secret.txt', [404]],
  ['/sub/..', [404]],
  ['/%2e%2e/outside/secret.txt', [404]],
  ['/%2E%2E/outside/secret.txt', [404]],
  ['/.%2e/outside/secret.txt', [404]],
  ['/%2e./outside/secret.txt', [404]],
  ['/..%2foutside%2fsecret.txt', [404]],
  ['/..%2Foutside/secret.txt', [404]],
  ['/sub%2f..%2f..%2foutside%2fsecret.txt', [404]],
  ['/..%5coutside%5csecret.txt', [404]],
  ['/..%5Coutside/secret.txt', [404]],
  ['/..\\outside\\secret.txt', [404]],
  ['/sub\\..\\..\\outside\\secret.txt', [404]],
  ['/%252e%252e/outside/secret.txt', [404]],
  ['/%252e%252e%252foutside%252fsecret.txt', [404]],
  ['/%c0%ae%c0%ae/outside/secret.txt', [400]],
  ['/%c0%af..%c0%afoutside', [400]],
  ['/%e0%80%ae%e0%80%ae/outside/secret.txt', [400]],
  ['/%c1%9c..', [400]],
  ['/%uff0e%uff0e/outside', [400]],
  ['/hello.txt%00.png', [400]],
  ['/%00', [400]],
  ['/hello.txt%00', [400]],
  ['/C:/Windows/win.ini', [404]],
  ['/c:%5cwindows%5cwin.ini', [404]],
  ['/C%3A/Windows/win.ini', [404]],
  ['//etc/passwd', [404]],
  ['/etc/passwd', [404]],
  ['/.env', [404]],
  ['/.git/config', [404]],
  ['/%2eenv', [404]],
  ['/%2egit%2fconfig', [404]],
  ['/sub/../.env', [404]],
  ['/link-out.txt', [404]],
  ['/linkdir-out/secret.txt', [404]],
  ['/linkdir-out/../linkdir-out/secret.txt', [404]],
  ['http://x/../outside/secret.txt', [404]],
  ['/%', [400]],
  ['/%zz', [400]],
  ['/%e2%82', [404]], // a truncated sequence: a name that is not UTF-8, not found
];

describe('translatePath: every traversal vector as raw bytes', () => {
  it.for(VECTORS)('GET %s → %j', async ([target, statuses]) => {
    running = await serve({ directory: fixture.root });
    const text = await raw(running.port, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    expect(statuses).toContain(statusOf(text));
    expect(text).not.toMatch(/TOP SECRET|SECRET=1|\[core\]|root:/);
    // the server is still serving
    expect((await get(running.port, '/hello.txt')).status).toBe(200);
  });

  it('answers HTTP/1.0 and HEAD requests the same way', async () => {
    running = await serve({ directory: fixture.root });
    for (const [target, statuses] of VECTORS) {
      const text = await raw(running.port, `HEAD ${target} HTTP/1.0\r\n\r\n`);
      expect(statuses, target).toContain(statusOf(text));
      expect(text).not.toMatch(/TOP SECRET|SECRET=1/);
    }
  });

  it('never reads outside even with dotfiles allowed', async () => {
    running = await serve({ directory: fixture.root, dotfiles: true });
    for (const [target] of VECTORS.filter(([t]) => !/env|git|link-out|linkdir-out/.test(t))) {
      const text = await raw(running.port, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      expect([400, 404], target).toContain(statusOf(text));
      expect(text).not.toMatch(/TOP SECRET/);
    }
  });
});
