/** Port of `socketserver.BaseRequestHandler`. */
import type { BaseServer } from './base-server.js';
import type { Address } from './types.js';

/**
 * BaseRequestHandler is the base class of request handlers. The server makes one per
 * request (per connection for stream servers) with `new Class(request, clientAddress,
 * server)`, then awaits `setup()`, `handle()` and, always, `finish()`.
 *
 * Subclasses never override the constructor: it only assigns. Instance fields:
 * `request` (the connection, or `[data, socket]` for datagrams), `clientAddress`, `server`.
 * A subclass that needs its own server type names it: `extends StreamRequestHandler<KVServer>`;
 * a server that is not a `KVServer` then refuses the class at compile time.
 */
export class BaseRequestHandler<S extends BaseServer<any> = BaseServer<any>> {
  /** The connection (stream servers) or `[data, socket]` (datagram servers). */
  request: unknown;
  /** The client's address: `[host, port]`, or a path (Unix sockets; often empty). */
  clientAddress: Address;
  /** The server that made this handler. */
  server: S;

  constructor(request: unknown, clientAddress: Address, server: S) {
    this.request = request;
    this.clientAddress = clientAddress;
    this.server = server;
  }

  /** Prepares for `handle()`. The default does nothing. May be overridden. */
  async setup(): Promise<void> {}

  /** Services the request. The default does nothing. May be overridden. */
  async handle(): Promise<void> {}

  /** Cleans up after `handle()`; runs even if it threw. The default does nothing. May be overridden. */
  async finish(): Promise<void> {}
}

/**
 * The constructor a server is given: a `BaseRequestHandler` subclass that can serve an `S`.
 * A handler made for a narrower server (`class KVHandler extends
 * StreamRequestHandler<KVServer>`) is not a `RequestHandlerClass<TCPServer>`.
 */
export type RequestHandlerClass<S = any> = new (
  request: any,
  clientAddress: Address,
  server: S,
) => BaseRequestHandler<any>;

/**
 * The server a server class checks its handler class against: `Self` when a subclass names
 * itself (`class KVServer extends TCPServer<KVServer>`), else the class itself (`Base`).
 */
export type ServerSelf<Self, Base> = unknown extends Self ? Base : Self;

/**
 * The handler class a server class's constructor takes: a `RequestHandlerClass` of its
 * `ServerSelf`. (`[Self][…]` keeps `new TCPServer(address, Handler)` from inferring `Self`
 * from `Handler`, which would let any handler in.)
 */
export type ServerHandlerClass<Self, Base> = RequestHandlerClass<
  ServerSelf<[Self][Self extends unknown ? 0 : never], Base>
>;
