// A handler made for a server subclass is refused, at compile time, by a server that is not
// one (`pnpm lint` type-checks this file: each @ts-expect-error must meet an error), and
// works with the server it names, over a real socket.
import { describe, expect, it } from 'vitest';
import {
  BaseServer,
  ForkingMixIn,
  type RequestHandlerClass,
  StreamRequestHandler,
  TCPServer,
  UDPServer,
  UnixStreamServer,
} from '../src/index.js';
import { exchange, portOf, serverTracker } from './helpers.js';

/** A server with state its handlers use: it names itself, so its constructor checks handlers. */
class KVServer extends TCPServer<KVServer> {
  store = new Map<string, string>([['greeting', 'hello']]);
}

/** A handler made for KVServer: `this.server.store` is typed, and only a KVServer may make it. */
class KVHandler extends StreamRequestHandler<KVServer> {
  override async handle(): Promise<void> {
    const key = (await this.rfile.readline()).toString().trim();
    await this.wfile.write(`${this.server.store.get(key) ?? '(nil)'}\n`);
  }
}

/** A handler that needs nothing of its server. */
class Plain extends StreamRequestHandler {}

/** Never called (see the end of the file): the constructions tsc must accept or refuse. */
function compileTimeChecks(): void {
  new KVServer(['127.0.0.1', 0], KVHandler);
  new KVServer(['127.0.0.1', 0], Plain);
  new TCPServer(['127.0.0.1', 0], Plain);
  class ForkingKVServer extends ForkingMixIn(KVServer) {}
  new ForkingKVServer(['127.0.0.1', 0], KVHandler, { workers: 2 });
  // @ts-expect-error a KVHandler needs a KVServer (it reads server.store), not a plain TCPServer
  new TCPServer(['127.0.0.1', 0], KVHandler);
  // @ts-expect-error nor a UnixStreamServer
  new UnixStreamServer('/tmp/kv.sock', KVHandler);
  // @ts-expect-error nor a UDPServer
  new UDPServer(['127.0.0.1', 0], KVHandler);
  // @ts-expect-error nor a forking TCPServer
  new (ForkingMixIn(TCPServer))(['127.0.0.1', 0], KVHandler);
  // Subclasses stay assignable to their base class's constructor type.
  const classes: Array<typeof TCPServer> = [TCPServer, UnixStreamServer];
  const handlers: Array<RequestHandlerClass<TCPServer>> = [Plain];
  void classes;
  void handlers;
}

describe('a handler typed for its server', () => {
  const track = serverTracker();

  it('reads the state of the server it names', async () => {
    const server = track(new KVServer(['127.0.0.1', 0], KVHandler));
    await server.serverBind();
    void server.serveForever();
    expect(server).toBeInstanceOf(BaseServer);
    expect(await exchange(portOf(server), 'greeting\n')).toBe('hello\n');
    expect(await exchange(portOf(server), 'other\n')).toBe('(nil)\n');
  });
});

void compileTimeChecks; // type-checked by pnpm lint, never run
