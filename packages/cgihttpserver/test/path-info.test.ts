// PATH_INFO keeps a trailing slash, as lighttpd 1.4 and Go's net/http/cgi give it.
// Expected values were taken from lighttpd 1.4.69 (mod_cgi) answering the same targets;
// Go's host passes the path after the script unchanged, so it agrees wherever the path
// has no `//`, `.` or `..` to collapse (those rows follow lighttpd and Python).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exchange, makeFixture, serve, type Fixture, type Running } from './helpers.js';

let fixture: Fixture;
let running: Running;
beforeAll(async () => {
  fixture = makeFixture();
  running = await serve(fixture.root);
});
afterAll(async () => {
  await running?.close();
  fixture?.remove();
});

/** The status and `PATH_INFO` env.sh reports for `target`, sent byte for byte. */
async function pathInfoFor(target: string): Promise<{ status: number; pathInfo: string | undefined }> {
  const raw = await exchange(running.port, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1]);
  return { status, pathInfo: /^PATH_INFO=(.*)$/m.exec(raw)?.[1] };
}

describe('PATH_INFO', () => {
  // lighttpd decodes it to `/a/b/`; like Apache (AllowEncodedSlashes Off) this host refuses
  // an encoded `/` anywhere in a CGI path: it is never a separator, never a script's path.
  it('refuses an encoded slash after the script (404), as Apache does', async () => {
    const got = await pathInfoFor('/cgi-bin/env.sh/a%2Fb/');
    expect(got.status).toBe(404);
    expect(got.pathInfo).toBeUndefined();
  });

  it.for([
    { target: '/cgi-bin/env.sh', want: '' },
    { target: '/cgi-bin/env.sh/', want: '/' },
    { target: '/cgi-bin/env.sh/extrapath', want: '/extrapath' },
    { target: '/cgi-bin/env.sh/extrapath/', want: '/extrapath/' },
    { target: '/cgi-bin/env.sh/extrapath/?a=b/', want: '/extrapath/' },
    { target: '/cgi-bin/env.sh/x%20y/', want: '/x y/' },
    { target: '/cgi-bin/env.sh/a//b/', want: '/a/b/' },
    { target: '/cgi-bin/env.sh/a/./b/.', want: '/a/b/' },
    { target: '/cgi-bin/env.sh/a/b/..', want: '/a/' },
    { target: '/cgi-bin/env.sh/a/b/%2e%2E', want: '/a/' },
  ])('$target gives PATH_INFO "$want"', async ({ target, want }) => {
    const got = await pathInfoFor(target);
    expect(got.status).toBe(200);
    expect(got.pathInfo, `got ${got.pathInfo}; want ${want}`).toBe(want);
  });

  it('a sub-directory script with a bare trailing slash gets "/"', async () => {
    const raw = await exchange(
      running.port,
      'GET /cgi-bin/sub/deep.sh/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    expect(raw.endsWith('\r\n\r\ndeep /\n')).toBe(true);
  });

  it.for([
    // hostile: climbing out through PATH_INFO never runs anything (lighttpd: 403 as well)
    { target: '/cgi-bin/env.sh/%2e%2e/', status: 403 },
    { target: '/cgi-bin/env.sh/../../', status: 404 },
    { target: '/cgi-bin/sub/', status: 403 },
  ])('$target answers $status and runs nothing', async ({ target, status }) => {
    const got = await pathInfoFor(target);
    expect(got.status).toBe(status);
    expect(got.pathInfo).toBeUndefined();
  });
});
