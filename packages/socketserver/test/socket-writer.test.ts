// wfile (SocketWriter): what reaches the socket, in how many writes, byte for byte.
import { setImmediate as nextCheck } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { StreamRequestHandler, TCPServer, type RequestHandlerClass } from '../src/index.js';
import { exchange, portOf, serverTracker, signal } from './helpers.js';

const track = serverTracker();

/**
 * A handler that counts the writes its socket receives (the socket still writes them) and
 * runs `script` once the client has sent everything.
 */
function counting(script: (handler: StreamRequestHandler) => Promise<void>): {
  Handler: RequestHandlerClass;
  writes: Array<string | Uint8Array>;
} {
  const writes: Array<string | Uint8Array> = [];
  class Counting extends StreamRequestHandler {
    override async setup(): Promise<void> {
      await super.setup();
      const socket = this.request;
      const write = socket.write;
      socket.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
        writes.push(chunk);
        return (write as (...args: unknown[]) => boolean).call(socket, chunk, ...rest);
      }) as typeof socket.write;
    }

    override async handle(): Promise<void> {
      await this.rfile.read();
      await script(this);
    }
  }
  return { Handler: Counting, writes };
}

async function run(
  script: (handler: StreamRequestHandler) => Promise<void>,
): Promise<{ received: Buffer; writes: number }> {
  const { Handler, writes } = counting(script);
  const server = track(new TCPServer(['127.0.0.1', 0], Handler));
  await server.serverBind();
  void server.serveForever(10);
  const received = Buffer.from(await exchange(portOf(server), 'go'), 'latin1');
  return { received, writes: writes.length };
}

describe('SocketWriter gathering (small writes of one turn, one socket write)', () => {
  it('latin1 strings, utf8 strings and Buffers leave byte-exact in one write', async () => {
    const { received, writes } = await run(async ({ wfile }) => {
      void wfile.write('A\xe9\xff', 'latin1'); // kept as a string until sent
      void wfile.write(Uint8Array.of(0x00, 0x80, 0xfe));
      void wfile.write('é€'); // utf8: encoded at once
      await wfile.write(Buffer.from('!'));
    });
    expect([...received]).toEqual([0x41, 0xe9, 0xff, 0x00, 0x80, 0xfe, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0x21]);
    expect(writes).toBe(1);
  });

  it('a string head with Buffers beyond the text limit is joined as bytes, exactly', async () => {
    const body = Buffer.alloc(5000, 0xab);
    body[0] = 0x00;
    body[4999] = 0xff;
    const { received, writes } = await run(async ({ wfile }) => {
      void wfile.write('HEAD\xf1\r\n', 'latin1');
      void wfile.write(body);
      await wfile.write('\xfeTAIL', 'latin1');
    });
    expect(received).toEqual(
      Buffer.concat([Buffer.from('HEAD\xf1\r\n', 'latin1'), body, Buffer.from('\xfeTAIL', 'latin1')]),
    );
    expect(writes).toBe(1);
  });

  it('a large write leaves with what was gathered before it', async () => {
    const big = Buffer.alloc(64 * 1024, 0x62);
    const { received, writes } = await run(async ({ wfile }) => {
      void wfile.write('head\xe9', 'latin1');
      await wfile.write(big);
    });
    expect(received).toEqual(Buffer.concat([Buffer.from('head\xe9', 'latin1'), big]));
    expect(writes).toBe(2); // one writev of both: the socket is corked around the two writes
  });

  it('a write made in an I/O callback waits for the microtasks it starts (one write)', async () => {
    const { received, writes } = await run(async (handler) => {
      const { wfile } = handler;
      const done = signal();
      handler.request.once('close', () => done.resolve());
      // Inside an I/O callback Node runs ticks before microtasks: a plain nextTick flush
      // would send the first part before the awaited continuation writes the second.
      setImmediate(() => {
        void wfile.write('head ');
        void (async () => {
          for (let i = 0; i < 3; i++) await Promise.resolve();
          await wfile.write('body');
          wfile.end();
        })();
      });
      await done.promise;
    });
    expect(received.toString()).toBe('head body');
    expect(writes).toBe(1);
  });

  it('writes in separate turns of the event loop leave separately', async () => {
    const { received, writes } = await run(async ({ wfile }) => {
      await wfile.write('one ');
      await nextCheck();
      await wfile.write('two');
    });
    expect(received.toString()).toBe('one two');
    expect(writes).toBe(2);
  });
});

describe('SocketWriter.hold / release', () => {
  it('holds writes across microtask and nextTick turns until release()', async () => {
    const seenBeforeRelease: number[] = [];
    const { received, writes } = await run(async (handler) => {
      const { wfile } = handler;
      wfile.hold();
      expect(wfile.held).toBe(true);
      await wfile.write('a');
      await new Promise<void>((resolve) => process.nextTick(resolve));
      await wfile.write('b');
      await new Promise<void>((resolve) => process.nextTick(resolve));
      await wfile.write('c');
      seenBeforeRelease.push(handler.request.bytesWritten);
      wfile.release();
      expect(wfile.held).toBe(false);
    });
    expect(received.toString()).toBe('abc');
    expect(seenBeforeRelease).toEqual([0]);
    expect(writes).toBe(1);
  });

  it('lets held writes go at the next check phase at the latest, without release()', async () => {
    const out = signal<string>();
    const { received } = await run(async (handler) => {
      const { wfile } = handler;
      wfile.hold();
      await wfile.write('held');
      await nextCheck();
      await nextCheck();
      out.resolve(`${wfile.held} ${handler.request.bytesWritten}`);
    });
    expect(await out.promise).toBe('false 4');
    expect(received.toString()).toBe('held');
  });

  it('flush() sends held bytes at once', async () => {
    const { received, writes } = await run(async ({ wfile }) => {
      wfile.hold();
      await wfile.write('x');
      wfile.flush();
      await wfile.write('y');
      wfile.release();
    });
    expect(received.toString()).toBe('xy');
    expect(writes).toBe(2);
  });
});
