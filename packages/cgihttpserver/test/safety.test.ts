// Every safety rule of the CGI host, each with a hostile request against real scripts.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nativeHelperPath } from '../src/internal/spawner.js';
import { alive, exchange, IS_ROOT, makeFixture, serve, until, type Fixture, type Running } from './helpers.js';

let fixture: Fixture;
let running: Running;
beforeAll(async () => {
  fixture = makeFixture();
  running = await serve(fixture.root, { cgiEnv: { PID_DIR: fixture.pidDir } });
});
afterAll(async () => {
  await running?.close();
  fixture?.remove();
});

async function envOf(url: string, init?: RequestInit): Promise<Record<string, string>> {
  const text = await (await fetch(url, init)).text();
  return Object.fromEntries(
    text
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const at = line.indexOf('=');
        return [line.slice(0, at), line.slice(at + 1)];
      }),
  );
}

function pidOf(name: string): number {
  return Number(readFileSync(join(fixture.pidDir, `${name}.pid`), 'utf8'));
}

describe('httpoxy and headers (RFC 3875 §4.1.18)', () => {
  it('never turns a Proxy header into HTTP_PROXY, nor passes Authorization', async () => {
    const env = await envOf(`${running.url}/cgi-bin/env.sh`, {
      headers: { Proxy: 'http://attacker.invalid:8080', Authorization: 'Basic dXNlcjpwYXNz', 'X-Remote-User': 'admin' },
    });
    expect(env.HTTP_PROXY).toBeUndefined();
    expect(env.HTTP_AUTHORIZATION).toBeUndefined();
    expect(env.AUTH_TYPE).toBe('Basic');
    expect(env.REMOTE_USER).toBeUndefined();
    expect(env.HTTP_X_REMOTE_USER).toBe('admin');
  });

  it('drops header names with underscores, which could pose as others', async () => {
    const raw = await exchange(
      running.port,
      'GET /cgi-bin/env.sh HTTP/1.1\r\nHost: x\r\nX_Forwarded_For: 6.6.6.6\r\nConnection: close\r\n\r\n',
    );
    expect(raw).not.toContain('6.6.6.6');
  });

  it('joins repeated headers', async () => {
    const raw = await exchange(
      running.port,
      'GET /cgi-bin/env.sh HTTP/1.1\r\nHost: x\r\nX-A: 1\r\nX-A: 2\r\nConnection: close\r\n\r\n',
    );
    expect(raw).toContain('HTTP_X_A=1, 2\n');
  });
});

describe('query strings never become arguments (php-cgi CVE-2012-1823 pattern)', () => {
  it.for(['-n', '-s', '-d+allow_url_include%3d1', '%2Dn+-v'])('query %s', async (query) => {
    const response = await fetch(`${running.url}/cgi-bin/args.sh?${query}`);
    expect(await response.text()).toBe('argc=0\n');
  });
});

describe('paths: nothing outside a CGI directory runs', () => {
  it.for([
    { path: '/cgi-bin/../evil.sh', why: 'dot-dot out of cgi-bin' },
    { path: '/cgi-bin/%2e%2e/evil.sh', why: 'encoded dot-dot' },
    { path: '/x/../cgi-bin/../evil.sh', why: 'detour in and out' },
    { path: '/cgi-bin/..%2fevil.sh', why: 'encoded slash' },
    { path: '/evil.sh', why: 'executable outside cgi-bin' },
    { path: '/CGI-BIN/../evil.sh', why: 'case' },
  ])('$why: $path', async ({ path }) => {
    const raw = await exchange(running.port, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    expect(raw).not.toContain('\r\n\r\nEXECUTED');
  });

  it.for([
    { path: '/cgi-bin/noexec.sh', status: 403, why: 'not executable' },
    { path: '/cgi-bin/.hidden.sh', status: 404, why: 'dotfile' },
    { path: '/cgi-bin/missing.sh', status: 404, why: 'missing' },
    { path: '/cgi-bin/sub', status: 403, why: 'a directory' },
    { path: '/cgi-bin/', status: 403, why: 'the CGI directory itself (never listed)' },
    { path: '/cgi-bin/%00hello.sh', status: 400, why: 'NUL byte (refused by the static layer)' },
  ])('$why → $status', async ({ path, status }) => {
    const response = await fetch(`${running.url}${path}`);
    expect(response.status).toBe(status);
    expect(await response.text()).not.toContain('ran');
  });
});

describe('environment', () => {
  it('does not leak the server environment; inheritEnv and cgiEnv pass on what is asked', async () => {
    process.env.HTTPSTACK_TEST_SECRET = 'hunter2';
    try {
      const env = await envOf(`${running.url}/cgi-bin/env.sh`);
      expect(env.HTTPSTACK_TEST_SECRET).toBeUndefined();
      expect(env.PATH).toBeTruthy();
      const opened = await serve(fixture.root, {
        inheritEnv: ['HTTPSTACK_TEST_SECRET'],
        cgiEnv: { EXTRA: 'yes', SERVER_NAME: 'spoof' },
      });
      try {
        const passed = await envOf(`${opened.url}/cgi-bin/env.sh`);
        expect(passed.HTTPSTACK_TEST_SECRET).toBe('hunter2');
        expect(passed.EXTRA).toBe('yes');
        expect(passed.SERVER_NAME).not.toBe('spoof');
      } finally {
        await opened.close();
      }
    } finally {
      delete process.env.HTTPSTACK_TEST_SECRET;
    }
  });

  it('sets the RFC 3875 meta-variables', async () => {
    const env = await envOf(`${running.url}/cgi-bin/env.sh/a%20b?x=1&y=%20`, {
      method: 'POST',
      body: '',
      headers: { 'Content-Type': 'text/x' },
    });
    expect(env).toMatchObject({
      GATEWAY_INTERFACE: 'CGI/1.1',
      SERVER_PROTOCOL: 'HTTP/1.1',
      REQUEST_METHOD: 'POST',
      SCRIPT_NAME: '/cgi-bin/env.sh',
      PATH_INFO: '/a b',
      QUERY_STRING: 'x=1&y=%20',
      REMOTE_ADDR: '127.0.0.1',
      SERVER_PORT: String(running.port),
      CONTENT_TYPE: 'text/x',
      CONTENT_LENGTH: '0',
      REQUEST_URI: '/cgi-bin/env.sh/a%20b?x=1&y=%20',
      SCRIPT_FILENAME: join(fixture.root, 'cgi-bin', 'env.sh'),
      PATH_TRANSLATED: join(fixture.root, 'a b'),
      HTTP_HOST: `127.0.0.1:${running.port}`,
    });
    expect(Number(env.REMOTE_PORT)).toBeGreaterThan(0);
    expect(env.SERVER_SOFTWARE).toMatch(/^SimpleHTTP\/0\.6 /);
  });

  it.skipIf(!IS_ROOT)('runs scripts as nobody when the server runs as root', async () => {
    const uid = (await (await fetch(`${running.url}/cgi-bin/id.sh`)).text()).trim();
    expect(uid).not.toBe('0');
  });
});

describe('time limit, disconnects, concurrency, zombies', () => {
  it('leaves no zombie processes behind', async () => {
    await Promise.all(Array.from({ length: 20 }, async () => (await fetch(`${running.url}/cgi-bin/fail.sh`)).text()));
    const table = execFileSync('ps', ['-eo', 'pid=,ppid=,stat=,args='], { encoding: 'utf8' });
    const helpers = table
      .split('\n')
      .filter((line) => line.includes('spawn-helper') && line.trim().split(/\s+/)[1] === String(process.pid));
    expect(helpers.length).toBe(1);
    const helperPid = helpers[0]!.trim().split(/\s+/)[0];
    expect(
      await until(() => {
        const rows = execFileSync('ps', ['-eo', 'ppid=,stat='], { encoding: 'utf8' }).split('\n');
        return !rows.some(
          (row) => row.trim().split(/\s+/)[0] === helperPid && row.trim().split(/\s+/)[1]?.startsWith('Z'),
        );
      }),
    ).toBe(true);
  });

  it('stops a script at the time limit (TERM, then KILL), whole process group', async () => {
    const limited = await serve(fixture.root, {
      cgiTimeout: 300,
      cgiKillDelay: 200,
      cgiEnv: { PID_DIR: fixture.pidDir },
    });
    try {
      const response = await fetch(`${limited.url}/cgi-bin/silent.sh?limit`);
      expect(response.status).toBe(504);
      expect(alive(pidOf('limit'))).toBe(false);
      const forked = await fetch(`${limited.url}/cgi-bin/forks.sh?group`);
      expect(forked.status).toBe(504);
      const child = Number(readFileSync(join(fixture.pidDir, 'group.child.pid'), 'utf8'));
      expect(await until(() => !alive(child))).toBe(true);
      expect(await until(() => limited.log.some((line) => line.includes('stopped after 300 ms')))).toBe(true);
      const stubborn = await fetch(`${limited.url}/cgi-bin/stubborn.sh?stubborn`); // ignores SIGTERM
      expect(stubborn.status).toBe(504);
      expect(await until(() => !alive(pidOf('stubborn')))).toBe(true);
    } finally {
      await limited.close();
    }
  });

  it('stops the script at once when the client resets the connection', async () => {
    const socket = connect(running.port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write('GET /cgi-bin/slow.sh?gone HTTP/1.1\r\nHost: x\r\n\r\n');
    await once(socket, 'data'); // the head: the script runs
    const pid = pidOf('gone');
    expect(alive(pid)).toBe(true);
    socket.resetAndDestroy();
    expect(await until(() => !alive(pid))).toBe(true);
  });

  const nativeOnLinux = nativeHelperPath() !== undefined && process.platform === 'linux';
  if (!nativeOnLinux) console.warn('native spawn helper not built or not Linux: the descriptor test is skipped');
  it.skipIf(!nativeOnLinux)(
    'gives a script only stdin, stdout and stderr: no descriptor of the server or helper',
    async () => {
      const listed = await (await fetch(`${running.url}/cgi-bin/fds.sh`)).text();
      expect(listed.split('\n').filter(Boolean)).toEqual(['0', '1', '2']);
    },
  );

  it('answers a client that half-closes after its request, however long the script takes', async () => {
    // The script answers 1.3 s after the FIN: longer than the old 1 s grace.
    const answer = await exchange(running.port, 'GET /cgi-bin/late.sh HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(answer).toContain('late answer');
  });

  it('stops the script when a write to a client that closed fails', async () => {
    const socket = connect(running.port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write('GET /cgi-bin/tick.sh?closed HTTP/1.1\r\nHost: x\r\n\r\n');
    await once(socket, 'data'); // the head: the script runs
    const pid = pidOf('closed');
    socket.destroy(); // a FIN, and nobody reads any more: the next writes fail
    expect(await until(() => !alive(pid))).toBe(true);
    expect(await until(() => running.log.some((line) => line.includes('tick.sh stopped: the client went away')))).toBe(
      true,
    );
  });

  it('queues a burst beyond maxScripts for a free slot instead of refusing it', async () => {
    const capped = await serve(fixture.root, { maxScripts: 1 });
    try {
      const statuses = await Promise.all(
        Array.from({ length: 6 }, async (_, i) => (await fetch(`${capped.url}/cgi-bin/hello.sh?burst${i}`)).status),
      );
      expect(statuses).toEqual([200, 200, 200, 200, 200, 200]);
    } finally {
      await capped.close();
    }
  });

  it('answers 503 with Retry-After beyond maxScripts', async () => {
    const capped = await serve(fixture.root, {
      maxScripts: 2,
      scriptQueueTimeout: 150,
      cgiHalfCloseGrace: 200,
      cgiEnv: { PID_DIR: fixture.pidDir },
    });
    const controllers = [new AbortController(), new AbortController()];
    try {
      const first = await Promise.all(
        controllers.map((c, i) => fetch(`${capped.url}/cgi-bin/slow.sh?cap${i}`, { signal: c.signal })),
      );
      expect(first.map((r) => r.status)).toEqual([200, 200]);
      const asked = performance.now();
      const refused = await fetch(`${capped.url}/cgi-bin/hello.sh`);
      expect(refused.status).toBe(503);
      expect(performance.now() - asked).toBeGreaterThanOrEqual(140); // it waited for a slot first
      expect(refused.headers.get('retry-after')).toBe('1');
      for (const c of controllers) c.abort(); // a FIN: stopped after cgiHalfCloseGrace (200 ms here)
      const pids = [pidOf('cap0'), pidOf('cap1')];
      expect(await until(() => pids.every((pid) => !alive(pid)))).toBe(true);
      expect(await until(() => capped.log.filter((l) => l.includes('client went away')).length === 2)).toBe(true);
      expect((await fetch(`${capped.url}/cgi-bin/hello.sh`)).status).toBe(200);
    } finally {
      await capped.close();
    }
  });
});
