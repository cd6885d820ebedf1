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
 * A subclass that needs its own server type declares it: `declare server: MyServer`.
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

/** The constructor a server is given: a `BaseRequestHandler` subclass. */
export type RequestHandlerClass = new (
  request: any,
  clientAddress: Address,
  server: any,
) => BaseRequestHandler<any>;
