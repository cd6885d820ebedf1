// The template methods and the life of a server: test_socketserver's test_shutdown,
// test_close_immediately, test_tcpserver_bind_leak, test_context_manager, ErrorHandlerTest,
// MiscTestCase, re-expressed; plus what Python lacks (graceful shutdown, limits).
import { once } from 'node:events';
import { type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { BaseRequestHandler, StreamRequestHandler, TCPServer, type Address } from '../src/index.js';
import { dial, exchange, portOf, receiveAll, refused, serverTracker, signal, UpperEcho } from './helpers.js';

const track = serverTracker();

async function serving<T extends TCPServer>(server: T): Promise<T> {
  track(server);
  await server.serverBind();
  void server.serveForever(10);
  return server;
}

describe('verifyRequest / shutdownRequest (test_shutdown_request_called_if_verify_request_false)', () => {
  it('verifyRequest returning false drops the connection unanswered; shutdownRequest is still called once', async () => {
    const calls: string[] = [];
    class Refusing extends TCPServer {
      override verifyRequest(_socket: Socket, clientAddress: Address): boolean {
        calls.push(`verify ${(clientAddress as [string, number])[0]}`);
        return false;
      }
      override shutdownRequest(socket: Socket): void {
        calls.push('shutdownRequest');
        super.shutdownRequest(socket);
      }
    }
    const server = track(new Refusing(['127.0.0.1', 0], UpperEcho));
    await server.serverBind();
    const answer = exchange(portOf(server), 'hello\n');
    await server.handleRequest();
    expect(await answer).toBe('');
    expect(calls).toEqual(['verify 127.0.0.1', 'shutdownRequest']);
  });

  it('a verifyRequest that throws goes to handleError and the connection is closed', async () => {
    const errors: string[] = [];
    class Throwing extends TCPServer {
      override verifyRequest(): boolean {
        throw new Error('verify failed');
      }
      override handleError(_request: Socket, _address: Address, error: unknown): void {
        errors.push((error as Error).message);
      }
    }
    const server = await serving(new Throwing(['127.0.0.1', 0], UpperEcho));
    expect(await exchange(portOf(server), 'hello\n')).toBe('');
    expect(errors).toEqual(['verify failed']);
  });

  it('an async verifyRequest is awaited', async () => {
    class Async extends TCPServer {
      override async verifyRequest(): Promise<boolean> {
        return (await Promise.resolve(this.activeRequests)) > 0;
      }
    }
    const server = await serving(new Async(['127.0.0.1', 0], UpperEcho));
    expect(await exchange(portOf(server), 'yes\n')).toBe('YES\n');
  });
});

describe('handleError (ErrorHandlerTest.test_sync_handled / test_threading_handled)', () => {
  it.for([
    { name: 'handle() throws', where: 'handle' },
    { name: 'setup() throws', where: 'setup' },
  ])('$name: handleError sees it, finish() runs, the next connection is served', async ({ where }) => {
    const log: string[] = [];
    class Bad extends UpperEcho {
      override async setup(): Promise<void> {
        await super.setup();
        if (where === 'setup' && log.length === 0) throw new Error('Test error');
      }
      override async handle(): Promise<void> {
        log.push('Handler called');
        if (where === 'handle' && !log.includes('Error handled')) throw new Error('Test error');
        await super.handle();
      }
      override async finish(): Promise<void> {
        log.push('finish');
        await super.finish();
      }
    }
    class Logging extends TCPServer {
      override handleError(_request: Socket, _address: Address, error: unknown): void {
        log.push(`Error handled: ${(error as Error).message}`.replace(': Test error', ''));
      }
    }
    const server = await serving(new Logging(['127.0.0.1', 0], Bad));
    expect(await exchange(portOf(server), 'first\n')).toBe('');
    expect(await exchange(portOf(server), 'second\n')).toBe('SECOND\n');
    const first = where === 'handle' ? ['Handler called', 'finish', 'Error handled'] : ['finish', 'Error handled'];
    expect(log).toEqual([...first, 'Handler called', 'finish']);
  });

  it('the default handleError writes the client address and the error to stderr', async () => {
    class Bad extends BaseRequestHandler {
      override async handle(): Promise<void> {
        throw new TypeError('handler bug');
      }
    }
    const written: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((text: string) => written.push(text) > 0) as typeof write;
    try {
      const server = await serving(new TCPServer(['127.0.0.1', 0], Bad));
      await exchange(portOf(server));
    } finally {
      process.stderr.write = write;
    }
    expect(written.join('')).toMatch(/processing of request from 127\.0\.0\.1:\d+\n.*TypeError: handler bug/s);
  });
});

describe('serveForever / shutdown (test_shutdown, bpo-2302)', () => {
  it('shutdown() right after serveForever() stops 20 servers, and their listeners close', async () => {
    const servers = Array.from({ length: 20 }, () => new TCPServer(['127.0.0.1', 0], StreamRequestHandler));
    const loops = servers.map((server) => server.serveForever(10));
    await Promise.all(servers.map((server) => server.shutdown()));
    await Promise.all(loops);
    for (const server of servers) {
      await server.serverClose();
      expect(server.socket?.listening).toBe(false);
    }
  });

  it('serveForever() calls serviceActions() every poll interval', async () => {
    const called = signal();
    class Ticking extends TCPServer {
      override serviceActions(): void {
        called.resolve();
      }
    }
    const server = track(new Ticking(['127.0.0.1', 0], UpperEcho));
    void server.serveForever(5);
    await called.promise;
  });

  it('graceful: the in-flight request finishes, an idle connection is closed at once, new ones are refused', async () => {
    const gate = signal();
    const started = signal();
    class KeepAlive extends StreamRequestHandler {
      override async handle(): Promise<void> {
        for (;;) {
          this.idle = true;
          const line = await this.rfile.readline();
          this.idle = false;
          if (line.length === 0) return;
          if (line.toString() === 'slow\n') {
            started.resolve();
            await gate.promise;
          }
          await this.wfile.write(`done ${line}`);
        }
      }
    }
    const server = track(new TCPServer(['127.0.0.1', 0], KeepAlive));
    const loop = server.serveForever(10);
    await server.serverBind();
    const idleClient = await dial(portOf(server));
    const idleClosed = once(idleClient, 'close');
    const busy = await dial(portOf(server));
    const answer = receiveAll(busy);
    busy.write('slow\n');
    await started.promise;
    expect(server.activeRequests).toBe(2);

    const stopped = server.shutdown();
    await idleClosed;
    expect(await refused(portOf(server))).toMatchObject({ code: 'ECONNREFUSED' });
    gate.resolve();
    await stopped;
    await loop;
    expect(await answer).toBe('done slow\n');
    expect(server.activeRequests).toBe(0);
  });

  it('a handler that goes idle during shutdown is closed then, not after shutdownTimeout', async () => {
    const gate = signal();
    const started = signal();
    class KeepAlive extends StreamRequestHandler {
      override async handle(): Promise<void> {
        for (;;) {
          this.idle = true;
          const line = await this.rfile.readline();
          this.idle = false;
          if (line.length === 0) return;
          started.resolve();
          await gate.promise;
          await this.wfile.write(`done ${line}`);
        }
      }
    }
    const server = await serving(new TCPServer(['127.0.0.1', 0], KeepAlive, { shutdownTimeout: 10_000 }));
    const client = await dial(portOf(server));
    const answer = receiveAll(client);
    client.write('one\n');
    await started.promise;
    const begin = Date.now();
    const stopped = server.shutdown();
    gate.resolve();
    await stopped;
    expect(Date.now() - begin).toBeLessThan(2000);
    expect(await answer).toBe('done one\n');
  });

  it('over shutdownTimeout, the connections still busy are closed and shutdown() resolves', async () => {
    const started = signal();
    const finished = signal<boolean>();
    class Stuck extends StreamRequestHandler {
      override async handle(): Promise<void> {
        started.resolve();
        await this.rfile.read(); // the client never ends: only the server's close ends this
      }
      override async finish(): Promise<void> {
        finished.resolve(this.request.destroyed);
      }
    }
    const server = await serving(new TCPServer(['127.0.0.1', 0], Stuck, { shutdownTimeout: 100 }));
    const client = await dial(portOf(server));
    const closed = once(client, 'close');
    await started.promise;
    const begin = Date.now();
    await server.shutdown();
    const elapsed = Date.now() - begin;
    expect(elapsed).toBeGreaterThanOrEqual(95);
    expect(elapsed).toBeLessThan(1500);
    expect(await finished.promise).toBe(true);
    await closed;
  });

  it('shutdown does not linger when the clients close as soon as they are answered', async () => {
    const gate = signal();
    const started = signal();
    let count = 0;
    class Slow extends StreamRequestHandler {
      override async handle(): Promise<void> {
        if (++count === 3) started.resolve();
        await gate.promise;
        await this.wfile.write('bye');
      }
    }
    const server = await serving(new TCPServer(['127.0.0.1', 0], Slow));
    const answers = Promise.all([1, 2, 3].map(async () => receiveAll(await dial(portOf(server)))));
    await started.promise;
    const stopped = server.shutdown();
    const begin = Date.now();
    gate.resolve();
    await stopped;
    expect(Date.now() - begin).toBeLessThan(400); // the linger bound is 500 ms
    expect(await answers).toEqual(['bye', 'bye', 'bye']);
  });
});

describe('handleRequest / handleTimeout (BaseServer.handle_request)', () => {
  it('serves exactly one request per call, in arrival order', async () => {
    const server = track(new TCPServer(['127.0.0.1', 0], UpperEcho));
    await server.serverBind();
    const first = exchange(portOf(server), 'one\n');
    const second = exchange(portOf(server), 'two\n');
    let secondDone = false;
    void second.then(() => (secondDone = true));
    await server.handleRequest();
    expect(await first).toBe('ONE\n');
    expect(secondDone).toBe(false);
    await server.handleRequest();
    expect(await second).toBe('TWO\n');
  });

  it('queues at most requestQueueSize requests while nobody calls handleRequest(); the rest are closed', async () => {
    const server = track(new TCPServer(['127.0.0.1', 0], UpperEcho, { requestQueueSize: 2 }));
    await server.serverBind();
    const clients = await Promise.all([1, 2, 3].map(() => dial(portOf(server))));
    const answers = clients.map((client, i) => {
      const received = receiveAll(client);
      client.end(`c${i}\n`);
      return received;
    });
    // Closed unanswered: an empty answer, or a reset since its bytes were never read.
    expect(['', 'ECONNRESET']).toContain(await answers[2]!.catch((error: NodeJS.ErrnoException) => error.code));
    await server.handleRequest();
    await server.handleRequest();
    expect(await Promise.all(answers.slice(0, 2))).toEqual(['C0\n', 'C1\n']);
  });

  it('calls handleTimeout() when no request arrives within timeout', async () => {
    let timeouts = 0;
    class Waiting extends TCPServer {
      override async handleTimeout(): Promise<void> {
        timeouts++;
      }
    }
    const server = track(new Waiting(['127.0.0.1', 0], UpperEcho, { timeout: 30 }));
    const begin = Date.now();
    await server.handleRequest();
    expect(timeouts).toBe(1);
    expect(Date.now() - begin).toBeGreaterThanOrEqual(25);
  });

  it('activeRequests falls back to 0 after ten requests (test_threads_reaped)', async () => {
    const server = track(new TCPServer(['127.0.0.1', 0], UpperEcho));
    await server.serverBind();
    for (let i = 0; i < 10; i++) {
      const answer = exchange(portOf(server), 'x\n');
      await server.handleRequest();
      await answer;
    }
    expect(server.activeRequests).toBe(0);
  });
});

describe('serverBind / serverClose / Symbol.asyncDispose (test_close_immediately, test_tcpserver_bind_leak, test_context_manager)', () => {
  it('serverClose() on a server never bound resolves', async () => {
    await new TCPServer(['127.0.0.1', 0], UpperEcho).serverClose();
  });

  it('a bind that fails rejects and leaves nothing listening, 100 times over', async () => {
    for (let i = 0; i < 100; i++) {
      const server = new TCPServer(['127.0.0.1', -1], UpperEcho);
      await expect(server.serverBind()).rejects.toThrow(RangeError);
      expect(server.socket?.listening).toBeFalsy();
    }
    const taken = await serving(new TCPServer(['127.0.0.1', 0], UpperEcho));
    await expect(new TCPServer(['127.0.0.1', portOf(taken)], UpperEcho).serverBind()).rejects.toMatchObject({
      code: 'EADDRINUSE',
    });
  });

  it('await using closes the server at the end of the scope (test_context_manager)', async () => {
    let kept: TCPServer | undefined;
    {
      await using server = new TCPServer(['127.0.0.1', 0], UpperEcho);
      await server.serverBind();
      kept = server;
      expect(server.socket?.listening).toBe(true);
    }
    expect(kept.socket?.listening).toBe(false);
  });

  it('Symbol.asyncDispose shuts down and closes the listener', async () => {
    const server = new TCPServer(['127.0.0.1', 0], UpperEcho);
    const loop = server.serveForever(10);
    await server.serverBind();
    expect(await exchange(portOf(server), 'a\n')).toBe('A\n');
    await server[Symbol.asyncDispose]();
    await loop;
    expect(server.socket?.listening).toBe(false);
  });
});

describe('limits and options: maxConnections, idleTimeout, options vs subclass fields', () => {
  it('maxConnections: the connection beyond the limit is closed; a slot freed is reused', async () => {
    const closedOnServer: Array<Promise<unknown>> = [];
    class Hold extends StreamRequestHandler {
      override async handle(): Promise<void> {
        closedOnServer.push(once(this.request, 'close'));
        await this.wfile.write('hi\n');
        await this.rfile.read();
      }
    }
    const server = await serving(new TCPServer(['127.0.0.1', 0], Hold, { maxConnections: 2 }));
    const held = [await dial(portOf(server)), await dial(portOf(server))];
    const answers = held.map((socket) => receiveAll(socket));
    expect(await exchange(portOf(server))).toBe('');
    held[0]!.end();
    expect(await answers[0]).toBe('hi\n');
    await closedOnServer[0];
    const again = await dial(portOf(server));
    const received = receiveAll(again);
    again.end();
    expect(await received).toBe('hi\n');
    held[1]!.end();
  });

  it('idleTimeout closes a silent connection', async () => {
    const server = await serving(new TCPServer(['127.0.0.1', 0], UpperEcho, { idleTimeout: 100 }));
    const client = await dial(portOf(server));
    const begin = Date.now();
    const received = receiveAll(client);
    client.write('awake\n');
    expect(await received).toBe('AWAKE\n');
    expect(Date.now() - begin).toBeGreaterThanOrEqual(95);
  });

  it('an option wins over a subclass field; fields without an option keep the subclass value', async () => {
    class Configured extends TCPServer {
      override timeout: number | null = 5000;
      override requestQueueSize = 5;
      override shutdownTimeout = 1234;
    }
    const server = track(new Configured(['127.0.0.1', 0], UpperEcho, { timeout: 20, idleTimeout: 7 }));
    await server.serverBind();
    expect([server.timeout, server.idleTimeout, server.requestQueueSize, server.shutdownTimeout]).toEqual([
      20, 7, 5, 1234,
    ]);
  });
});
