/** Port of `socketserver.TCPServer` and `socketserver.UnixStreamServer`. */
import * as net from 'node:net';
import type { Socket } from 'node:net';
import * as tls from 'node:tls';
import type { RequestHandlerClass, ServerHandlerClass, ServerSelf } from './base-request-handler.js';
import { BaseServer } from './base-server.js';
import { readProxyHeader } from './internal/proxy-header-reader.js';
import type { Address, ServerOptions } from './types.js';

/** After our FIN, how long a connection may keep sending before it is closed (RST avoidance). */
const LINGER_MS = 500;

/**
 * TCPServer serves stream connections: TCP, TLS when the `tls` option is given, and (as
 * `UnixStreamServer`) Unix sockets. Each connection is one request; its handler gets the
 * `net.Socket` as `request`.
 *
 * A subclass whose handlers use its own state names itself, `class KVServer extends
 * TCPServer<KVServer>`; its constructor then takes only handler classes made for it
 * (`extends StreamRequestHandler<KVServer>`), and a plain `TCPServer` refuses those.
 *
 * **Differs from Python:** `serverBind()` binds and listens; binding `'::'` is dual-stack
 * (IPv4 and IPv6); `requestQueueSize` defaults to 511, not 5; `allowReuseAddress` is
 * always in effect for TCP (libuv sets SO_REUSEADDR on every listener).
 */
export class TCPServer<Self = unknown> extends BaseServer<Socket> {
  /** The listening server (Python's `socket`), set by `serverBind()`. */
  socket: net.Server | undefined;
  /** SO_REUSEADDR: always in effect for TCP listeners in Node (libuv sets it). */
  allowReuseAddress = true;
  /** SO_REUSEPORT; honoured by Node >= 22.12, ignored by older Node. */
  allowReusePort = false;
  /** Connections beyond this many at once are closed on arrival (`undefined`: no limit). */
  maxConnections: number | undefined;
  /** Close a connection idle (no bytes either way) for this many ms; 0 = never. */
  idleTimeout = 0;
  /** Serve TLS with these `node:tls` options. */
  tls: ServerOptions['tls'];
  /**
   * Require a PROXY protocol header (v1 or v2) at the start of every connection and take
   * `clientAddress` from it. Off by default.
   *
   * **Security:** turn it on only when every connection comes through a proxy that sends
   * the header (HAProxy `send-proxy`, nginx `proxy_protocol on`): whoever can connect
   * directly can then claim any address. With it on, a connection without a valid header
   * is closed unanswered; with it off, a PROXY header is plain bytes for the handler.
   */
  proxyProtocol = false;
  /** With `proxyProtocol`, a connection whose header is not complete within this many ms is closed. */
  proxyHeaderTimeout = 5_000;

  #sockets = new Set<Socket>();
  /** With TLS behind the PROXY protocol: the client address of each raw connection. */
  #proxied = new WeakMap<Socket, Address>();

  constructor(serverAddress: Address, RequestHandlerClass: ServerHandlerClass<Self, TCPServer>, options?: ServerOptions) {
    super(serverAddress, RequestHandlerClass, options);
  }

  /** Creates the listener, binds and listens; fills `serverAddress` with the real address. */
  override async serverBind(): Promise<void> {
    this.applyOptions();
    const server = this.createListener();
    this.socket = server;
    if (this.maxConnections !== undefined) server.maxConnections = this.maxConnections;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.listenOptions(), () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (error) => this.handleError(undefined as never, this.serverAddress, error));
    const bound = server.address();
    if (bound && typeof bound === 'object') this.serverAddress = [bound.address, bound.port];
  }

  /** True once `serverBind()` has made the listener. */
  protected override isBound(): boolean {
    return this.socket !== undefined;
  }

  /**
   * Makes the `net.Server` (or `tls.Server`) and routes its connections. May be overridden.
   *
   * **Security:** with TLS, a non-zero `idleTimeout` also bounds the handshake (Node's
   * default is 120 s), unless the `tls` options set `handshakeTimeout` themselves.
   */
  protected createListener(): net.Server {
    const options = { allowHalfOpen: true, noDelay: true };
    if (this.tls) {
      const handshake = this.idleTimeout > 0 ? { handshakeTimeout: this.idleTimeout } : {};
      const secure = tls.createServer({ ...options, ...handshake, ...this.tls });
      secure.on('secureConnection', (socket) => this.#onConnection(socket, this.#proxied.get(parentOf(socket))));
      secure.on('tlsClientError', (_error, socket) => socket.destroy());
      if (!this.proxyProtocol) return secure;
      // The PROXY header comes before the TLS handshake: read it, then hand the rest to TLS.
      return net.createServer(options, (socket) => this.#onProxied(socket, secure));
    }
    if (this.proxyProtocol) return net.createServer(options, (socket) => this.#onProxied(socket));
    return net.createServer(options, (socket) => this.#onConnection(socket));
  }

  /** Where and how to listen. May be overridden. */
  protected listenOptions(): net.ListenOptions {
    const address = this.serverAddress;
    if (typeof address === 'string') return { path: address, backlog: this.requestQueueSize };
    const [host, port] = address;
    const options: net.ListenOptions & { reusePort?: boolean } = { port, backlog: this.requestQueueSize };
    if (host !== '') options.host = host;
    if (this.allowReusePort) options.reusePort = true;
    return options;
  }

  #onConnection(socket: Socket, clientAddress?: Address): void {
    socket.on('error', ignore); // a reset before the handler listens must not crash the process
    this.#sockets.add(socket);
    socket.once('close', () => this.#sockets.delete(socket));
    if (this.idleTimeout > 0) socket.setTimeout(this.idleTimeout, closeIdle);
    this.acceptRequest(socket, clientAddress ?? this.clientAddressOf(socket));
  }

  /** Reads the PROXY header (closing the connection if it is bad or late), then serves. */
  #onProxied(socket: Socket, secure?: tls.Server): void {
    socket.on('error', ignore);
    this.#sockets.add(socket);
    socket.once('close', () => this.#sockets.delete(socket));
    readProxyHeader(socket, this.proxyHeaderTimeout).then(
      (header) => {
        const address = header.source ?? this.clientAddressOf(socket);
        if (this.shuttingDown) socket.destroy();
        else if (!secure) this.#onConnection(socket, address);
        else {
          this.#proxied.set(socket, address);
          secure.emit('connection', socket);
        }
      },
      () => socket.destroy(),
    );
  }

  /** The client's address for a connection: `[host, port]`. May be overridden. */
  protected clientAddressOf(socket: Socket): Address {
    return [socket.remoteAddress ?? '', socket.remotePort ?? 0];
  }

  /**
   * Half-closes the connection once its output is written (Python's `SHUT_WR`), then calls
   * `closeRequest()` when the client closes its side or after a short linger, so that
   * unread input does not turn into a reset that destroys the response in flight.
   */
  override shutdownRequest(socket: Socket): void {
    if (socket.destroyed) return;
    socket.removeAllListeners('data');
    socket.on('data', ignore).resume();
    const close = () => this.closeRequest(socket);
    socket.once('end', close);
    socket.end(() => {
      if (!socket.destroyed) socket.setTimeout(LINGER_MS, close);
    });
  }

  /** Closes the connection at once. */
  override closeRequest(socket: Socket): void {
    socket.destroy();
  }

  /** Stops listening; open connections are left to `shutdown()`. */
  protected override async stopAccepting(): Promise<void> {
    this.socket?.close();
  }

  /** Waits up to `LINGER_MS` for lingering connections to close by themselves, then closes them. */
  protected override async closeConnections(): Promise<void> {
    const open = [...this.#sockets];
    if (open.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(open.map((socket) => new Promise((resolve) => socket.once('close', resolve)))),
      new Promise((resolve) => (timer = setTimeout(resolve, LINGER_MS))),
    ]);
    clearTimeout(timer);
    for (const socket of this.#sockets) socket.destroy();
  }

  /** Closes the listener (and, for Unix sockets, removes its file). */
  override async serverClose(): Promise<void> {
    const server = this.socket;
    if (!server?.listening) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/**
 * UnixStreamServer serves stream connections on a Unix socket; `serverAddress` is its path.
 * Like Python, it does not remove a stale socket file before binding; `serverClose()`
 * removes the file.
 */
export class UnixStreamServer<Self = unknown> extends TCPServer<ServerSelf<Self, UnixStreamServer>> {
  /** Only assigns; its own so that `typeof UnixStreamServer` is a `typeof TCPServer`. */
  constructor(serverAddress: Address, RequestHandlerClass: ServerHandlerClass<Self, UnixStreamServer>, options?: ServerOptions) {
    super(serverAddress, RequestHandlerClass as RequestHandlerClass, options);
  }

  protected override clientAddressOf(socket: Socket): Address {
    return socket.remoteAddress ?? '';
  }
}

function ignore(): void {}

/** The raw connection under a TLS socket that `tls.Server` made from it. */
function parentOf(socket: tls.TLSSocket): Socket {
  return (socket as unknown as { _parent?: Socket })._parent ?? socket;
}

function closeIdle(this: Socket): void {
  this.destroy();
}
