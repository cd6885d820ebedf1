/** Port of `socketserver.TCPServer` and `socketserver.UnixStreamServer`. */
import * as net from 'node:net';
import type { Socket } from 'node:net';
import * as tls from 'node:tls';
import type { RequestHandlerClass, ServerHandlerClass, ServerSelf } from './base-request-handler.js';
import { BaseServer } from './base-server.js';
import { readFirstByte } from './internal/first-byte.js';
import { readProxyHeader } from './internal/proxy-header-reader.js';
import { RefusalCounter, connectionsUnderLimit, descriptorLimit } from './internal/refusals.js';
import type { Address, ServerOptions } from './types.js';

/** After our FIN, how long a connection may keep sending before it is closed (RST avoidance). */
const LINGER_MS = 500;
/** Node's own TLS handshake timeout, when none is set. */
const NODE_HANDSHAKE_TIMEOUT = 120_000;
/** The content type of a TLS record that starts a handshake (RFC 8446 §5.1). */
const TLS_HANDSHAKE = 0x16;

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
  /**
   * Connections beyond this many at once are closed on arrival (`undefined`: no limit but
   * the descriptor one). Refusals are reported by `handleRefused()`, once per burst.
   *
   * **Security:** on Linux the listener also stops short of the file-descriptor limit
   * (`ulimit -n`, less an eighth kept free for files and pipes): past it, libuv would
   * accept and reset connections (`EMFILE`) with nothing logged.
   */
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
  #refusals = new RefusalCounter((count, reason) =>
    this.handleRefused(count, reason, reason === 'maxConnections' ? this.socket?.maxConnections : descriptorLimit()),
  );
  /** With TLS: the client address of each raw connection (from the PROXY header, if any). */
  #rawAddress = new WeakMap<Socket, Address>();

  constructor(
    serverAddress: Address,
    RequestHandlerClass: ServerHandlerClass<Self, TCPServer>,
    options?: ServerOptions,
  ) {
    super(serverAddress, RequestHandlerClass, options);
  }

  /** Creates the listener, binds and listens; fills `serverAddress` with the real address. */
  override async serverBind(): Promise<void> {
    this.applyOptions();
    const server = this.createListener();
    this.socket = server;
    this.#limitConnections(server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.listenOptions(), () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (error) => this.#onListenerError(error));
    const bound = server.address();
    if (bound && typeof bound === 'object') this.serverAddress = [bound.address, bound.port];
  }

  /** True once `serverBind()` has made the listener. */
  protected override isBound(): boolean {
    return this.socket !== undefined;
  }

  /**
   * Makes the `net.Server` (with TLS, a `net.Server` that hands each connection to a
   * `tls.Server` once its first byte shows a TLS handshake) and routes its connections.
   * May be overridden.
   *
   * **Security:** with TLS, a non-zero `idleTimeout` also bounds the handshake (Node's
   * default is 120 s), unless the `tls` options set `handshakeTimeout` themselves; the wait
   * for the first byte is bounded by the same time.
   */
  protected createListener(): net.Server {
    const options = { allowHalfOpen: true, noDelay: true };
    if (this.tls) {
      const handshake = this.idleTimeout > 0 ? { handshakeTimeout: this.idleTimeout } : {};
      const secure = tls.createServer({ ...options, ...handshake, ...this.tls });
      secure.on('secureConnection', (socket) => this.#onConnection(socket, this.#rawAddress.get(parentOf(socket))));
      secure.on('tlsClientError', (_error, socket) => socket.destroy());
      const timeout = this.tls.handshakeTimeout ?? handshake.handshakeTimeout ?? NODE_HANDSHAKE_TIMEOUT;
      // The PROXY header comes before the TLS handshake: read it, then hand the rest to TLS.
      if (this.proxyProtocol) return net.createServer(options, (socket) => this.#onProxied(socket, secure, timeout));
      return net.createServer(options, (socket) => this.#onRaw(socket, secure, timeout, this.clientAddressOf(socket)));
    }
    if (this.proxyProtocol) return net.createServer(options, (socket) => this.#onProxied(socket));
    return net.createServer(options, (socket) => this.#onConnection(socket));
  }

  /**
   * Called for a connection to a TLS listener whose first byte is not a TLS handshake
   * record: plain text (an `http://` URL for an `https://` port, say). The default closes
   * it. May be overridden.
   */
  protected handleNotTLS(socket: Socket, _clientAddress: Address): void {
    socket.destroy();
  }

  /**
   * Reports connections refused in a burst: over `maxConnections` (`reason`
   * `'maxConnections'`) or for want of file descriptors (`'descriptors'`; `EMFILE`,
   * `ENFILE`). Called at a burst's first refusal (`count` 1), then once when it has been
   * quiet for a second, with the rest of its count. The default writes one line to stderr.
   * May be overridden.
   */
  protected handleRefused(count: number, reason: 'maxConnections' | 'descriptors', limit: number | undefined): void {
    const what = count === 1 ? '1 connection' : `${count} connections`;
    const why =
      reason === 'maxConnections'
        ? `${limit} connections open: the connection limit (maxConnections) is reached`
        : `out of file descriptors${limit === undefined ? '' : ` (ulimit -n ${limit})`}`;
    process.stderr.write(`${logStamp()}refused ${what}: ${why}\n`);
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

  /** Caps the listener at `maxConnections` and below the descriptor limit; counts refusals. */
  #limitConnections(server: net.Server): void {
    const fds = descriptorLimit();
    const underFds = fds === undefined ? Infinity : connectionsUnderLimit(fds);
    const cap = Math.min(this.maxConnections ?? Infinity, underFds);
    if (cap === Infinity) return;
    server.maxConnections = cap;
    const reason = cap === this.maxConnections ? 'maxConnections' : 'descriptors';
    server.on('drop', () => this.#refusals.note(reason));
  }

  /** A listener error: accept failures for want of descriptors are counted, others go to `handleError()`. */
  #onListenerError(error: NodeJS.ErrnoException): void {
    if (error.code === 'EMFILE' || error.code === 'ENFILE') this.#refusals.note('descriptors');
    else this.handleError(undefined as never, this.serverAddress, error);
  }

  #onConnection(socket: Socket, clientAddress?: Address): void {
    socket.on('error', ignore); // a reset before the handler listens must not crash the process
    this.#sockets.add(socket);
    socket.once('close', () => this.#sockets.delete(socket));
    if (this.idleTimeout > 0) socket.setTimeout(this.idleTimeout, closeIdle);
    this.acceptRequest(socket, clientAddress ?? this.clientAddressOf(socket));
  }

  /** Reads the PROXY header (closing the connection if it is bad or late), then serves. */
  #onProxied(socket: Socket, secure?: tls.Server, handshakeTimeout = 0): void {
    this.#track(socket);
    readProxyHeader(socket, this.proxyHeaderTimeout).then(
      (header) => {
        const address = header.source ?? this.clientAddressOf(socket);
        if (this.shuttingDown) socket.destroy();
        else if (!secure) this.#onConnection(socket, address);
        else this.#onRaw(socket, secure, handshakeTimeout, address);
      },
      () => socket.destroy(),
    );
  }

  /** With TLS: waits for the first byte; a handshake goes to `secure`, anything else to `handleNotTLS()`. */
  #onRaw(socket: Socket, secure: tls.Server, timeout: number, address: Address): void {
    this.#track(socket);
    readFirstByte(socket, timeout).then(
      (first) => {
        if (this.shuttingDown) socket.destroy();
        else if (first === TLS_HANDSHAKE) {
          this.#rawAddress.set(socket, address);
          secure.emit('connection', socket);
        } else this.handleNotTLS(socket, address);
      },
      () => socket.destroy(),
    );
  }

  #track(socket: Socket): void {
    if (this.#sockets.has(socket)) return;
    socket.on('error', ignore); // a reset before the handler listens must not crash the process
    this.#sockets.add(socket);
    socket.once('close', () => this.#sockets.delete(socket));
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
    this.#refusals.stop();
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
  constructor(
    serverAddress: Address,
    RequestHandlerClass: ServerHandlerClass<Self, UnixStreamServer>,
    options?: ServerOptions,
  ) {
    super(serverAddress, RequestHandlerClass as RequestHandlerClass, options);
  }

  protected override clientAddressOf(socket: Socket): Address {
    return socket.remoteAddress ?? '';
  }
}

function ignore(): void {}

/** `[05/Dec/2026 00:30:00] `: the local time as Python's `log_date_time_string`. */
function logStamp(): string {
  const now = new Date();
  const two = (n: number) => String(n).padStart(2, '0');
  const month = now.toLocaleString('en-US', { month: 'short' });
  return `[${two(now.getDate())}/${month}/${now.getFullYear()} ${two(now.getHours())}:${two(now.getMinutes())}:${two(now.getSeconds())}] `;
}

/** The raw connection under a TLS socket that `tls.Server` made from it. */
function parentOf(socket: tls.TLSSocket): Socket {
  return (socket as unknown as { _parent?: Socket })._parent ?? socket;
}

function closeIdle(this: Socket): void {
  this.destroy();
}
