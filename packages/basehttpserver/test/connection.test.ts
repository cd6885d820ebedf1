// Keep-alive, pipelining, Expect: 100-continue, bodies left unread, slow clients, shutdown.
import { once } from 'node:events';
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { HTTPRequestError } from '../src/index.js';
import {
  EchoHandler,
  QuietHandler,
  dial,
  exchange,
  logs,
  parseResponses,
  receiveAll,
  sendAndWaitClose,
  serve,
} from './helpers.js';

/** Records each chunk written to `socket` (latin1) in `into`; the socket still writes it. */
function recordWrites(socket: Socket, into: string[]): void {
  const write = socket.write;
  socket.write = ((chunk: string | Buffer, ...rest: unknown[]) => {
    into.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('latin1'));
    return (write as (...args: unknown[]) => boolean).call(socket, chunk, ...rest);
  }) as typeof socket.write;
}

function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

const H = 'Host: example\r\n';

describe('BaseHTTPRequestHandler.handle (handle): persistent connections', () => {
  it('answers 16 pipelined requests in order, in one socket write', async () => {
    const writes: string[] = [];
    class Counting extends EchoHandler {
      override async setup(): Promise<void> {
        await super.setup();
        recordWrites(this.request, writes);
      }
    }
    const { port } = await serve(Counting);
    const socket = await dial(port);
    const received = receiveAll(socket);
    let reads = 0;
    socket.on('data', () => reads++);
    const requests = Array.from({ length: 16 }, (_, i) => `GET /${i} HTTP/1.1\r\n${H}\r\n`).join('');
    socket.end(requests);
    const responses = parseResponses(await received);
    expect(responses.map((response) => JSON.parse(response.body).path)).toEqual(
      Array.from({ length: 16 }, (_, i) => `/${i}`),
    );
    expect(reads).toBe(1);
    expect(writes).toHaveLength(1);
  });

  it('a head and a body written after awaits in the same turn leave in one write', async () => {
    const writes: string[] = [];
    class AwaitsBetween extends EchoHandler {
      override async setup(): Promise<void> {
        await super.setup();
        recordWrites(this.request, writes);
      }

      override async do_GET(): Promise<void> {
        this.sendResponse(200);
        this.sendHeader('Content-Length', 4);
        this.endHeaders();
        for (let i = 0; i < 3; i++) await Promise.resolve(); // a cache lookup, a shared stat
        await this.wfile.write('body');
      }
    }
    const { port } = await serve(AwaitsBetween);
    const socket = await dial(port);
    const received = receiveAll(socket);
    for (let i = 0; i < 3; i++) {
      socket.write(`GET /${i} HTTP/1.1\r\n${H}\r\n`);
      await once(socket, 'data'); // one request per input event: served from the event itself
    }
    socket.end();
    await received;
    expect(writes).toHaveLength(3);
    expect(writes.every((write) => /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nbody$/.test(write))).toBe(true);
  });

  it('holds the output only when a pipelined request waits behind the body', async () => {
    const held: string[] = [];
    class Holds extends EchoHandler {
      override async do_POST(): Promise<void> {
        held.push(`${this.path} ${this.wfile.held}`);
        await super.do_POST();
      }
    }
    const { port } = await serve(Holds);
    const post = (path: string, close = '') => `POST ${path} HTTP/1.1\r\n${H}${close}Content-Length: 3\r\n\r\nabc`;
    const alone = await exchange(port, post('/alone', 'Connection: close\r\n'));
    const pipelined = await exchange(port, post('/first') + post('/last', 'Connection: close\r\n'));
    expect([...parseResponses(alone), ...parseResponses(pipelined)].map((response) => response.status)).toEqual([
      200, 200, 200,
    ]);
    expect(held).toEqual(['/alone false', '/first true', '/last true']); // held until the batch is served
  });

  it('a streamed answer is not held back by the pipelined request behind it', async () => {
    const firstPartSeen = signal();
    class Streaming extends EchoHandler {
      override async do_GET(): Promise<void> {
        if (this.path !== '/stream') return super.do_GET();
        this.sendResponse(200);
        this.sendHeader('Content-Length', 10);
        this.endHeaders();
        await this.wfile.write('first');
        await firstPartSeen.promise; // the client must get it while the next request waits
        await this.wfile.write('-last');
      }
    }
    const { port } = await serve(Streaming);
    const socket = await dial(port);
    const received = receiveAll(socket);
    let text = '';
    socket.on('data', (data: string) => {
      text += data;
      if (text.includes('first')) firstPartSeen.resolve();
    });
    socket.write(`GET /stream HTTP/1.1\r\n${H}\r\nGET /next HTTP/1.1\r\n${H}Connection: close\r\n\r\n`);
    const timer = setTimeout(() => firstPartSeen.resolve(), 2000); // bounded: fails below, not by hanging
    const gotFirstInTime = await Promise.race([
      firstPartSeen.promise.then(() => text.includes('first')),
      received.then(() => false),
    ]);
    clearTimeout(timer);
    const responses = parseResponses(await received);
    expect(gotFirstInTime).toBe(true);
    expect(responses.map((response) => response.body.slice(0, 10))).toEqual(['first-last', '{"command"']);
  });

  it('handleOneRequest() returns nothing when the request was served at once, a promise when it waits', async () => {
    const returned: string[] = [];
    class Mixed extends QuietHandler {
      override protocolVersion = 'HTTP/1.1';

      override handleOneRequest(): void | Promise<void> {
        const result = super.handleOneRequest();
        returned.push(result === undefined ? 'undefined' : result instanceof Promise ? 'promise' : typeof result);
        return result;
      }

      do_GET(): void | Promise<void> {
        if (this.path === '/async') return this.answerLater();
        this.sendResponse(204);
        this.endHeaders();
      }

      async answerLater(): Promise<void> {
        await Promise.resolve();
        this.sendResponse(200);
        this.sendHeader('Content-Length', 0);
        this.endHeaders();
      }
    }
    const { port } = await serve(Mixed);
    const received = await exchange(
      port,
      `GET /sync HTTP/1.1\r\n${H}\r\nGET /async HTTP/1.1\r\n${H}\r\nGET /sync HTTP/1.1\r\n${H}\r\n`,
    );
    expect(parseResponses(received).map((response) => response.status)).toEqual([204, 200, 204]);
    expect(returned).toEqual(['undefined', 'promise', 'undefined']);
  });

  it('keeps an HTTP/1.1 connection open between requests', async () => {
    const { port } = await serve(EchoHandler);
    const socket = await dial(port);
    socket.write(`GET /1 HTTP/1.1\r\n${H}\r\n`);
    const [first] = await once(socket, 'data');
    expect(String(first)).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    const rest = receiveAll(socket);
    socket.end(`GET /2 HTTP/1.1\r\n${H}Connection: close\r\n\r\n`);
    const [second] = parseResponses(await rest);
    expect(JSON.parse(second!.body).path).toBe('/2');
    expect(second!.header('connection')).toBe('close');
  });

  it.for([
    { name: 'HTTP/1.0 by default', request: `GET / HTTP/1.0\r\n\r\n`, connection: undefined, closes: true },
    {
      name: 'HTTP/1.0 with keep-alive',
      request: `GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n`,
      connection: 'keep-alive',
      closes: false,
    },
    {
      name: 'HTTP/1.1 Connection: close',
      request: `GET / HTTP/1.1\r\n${H}Connection: close\r\n\r\n`,
      connection: 'close',
      closes: true,
    },
    {
      name: 'HTTP/1.1 Connection: Keep-Alive, Upgrade',
      request: `GET / HTTP/1.1\r\n${H}Connection: Keep-Alive, Upgrade\r\n\r\n`,
      connection: undefined,
      closes: false,
    },
  ])('$name', async ({ request, connection, closes }) => {
    const { port } = await serve(EchoHandler);
    const socket = await dial(port);
    const received = receiveAll(socket);
    socket.write(request);
    const timer = closes ? undefined : setTimeout(() => socket.end(), 200);
    const [response] = parseResponses(await received);
    clearTimeout(timer);
    expect(response!.header('connection')).toBe(connection);
    expect(response!.status).toBe(200);
  });

  it('protocolVersion HTTP/1.0 (the default) closes after each response', async () => {
    class OneZero extends EchoHandler {
      override protocolVersion = 'HTTP/1.0';
    }
    const { port } = await serve(OneZero);
    const received = await sendAndWaitClose(port, `GET / HTTP/1.1\r\n${H}\r\nGET /2 HTTP/1.1\r\n${H}\r\n`);
    expect(parseResponses(received).map((response) => response.version)).toEqual(['HTTP/1.0']);
  });

  it('closes a keep-alive connection whose response has no length, saying so', async () => {
    class Unframed extends QuietHandler {
      override protocolVersion = 'HTTP/1.1';
      async do_GET(): Promise<void> {
        this.sendResponse(200);
        this.endHeaders();
        await this.wfile.write('streamed until close');
      }
    }
    const { port } = await serve(Unframed);
    const received = await sendAndWaitClose(port, `GET / HTTP/1.1\r\n${H}\r\n`);
    const [response] = parseResponses(received);
    expect(response!.header('connection')).toBe('close');
    expect(response!.body).toBe('streamed until close');
  });
});

describe('BaseHTTPRequestHandler.handleExpect100 (handle_expect_100)', () => {
  it('sends 100 Continue, then reads the body', async () => {
    const { port } = await serve(EchoHandler);
    const socket = await dial(port);
    socket.write(`POST / HTTP/1.1\r\n${H}Content-Length: 5\r\nExpect: 100-continue\r\n\r\n`);
    const [interim] = await once(socket, 'data');
    expect(String(interim)).toBe('HTTP/1.1 100 Continue\r\n\r\n');
    const rest = receiveAll(socket);
    socket.end('hello');
    const [response] = parseResponses(await rest);
    expect(JSON.parse(response!.body).body).toBe('hello');
  });

  it('a handler that refuses answers 417 and never reads the body', async () => {
    class Refusing extends EchoHandler {
      override handleExpect100(): boolean {
        this.sendError(417);
        return false;
      }
    }
    const { port } = await serve(Refusing);
    const received = await sendAndWaitClose(
      port,
      `POST / HTTP/1.1\r\n${H}Content-Length: 5\r\nExpect: 100-continue\r\n\r\n`,
    );
    const [response, ...rest] = parseResponses(received);
    expect(response!.status).toBe(417);
    expect(response!.reason).toBe('Expectation Failed');
    expect(response!.header('connection')).toBe('close');
    expect(rest).toEqual([]);
  });

  it('answers 413 without 100 Continue when Content-Length is over maxBodySize', async () => {
    class Small extends EchoHandler {
      override maxBodySize = 10;
    }
    const { port } = await serve(Small);
    const received = await sendAndWaitClose(
      port,
      `POST / HTTP/1.1\r\n${H}Content-Length: 11\r\nExpect: 100-continue\r\n\r\n`,
    );
    expect(received).not.toContain('100 Continue');
    const [response, ...rest] = parseResponses(received);
    expect(response!.status).toBe(413);
    expect(response!.header('connection')).toBe('close');
    expect(rest).toEqual([]);
  });

  it('ignores Expect on HTTP/1.0 (as Python)', async () => {
    const { port } = await serve(EchoHandler);
    const received = await exchange(port, `POST / HTTP/1.0\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\nhi`);
    expect(received).not.toContain('100 Continue');
    expect(parseResponses(received)[0]!.status).toBe(200);
  });
});

describe('BaseHTTPRequestHandler.body / readBody', () => {
  it('refuses a Content-Length over maxBodySize with 413 before reading it', async () => {
    class Small extends EchoHandler {
      override maxBodySize = 10;
    }
    const { port } = await serve(Small);
    const [response] = parseResponses(await exchange(port, `POST / HTTP/1.1\r\n${H}Content-Length: 11\r\n\r\n`));
    expect(response!.status).toBe(413);
  });

  it('refuses a chunked body that grows over maxBodySize with 413', async () => {
    class Small extends EchoHandler {
      override maxBodySize = 10;
    }
    const { port } = await serve(Small);
    const chunked = `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n6\r\nghijkl\r\n0\r\n\r\n`;
    const [response] = parseResponses(await exchange(port, chunked));
    expect(response!.status).toBe(413);
  });

  it('yields a body in pieces with body()', async () => {
    class Counting extends QuietHandler {
      override protocolVersion = 'HTTP/1.1';
      async do_POST(): Promise<void> {
        let total = 0;
        for await (const piece of this.body()) total += piece.length;
        this.sendResponse(200);
        this.sendHeader('Content-Length', String(total).length);
        this.endHeaders();
        await this.wfile.write(String(total));
      }
    }
    const { port } = await serve(Counting);
    const body = 'x'.repeat(300_000);
    const [response] = parseResponses(
      await exchange(port, `POST / HTTP/1.1\r\n${H}Content-Length: ${body.length}\r\n\r\n`, body),
    );
    expect(response!.body).toBe('300000');
  });

  it('a handler may catch HTTPRequestError and answer itself', async () => {
    class Catching extends QuietHandler {
      override maxBodySize = 1;
      async do_POST(): Promise<void> {
        try {
          await this.readBody();
        } catch (error) {
          expect(error).toBeInstanceOf(HTTPRequestError);
          this.sendError(422, `caught ${(error as HTTPRequestError).status}`);
        }
      }
    }
    const { port } = await serve(Catching);
    const [response] = parseResponses(await exchange(port, `POST / HTTP/1.0\r\nContent-Length: 2\r\n\r\nab`));
    expect(response!.status).toBe(422);
    expect(response!.reason).toBe('caught 413');
  });

  it.for([
    { name: 'Content-Length', body: `Content-Length: 5\r\n\r\nhello` },
    { name: 'chunked', body: `Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n` },
  ])('an unread $name body is drained; the next request is parsed correctly', async ({ body }) => {
    class Ignoring extends EchoHandler {
      override async do_POST(): Promise<void> {
        await this.reply({});
      }
    }
    const { port } = await serve(Ignoring);
    const received = await exchange(port, `POST /1 HTTP/1.1\r\n${H}${body}GET /2 HTTP/1.1\r\n${H}\r\n`);
    expect(parseResponses(received).map((response) => [response.status, JSON.parse(response.body).path])).toEqual([
      [200, '/1'],
      [200, '/2'],
    ]);
  });

  it('a body read partly from rfile leaves the connection closed, never desynchronised', async () => {
    class Partial extends EchoHandler {
      override async do_POST(): Promise<void> {
        await this.rfile.read(2);
        await this.reply({});
      }
    }
    const { port } = await serve(Partial);
    const smuggled = `POST /1 HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\nGET /2 HTTP/1.1\r\n${H}\r\n`;
    const responses = parseResponses(await exchange(port, smuggled));
    expect(responses.map((response) => JSON.parse(response.body).path)).toEqual(['/1']);
  });

  it('rfile.read(Content-Length) as in Python keeps the connection usable', async () => {
    class PythonStyle extends EchoHandler {
      override async do_POST(): Promise<void> {
        const body = await this.rfile.read(Number(this.headers.get('Content-Length')));
        await this.reply({ body: body.toString() });
      }
    }
    const { port } = await serve(PythonStyle);
    const received = await exchange(
      port,
      `POST /1 HTTP/1.1\r\n${H}Content-Length: 3\r\n\r\nabcGET /2 HTTP/1.1\r\n${H}\r\n`,
    );
    expect(parseResponses(received).map((response) => JSON.parse(response.body).body ?? response.status)).toEqual([
      'abc',
      200,
    ]);
  });
});

describe('timeouts against slow clients', () => {
  class Fast extends EchoHandler {
    override headTimeout = 300;
    override keepAliveTimeout = 150;
    override bodyTimeout = 200;
  }

  it('slowloris: a head sent one byte at a time is cut at headTimeout with 408', async () => {
    const { port } = await serve(Fast);
    const socket = await dial(port);
    const received = receiveAll(socket);
    const request = `GET / HTTP/1.1\r\n${H}X-Slow: ${'a'.repeat(1000)}\r\n\r\n`;
    let i = 0;
    const started = Date.now();
    const drip = setInterval(() => {
      if (i < request.length && !socket.destroyed) socket.write(request[i++]!);
    }, 10);
    const [response] = parseResponses(await received);
    clearInterval(drip);
    expect(response!.status).toBe(408);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('a connection that never sends a byte is closed at headTimeout', async () => {
    const { port } = await serve(Fast);
    const started = Date.now();
    expect(await sendAndWaitClose(port)).toBe('');
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  it('an idle keep-alive connection is closed after keepAliveTimeout', async () => {
    const { port } = await serve(Fast);
    const socket = await dial(port);
    const received = receiveAll(socket);
    socket.write(`GET / HTTP/1.1\r\n${H}\r\n`);
    const started = Date.now();
    const [response] = parseResponses(await received);
    expect(response!.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
  });

  it('a handler that works longer than headTimeout is not cut, nor is the next request', async () => {
    class Busy extends Fast {
      override async do_GET(): Promise<void> {
        if (this.path === '/slow') await new Promise((resolve) => setTimeout(resolve, 500));
        await super.do_GET();
      }
    }
    const { port } = await serve(Busy);
    const socket = await dial(port);
    socket.write(`GET /slow HTTP/1.1\r\n${H}\r\n`);
    const [first] = await once(socket, 'data');
    expect(String(first)).toMatch(/^HTTP\/1\.1 200 OK/);
    const rest = receiveAll(socket);
    socket.end(`GET /next HTTP/1.1\r\n${H}\r\n`);
    const [second] = parseResponses(await rest);
    expect(JSON.parse(second!.body).path).toBe('/next');
  });

  it('a body that stops arriving is cut at bodyTimeout with 408', async () => {
    const { port } = await serve(Fast);
    const received = await sendAndWaitClose(port, `POST / HTTP/1.1\r\n${H}Content-Length: 10\r\n\r\nabc`);
    expect(parseResponses(received)[0]!.status).toBe(408);
  });
});

describe('BaseServer.shutdown with keep-alive connections', () => {
  it('closes idle keep-alive connections at once', async () => {
    const { server, port } = await serve(EchoHandler);
    const socket = await dial(port);
    const closed = receiveAll(socket);
    socket.write(`GET / HTTP/1.1\r\n${H}\r\n`);
    await once(socket, 'data');
    const started = Date.now();
    await server.shutdown();
    await closed;
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('finishes the request in flight with Connection: close', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    class Slow extends EchoHandler {
      override async do_GET(): Promise<void> {
        await gate;
        await this.reply({});
      }
    }
    const { server, port } = await serve(Slow);
    const socket = await dial(port);
    const received = receiveAll(socket);
    socket.write(`GET / HTTP/1.1\r\n${H}\r\n`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const stopping = server.shutdown();
    release();
    const [response] = parseResponses(await received);
    await stopping;
    expect(response!.status).toBe(200);
    expect(response!.header('connection')).toBe('close');
  });
});

describe('BaseHTTPRequestHandler.writeTimeout: a client that stops reading', () => {
  it('is cut after writeTimeout while others are served', async () => {
    const chunk = Buffer.alloc(1024 * 1024, 0x61);
    let cut!: (at: number) => void;
    const ended = new Promise<number>((resolve) => (cut = resolve));
    class Big extends EchoHandler {
      override writeTimeout = 300;
      override async do_GET(): Promise<void> {
        if (this.path !== '/big') return this.reply({});
        this.sendResponse(200);
        this.sendHeader('Content-Length', String(64 * chunk.length));
        this.endHeaders();
        try {
          for (let i = 0; i < 64; i++) await this.wfile.write(chunk);
        } finally {
          cut(Date.now());
        }
      }
    }
    const { port } = await serve(Big);
    const stalled = await dial(port);
    stalled.pause(); // reads nothing: the kernel buffers fill, then the server's writes wait
    stalled.write(`GET /big HTTP/1.1\r\n${H}\r\n`);
    const started = Date.now();
    const [other] = parseResponses(await exchange(port, `GET /other HTTP/1.1\r\n${H}Connection: close\r\n\r\n`));
    expect(other!.status).toBe(200);
    expect((await ended) - started).toBeLessThan(3000);
    expect(logs.some((line) => line.includes('write timed out'))).toBe(true);
    stalled.destroy();
  });

  it('is cut also when the handler wrote to the socket directly and returned', async () => {
    const body = Buffer.alloc(32 * 1024 * 1024, 0x61);
    let cut!: (at: number) => void;
    const ended = new Promise<number>((resolve) => (cut = resolve));
    class Direct extends EchoHandler {
      override writeTimeout = 300;
      override async do_GET(): Promise<void> {
        this.request.once('close', () => cut(Date.now()));
        this.sendResponse(200);
        this.sendHeader('Content-Length', String(body.length));
        this.endHeaders();
        this.wfile.flush();
        this.request.write(body); // not through wfile: nothing waits for drain
      }
    }
    const { port } = await serve(Direct);
    const stalled = await dial(port);
    stalled.pause();
    stalled.write(`GET / HTTP/1.1\r\n${H}\r\n`);
    const started = Date.now();
    expect((await ended) - started).toBeLessThan(3000);
    expect(logs.some((line) => line.includes('write timed out'))).toBe(true);
    stalled.destroy();
  });
});

describe('a handler that throws', () => {
  it('a synchronous do_GET that throws gets the same: 500, closed, error reported, server serving', async () => {
    class Throwing extends EchoHandler {
      override do_GET(): Promise<void> {
        if (this.path === '/boom') throw new Error('sync boom');
        return super.do_GET();
      }
    }
    const { server, port } = await serve(Throwing);
    const errors: unknown[] = [];
    server.handleError = (_request, _address, error) => errors.push(error);
    const received = await sendAndWaitClose(port, `GET /boom HTTP/1.1\r\n${H}\r\nGET /next HTTP/1.1\r\n${H}\r\n`);
    expect(parseResponses(received).map((response) => response.status)).toEqual([500]);
    expect(errors.map((error) => (error as Error).message)).toEqual(['sync boom']);
    const [after] = parseResponses(await exchange(port, `GET /ok HTTP/1.1\r\n${H}\r\n`));
    expect(after!.status).toBe(200);
  });

  it('answers 500, closes the connection, and the server keeps serving', async () => {
    class Throwing extends EchoHandler {
      override async do_GET(): Promise<void> {
        if (this.path === '/boom') throw new Error('boom');
        await this.reply({});
      }
    }
    const { server, port } = await serve(Throwing);
    const errors: unknown[] = [];
    server.handleError = (_request, _address, error) => errors.push(error);
    const received = await sendAndWaitClose(port, `GET /boom HTTP/1.1\r\n${H}\r\nGET /next HTTP/1.1\r\n${H}\r\n`);
    expect(parseResponses(received).map((response) => response.status)).toEqual([500]);
    expect(errors).toHaveLength(1);
    const [after] = parseResponses(await exchange(port, `GET /ok HTTP/1.1\r\n${H}\r\n`));
    expect(after!.status).toBe(200);
    expect(logs.some((line) => line.includes('"GET /boom HTTP/1.1" 500'))).toBe(true);
  });
});

describe('requests split across TCP segments', () => {
  const pair =
    `POST /1 HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n0\r\nT: 1\r\n\r\n` +
    `POST /2 HTTP/1.1\r\n${H}Content-Length: 3\r\n\r\nabcGET /3 HTTP/1.1\r\n${H}Connection: close\r\n\r\n`;
  const want = [
    ['/1', 'hello'],
    ['/2', 'abc'],
    ['/3', undefined],
  ];

  async function send(parts: string[]): Promise<unknown[]> {
    const { port } = await serve(EchoHandler);
    const socket = await dial(port);
    socket.setNoDelay(true);
    const received = receiveAll(socket);
    for (const part of parts) {
      socket.write(part);
      // No event tells that a segment has left; a short pause makes the server read it alone.
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    return parseResponses(await received).map((response) => {
      const { path, body } = JSON.parse(response.body);
      return [path, body];
    });
  }

  it.for(Array.from({ length: 24 }, (_, i) => Math.floor(((i + 1) * pair.length) / 25)))(
    'split at byte %i: every request parsed, in order',
    async (at) => {
      expect(await send([pair.slice(0, at), pair.slice(at)])).toEqual(want);
    },
  );

  it('one byte at a time', async () => {
    expect(await send([...pair])).toEqual(want);
  });
});
