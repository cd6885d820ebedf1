/** Port of `http.server.HTTPServer` (and of the `HTTPSServer` of Python 3.14). */
import { promises as dns } from 'node:dns';
import { hostname } from 'node:os';
import type { BlockList, Socket } from 'node:net';
import {
  TCPServer,
  type Address,
  type RequestHandlerClass,
  type ServerHandlerClass,
  type ServerOptions,
  type ServerSelf,
} from '@httpstack/socketserver';
import { isTrusted, trustedProxyList, type ForwardedHeader } from './internal/forwarded.js';
import { answerPlainHTTP, httpsOptions, plainHTTPLogLine } from './internal/https-defaults.js';

/** How long `serverBind()` waits for the reverse lookup of the bound address. */
const NAME_LOOKUP_MS = 1000;
/** `BaseHTTPRequestHandler.headTimeout`'s default, for a handler class that declares none. */
const DEFAULT_HEAD_TIMEOUT = 30_000;

/** Options of an `HTTPServer`: those of `TCPServer`, plus the trusted proxies. */
export interface HTTPServerOptions extends ServerOptions {
  /** Proxies (IP addresses and CIDR blocks) whose forwarding headers are believed. Default: none. */
  trustedProxies?: string[];
  /** The header those proxies write: `'x-forwarded-for'` (default) or `'forwarded'` (RFC 7239). */
  forwardedHeader?: ForwardedHeader;
}

/**
 * HTTPServer is a `TCPServer` that remembers its name and port after binding, for
 * handlers that build URLs (and for CGI's `SERVER_NAME` / `SERVER_PORT`).
 *
 * **Differs from Python:** `serverName` comes from a reverse lookup of the bound address
 * bounded to one second (the host name for a wildcard address), not a blocking
 * `socket.getfqdn()`. Serves connections concurrently, like Python's `ThreadingHTTPServer`.
 */
export class HTTPServer<Self = unknown> extends TCPServer<ServerSelf<Self, HTTPServer>> {
  /** The server's host name, set by `serverBind()`. */
  serverName = '';
  /** The port the server listens on, set by `serverBind()`. */
  serverPort = 0;
  /**
   * Proxies (IP addresses and CIDR blocks such as `'10.0.0.0/8'`) whose forwarding headers
   * set the handler's `clientAddress`. Default: none — the headers are then never believed.
   *
   * **Security:** list only the proxies in front of this server. A request from one of
   * them gets the client named by `forwardedHeader`, read right to left: the first
   * address that is not a trusted proxy is the client, so a client cannot pass itself off
   * as another by sending the header itself.
   */
  trustedProxies: string[] = [];
  /**
   * The header the trusted proxies write: `'x-forwarded-for'` (with `X-Forwarded-Proto`;
   * nginx, HAProxy, most load balancers) or `'forwarded'` (RFC 7239). The other header is
   * ignored: a client could have sent it.
   */
  forwardedHeader: ForwardedHeader = 'x-forwarded-for';
  #trusted: { entries: string[]; list: BlockList } | undefined;

  /** Only assigns, as every server constructor. */
  constructor(
    serverAddress: Address,
    RequestHandlerClass: ServerHandlerClass<Self, HTTPServer>,
    options?: HTTPServerOptions,
  ) {
    super(serverAddress, RequestHandlerClass as RequestHandlerClass, options); // checked against Self above
  }

  /** Binds and listens as `TCPServer` does, then sets `serverName` and `serverPort`. */
  override async serverBind(): Promise<void> {
    this.applyOptions();
    this.trustedProxyList(); // a bad entry throws here, not on the first request
    if (this.forwardedHeader !== 'x-forwarded-for' && this.forwardedHeader !== 'forwarded') {
      throw new TypeError(
        `forwardedHeader must be 'x-forwarded-for' or 'forwarded', got ${String(this.forwardedHeader)}`,
      );
    }
    await super.serverBind();
    const address = this.serverAddress;
    if (typeof address === 'string') {
      this.serverName = address;
      return;
    }
    const [host, port] = address;
    this.serverPort = port;
    this.serverName = await fqdn(host, port);
  }

  /** Whether `host` (a peer address) is one of `trustedProxies`. */
  isTrustedProxy(host: string): boolean {
    return this.trustedProxies.length > 0 && isTrusted(this.trustedProxyList(), host);
  }

  /** The matcher of `trustedProxies`, rebuilt when the list is replaced. */
  protected trustedProxyList(): BlockList {
    if (this.#trusted?.entries !== this.trustedProxies) {
      this.#trusted = { entries: this.trustedProxies, list: trustedProxyList(this.trustedProxies) };
    }
    return this.#trusted.list;
  }

  /** Also copies the `trustedProxies` and `forwardedHeader` options. */
  protected override applyOptions(): void {
    super.applyOptions();
    const { trustedProxies, forwardedHeader } = this.options as HTTPServerOptions;
    if (trustedProxies !== undefined) this.trustedProxies = trustedProxies;
    if (forwardedHeader !== undefined) this.forwardedHeader = forwardedHeader;
  }
}

/**
 * HTTPSServer is an `HTTPServer` that speaks TLS: the `tls` option (`node:tls` secure
 * context options such as `cert` and `key`) is required.
 *
 * **Security:** under the options given (which win) it sets a modern default, as nginx's:
 * ALPN `http/1.1`; TLS 1.2 at least; forward-secret AEAD suites only (every TLS 1.3
 * suite, ECDHE with AES-GCM or ChaCha20-Poly1305 for TLS 1.2); client-initiated
 * renegotiation refused; a handshake bounded by the handler's `headTimeout` (Node's own
 * default is 120 s). Plain HTTP sent to the port gets a clear-text `400 The plain HTTP
 * request was sent to HTTPS port`, and a log line.
 *
 * **Differs from Python:** Python 3.14 takes `ssl.create_default_context()`'s settings and
 * closes a plain-HTTP connection with nothing sent.
 */
export class HTTPSServer<Self = unknown> extends HTTPServer<ServerSelf<Self, HTTPSServer>> {
  /** Only assigns; its own so that `typeof HTTPSServer` is a `typeof HTTPServer`. */
  constructor(
    serverAddress: Address,
    RequestHandlerClass: ServerHandlerClass<Self, HTTPSServer>,
    options?: HTTPServerOptions,
  ) {
    super(serverAddress, RequestHandlerClass as RequestHandlerClass, options);
  }

  /** Binds as `HTTPServer` does; throws `TypeError` when no `tls` option was given. */
  override async serverBind(): Promise<void> {
    if (!this.options.tls && !this.tls) throw new TypeError('HTTPSServer needs the tls option (cert and key)');
    await super.serverBind();
  }

  /** Also puts the TLS defaults under the `tls` options. */
  protected override applyOptions(): void {
    super.applyOptions();
    if (this.tls) this.tls = httpsOptions(this.tls, handlerHeadTimeout(this.RequestHandlerClass));
  }

  /** Answers plain HTTP on the TLS port with a `400` that says so, and logs it. May be overridden. */
  protected override handleNotTLS(socket: Socket, clientAddress: Address): void {
    answerPlainHTTP(socket, (open) => this.shutdownRequest(open));
    process.stderr.write(plainHTTPLogLine(typeof clientAddress === 'string' ? clientAddress : clientAddress[0]));
  }
}

/** The `headTimeout` a handler class declares (on its prototype), or the base default. */
function handlerHeadTimeout(Handler: RequestHandlerClass): number {
  const value = (Handler.prototype as { headTimeout?: unknown }).headTimeout;
  return typeof value === 'number' && value > 0 ? value : DEFAULT_HEAD_TIMEOUT;
}

async function fqdn(host: string, port: number): Promise<string> {
  if (host === '' || host === '0.0.0.0' || host === '::') return hostname();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => (timer = setTimeout(() => resolve(host), NAME_LOOKUP_MS)));
  try {
    return await Promise.race([
      dns.lookupService(host, port).then(
        (found) => found.hostname,
        () => host,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
