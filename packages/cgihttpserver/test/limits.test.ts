// Time limits (idle and total), responses cut short that never look complete, and script
// slots held exactly while a script runs — over real sockets, with real scripts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { exchange, makeFixture, serve, until, type Fixture, type Running } from './helpers.js';

let fixture: Fixture;
let idle: Running;
beforeAll(async () => {
  fixture = makeFixture();
  idle = await serve(fixture.root, { cgiIdleTimeout: 400, cgiKillDelay: 200, cgiEnv: { PID_DIR: fixture.pidDir } });
});
afterAll(async () => {
  await idle?.close();
  fixture?.remove();
});

/** Two pipelined requests on one keep-alive connection: the first to `target`, then hello.sh. */
function pipelined(target: string, version = 'HTTP/1.1'): string {
  return `GET ${target} ${version}\r\nHost: x\r\n\r\nGET /cgi-bin/hello.sh HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`;
}

/** True when `raw` holds a chunked body that ends with its last chunk. */
const hasLastChunk = (raw: string) => /\r\n0\r\n\r\n/.test(raw);

describe('time limits', () => {
  it('a script that keeps streaming runs past the idle limit and ends complete', async () => {
    const raw = await exchange(idle.port, pipelined('/cgi-bin/stream.sh')); // 1.2 s of output, a line per 100 ms
    expect(raw).toContain('line 11\n');
    expect(hasLastChunk(raw)).toBe(true);
    expect(raw.split('HTTP/1.1 200 OK')).toHaveLength(3); // the connection went on to the second request
  });

  it('a script silent for the idle limit is stopped, and its chunked response has no last chunk', async () => {
    const raw = await exchange(idle.port, pipelined('/cgi-bin/pause.sh?idle'));
    expect(raw).toContain('Transfer-Encoding: chunked');
    expect(raw).toContain('first\n');
    expect(hasLastChunk(raw)).toBe(false);
    expect(raw.split('HTTP/1.1 200 OK')).toHaveLength(2); // closed: no answer to the second request
    expect(
      await until(() => idle.log.some((line) => line.includes('pause.sh stopped: no output or input for 400 ms'))),
    ).toBe(true);
    expect(idle.log.some((line) => line.includes('pause.sh: response cut short'))).toBe(true);
  });

  it('the total limit stops even a streaming script, and cuts its response short', async () => {
    const total = await serve(fixture.root, { cgiTimeout: 500, cgiKillDelay: 200 });
    try {
      const raw = await exchange(total.port, pipelined('/cgi-bin/stream.sh'));
      expect(raw).toContain('line 0\n');
      expect(raw).not.toContain('line 11\n');
      expect(hasLastChunk(raw)).toBe(false);
      expect(raw.split('HTTP/1.1 200 OK')).toHaveLength(2);
      expect(await until(() => total.log.some((line) => line.includes('stream.sh stopped after 500 ms')))).toBe(true);
    } finally {
      await total.close();
    }
  });

  it('a client of a script stopped for silence before its headers gets 504', async () => {
    const response = await fetch(`${idle.url}/cgi-bin/silent.sh?silent`);
    expect(response.status).toBe(504);
  });
});

describe('a response cut short never looks complete', () => {
  it('a script killed mid-body: no last chunk, connection closed; fetch sees an error', async () => {
    const raw = await exchange(idle.port, pipelined('/cgi-bin/crash.sh'));
    expect(raw).toContain('partial\n');
    expect(hasLastChunk(raw)).toBe(false);
    expect(raw.split('HTTP/1.1 200 OK')).toHaveLength(2);
    expect(await until(() => idle.log.some((line) => line.includes('crash.sh ended by SIGKILL')))).toBe(true);
    const response = await fetch(`${idle.url}/cgi-bin/crash.sh`);
    await expect(response.text()).rejects.toThrow();
  });

  it('a script killed before its promised Content-Length: closed short of it', async () => {
    const raw = await exchange(idle.port, pipelined('/cgi-bin/crash-length.sh'));
    expect(raw).toContain('Content-Length: 100\r\n');
    expect(raw.endsWith('\r\n\r\npartial\n')).toBe(true);
    expect(raw.split('HTTP/1.1 200 OK')).toHaveLength(2);
  });

  it('a script exiting before its promised Content-Length: closed short of it', async () => {
    const raw = await exchange(idle.port, pipelined('/cgi-bin/short.sh'));
    expect(raw.endsWith('Content-Length: 100\r\n\r\nshort\n')).toBe(true);
    expect(raw.split('HTTP/1.1 200 OK')).toHaveLength(2);
    await expect((await fetch(`${idle.url}/cgi-bin/short.sh`)).text()).rejects.toThrow();
  });

  it('under HTTP/1.0 the close ends the body, and the log says it was cut short', async () => {
    const raw = await exchange(idle.port, 'GET /cgi-bin/crash.sh HTTP/1.0\r\n\r\n');
    expect(raw).not.toContain('chunked');
    expect(raw.endsWith('\r\n\r\npartial\n')).toBe(true);
    expect(
      await until(() => idle.log.filter((line) => line.includes('crash.sh: response cut short')).length >= 3),
    ).toBe(true);
  });
});

describe('script slots (maxScripts)', () => {
  it('32 stalled request bodies hold no slot once their scripts exit; the next script answers at once', async () => {
    const slots = await serve(fixture.root, { bodyTimeout: 1500 });
    const sockets: Socket[] = [];
    try {
      const answered = Array.from({ length: 32 }, async () => {
        const socket = connect(slots.port, '127.0.0.1');
        sockets.push(socket);
        await once(socket, 'connect');
        let text = '';
        socket.setEncoding('latin1').on('data', (data: string) => (text += data));
        socket.on('error', () => {});
        // hello.sh never reads stdin; 98 of the 100 bytes promised never come.
        socket.write('POST /cgi-bin/hello.sh HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nab');
        while (!text.includes('hello from sh\n\r\n0\r\n\r\n')) await once(socket, 'data');
      });
      await Promise.all(answered);
      const started = performance.now();
      const response = await fetch(`${slots.url}/cgi-bin/hello.sh`);
      expect(response.status).toBe(200);
      expect(await response.text()).toBe('hello from sh\n');
      expect(performance.now() - started).toBeLessThan(1000);
      // Then each stalled body times out: the connection is closed, and the log says so.
      await Promise.all(sockets.map((socket) => (socket.closed ? undefined : once(socket, 'close'))));
      const log = slots.log.join('\n');
      expect(log).toContain('hello.sh answered; the request body did not arrive whole');
      expect(log).not.toContain('code 408');
      expect(log).not.toContain('could not start');
      expect(log).not.toContain('scripts running');
    } finally {
      for (const socket of sockets) socket.destroy();
      await slots.close();
    }
  });
});
