/** Port of `http.server.BaseHTTPRequestHandler`. */
import type { Address } from '@httpstack/socketserver';
import type { BasicCredentials } from './basic-credentials.js';
import { HTTPMessage } from './http-message.js';
import { HTTPRequestError } from './http-request-error.js';
import type { HTTPServer } from './http-server.js';
import { authorize } from './internal/authorize.js';
import { BodyReader } from './internal/body-reader.js';
import type { RequestHead } from './internal/head-parser.js';
import { requestPath } from './request-target.js';
import { forwardedClient } from './internal/forwarded.js';
import { HeadReader, HeadTimeout } from './internal/head-reader.js';
import { HTTPResponseWriter } from './http-response-writer.js';
import { WatchedWriter } from './internal/write-timeout.js';
import { dispatchName } from './internal/caches.js';
import { capEcho, hasToken, pyRepr } from './internal/text.js';

/** An unread body up to this size is drained to keep the connection; beyond, it is closed. */
const DRAIN_LIMIT = 64 * 1024;

/**
 * Python's class attributes of `BaseHTTPRequestHandler`, declared here and given their
 * defaults on the prototype (see the end of this file): a subclass field, an assignment on
 * the instance (also per request, in a hook) or a getter in a subclass each take effect
 * on the next request.
 */
export interface BaseHTTPRequestHandler<S extends HTTPServer = HTTPServer> extends HTTPResponseWriter<S> {
  /** Version assumed until the request line is parsed (error responses before that). May be overridden. */
  defaultRequestVersion: string;
  /** Class of `headers`. May be overridden. */
  MessageClass: new () => HTTPMessage;
  /** Largest body `body()` / `readBody()` accept, in bytes (413 beyond). May be overridden. */
  maxBodySize: number;
  /** Longest request line in bytes (414 beyond). May be overridden. */
  maxRequestLineSize: number;
  /** Longest header line in bytes (431 beyond). May be overridden. */
  maxHeaderLineSize: number;
  /** Most header lines in one request (431 beyond). May be overridden. */
  maxHeaders: number;
  /** Most bytes of header lines in one request (431 beyond). May be overridden. */
  maxHeadSize: number;
  /** The request head must arrive within this many ms of the connection or of the previous response. May be overridden. */
  headTimeout: number;
  /** A body read waits at most this many ms for more bytes (408 beyond). May be overridden. */
  bodyTimeout: number;
  /** An idle keep-alive connection is closed after this many ms. May be overridden. */
  keepAliveTimeout: number;
  /**
   * A connection whose response bytes make no progress for this many ms (the client stopped
   * reading) is closed; 0 turns it off. May be overridden.
   *
   * **Security:** without it, a client that never reads holds its handler and connection
   * forever (memory stays bounded by backpressure). Armed the first time a response write
   * has to wait for the connection (through `wfile`, or left unsent at the end of a
   * request); not armed when the socket core's `idleTimeout` or the handler's `timeout`
   * already bounds the connection.
   */
  writeTimeout: number;
  /**
   * Realm of the HTTP Basic authentication every request must pass (`null`, the default:
   * none). When set, `parseRequest()` answers a request without valid credentials with 401
   * and `WWW-Authenticate`, before any `do_*` method runs: static files, listings, CGI
   * scripts and uploads alike. May be overridden.
   *
   * **Security:** Basic credentials cross the network in clear text unless the connection
   * is TLS (`HTTPSServer`).
   */
  authRealm: string | null;
  /** Accounts the default `authenticate()` accepts (`null`, the default: none). May be overridden. */
  credentials: BasicCredentials | null;
}

/**
 * BaseHTTPRequestHandler parses HTTP/1.x requests on a stream connection and dispatches
 * each to the method `do_<COMMAND>` (`do_GET`, `do_POST`, …), which the subclass defines.
 *
 * Methods for the caller (the server): `handle()`.
 * Methods that may be overridden: `handleOneRequest()`, `parseRequest()`,
 * `handleExpect100()`, `bodyLimit()`, `authenticate()`, `sendError()`, `logRequest()`, `logError()`, `logMessage()`,
 * `versionString()`, `dateTimeString()`, `logDateTimeString()`, `addressString()`.
 * For derived classes: `sendResponse()`, `sendResponseOnly()`, `sendHeader()`,
 * `endHeaders()`, `flushHeaders()`, `body()`, `readBody()`, and the request fields
 * `command`, `path`, `requestVersion`, `headers`, `requestline`, `closeConnection`.
 * Fields that may be overridden: `serverVersion`, `sysVersion`, `errorMessageFormat`,
 * `errorContentType`, `protocolVersion`, `defaultRequestVersion`, `MessageClass`,
 * `responses`, `maxBodySize`, `authRealm`, `credentials`, the size limits and the timeouts.
 *
 * **Differs from Python:** `do_*` methods may be async; parsing is strict (RFC 9112: a
 * framing ambiguity is a 400 and the connection is closed); every error response has a
 * status line (`defaultRequestVersion` is `'HTTP/1.0'`); the request head and idle
 * keep-alive connections are bounded in time; response heads are written together with
 * small bodies in one socket write.
 */
export class BaseHTTPRequestHandler<S extends HTTPServer = HTTPServer> extends HTTPResponseWriter<S> {
  /** The request target's path and query (`'/a?b=1'`); for an absolute-form target, its path. */
  path = '';
  /** The request's header fields. */
  headers: HTTPMessage = EMPTY_MESSAGE;

  /**
   * The scheme the client used (`'http'`/`'https'`) as a trusted proxy reported it
   * (`X-Forwarded-Proto`, or `proto=` of `Forwarded`); undefined when no trusted proxy said.
   */
  declare forwardedProto: 'http' | 'https' | undefined;

  /** The user `authenticate()` accepted for the current request, or `undefined`. */
  declare authenticatedUser: string | undefined;

  #peer: Address | undefined;
  #reader: HeadReader | undefined;
  #request: RequestHead | undefined;
  #body: BodyReader | undefined;
  #bodyStart = 0;
  #loop: RequestLoop | undefined;
  /** The promise the last `handleOneRequest()` returned, until it settles. */
  #inFlight: Promise<void> | undefined;
  /** Whether `handle()`'s loop goes on from `#inFlight`'s own settling (one reaction, not two). */
  #resumeAfter = false;

  /**
   * The connection's own peer: `clientAddress` before any forwarding header replaced it
   * (the proxy, when the server's `trustedProxies` let a header name the client).
   */
  get peerAddress(): Address {
    return this.#peer ?? this.clientAddress;
  }

  /** Makes `rfile` and `wfile`; `wfile` arms the write timeout when a write backs up. */
  override async setup(): Promise<void> {
    await super.setup();
    this.wfile = new WatchedWriter(this.request, this);
  }

  // --- the request loop: handle → handleOneRequest → parseRequest → do_<COMMAND> -----------

  /**
   * Serves requests until the connection is to be closed, as Python's `handle()`:
   * `closeConnection = true`, `handleOneRequest()`, then `handleOneRequest()` again while
   * `closeConnection` is false. Between requests it waits for the next one's first bytes
   * with a callback on `rfile` (no promise, no async frame for an idle connection); a
   * request whose head is buffered is served within the event that brought it.
   */
  override handle(): Promise<void> {
    this.closeConnection = true;
    this.#reader ??= new HeadReader(this.rfile);
    return new Promise<void>((resolve, reject) => {
      this.#loop = {
        resolve,
        reject,
        onInput: () => this.#inputArrived(),
        onHandled: () => (this.closeConnection ? this.#endLoop() : this.#handleRequests()),
      };
      this.#handleRequests();
    });
  }

  /** `handleOneRequest()` once, then while `closeConnection` is false; returns when one is pending. */
  #handleRequests(): void {
    const loop = this.#loop!;
    try {
      do {
        if (this.rfile.buffered === 0) return this.#awaitRequest();
        const pending = this.handleOneRequest();
        if (pending !== undefined) {
          // The very promise handleOneRequest() made resumes the loop as it settles; any other
          // (an async override's) is awaited.
          if (pending === this.#inFlight) this.#resumeAfter = true;
          else pending.then(loop.onHandled, loop.reject);
          return;
        }
      } while (!this.closeConnection);
      this.#endLoop();
    } catch (error) {
      loop.reject(error);
    }
  }

  /** Idle until the next request's first bytes (Python's blocking `readline`), or its end. */
  #awaitRequest(): void {
    if (this.server.shuttingDown || this.rfile.sourceEnded) return this.#endLoop();
    this.idle = true;
    this.#reader!.awaitRequest(this, this.#loop!.onInput);
  }

  #inputArrived(): void {
    this.idle = false;
    const reader = this.#reader!;
    if (reader.timedOut || this.rfile.buffered === 0) return this.#endLoop();
    reader.clearIdleTimer();
    this.#handleRequests();
  }

  #endLoop(): void {
    this.#reader!.clearTimer();
    this.#loop!.resolve();
  }

  /**
   * Handles one request, as Python's `handle_one_request()`: reads the head, calls
   * `parseRequest()`, dispatches to `do_<command>`, then finishes the response (logs it,
   * sends what is held). Synchronous when the head is buffered and `do_*` returns no
   * promise; otherwise returns the promise it waits on. Protocol faults are answered here
   * or in `parseRequest()`; an error of the handler is answered with 500 and rethrown for
   * the server's `handleError`. An override may be async. May be overridden.
   */
  handleOneRequest(): void | Promise<void> {
    let pending: void | PromiseLike<unknown>;
    try {
      const head = this.#reader!.readHead(this, new this.MessageClass());
      pending = step(head, (read) => {
        if (read === undefined) return void (this.closeConnection = true); // no request: the connection ended
        this.#request = read;
        return step(this.parseRequest(), (ok) => (ok ? this.#dispatch() : undefined));
      });
    } catch (error) {
      return this.#requestFailed(error);
    }
    if (pending === undefined) return this.#endRequest();
    const settled = Promise.resolve(pending).then(
      () => this.#settled(undefined, false),
      (error) => this.#settled(error, true),
    );
    this.#inFlight = settled;
    return settled;
  }

  /** Ends a request that had to wait; resumes `handle()`'s loop when it waits on this one. */
  #settled(error: unknown, failed: boolean): void {
    this.#inFlight = undefined;
    const resume = this.#resumeAfter;
    this.#resumeAfter = false;
    try {
      if (failed) this.#requestFailed(error);
      else this.#endRequest();
    } catch (rethrown) {
      if (!resume) throw rethrown;
      return this.#loop!.reject(rethrown);
    }
    if (resume) this.#loop!.onHandled();
  }

  /** Calls `do_<command>`; then drains a body it left unread. */
  #dispatch(): void | PromiseLike<unknown> {
    this.#reader!.clearTimer(); // the head is in: its deadline no longer applies
    const method = dispatchMethod(this as unknown as Dispatch, this.command);
    if (typeof method !== 'function')
      return this.sendError(501, `Unsupported method (${pyRepr(capEcho(this.command))})`);
    const request = this.#request!;
    // Pipelined requests already buffered behind this one: their answers leave together.
    const body = request.chunked ? 0 : Math.max(0, request.contentLength);
    if (this.rfile.buffered > body) this.wfile.hold();
    const result: unknown = method.call(this);
    if (isThenable(result)) return request.hasBody ? result.then(() => this.#finishBody()) : result;
    if (request.hasBody && !this.closeConnection) return this.#finishBody();
  }

  /**
   * Takes the head `handleOneRequest()` read into `command`, `path`, `requestVersion`,
   * `headers`; checks it; handles `Expect: 100-continue`. Returns false after sending the
   * error response itself when the request is refused. May be overridden.
   *
   * **Security:** refuses (400, connection closed) every framing ambiguity of RFC 9112:
   * `Content-Length` with `Transfer-Encoding`, a repeated or malformed `Content-Length`,
   * a final coding other than `chunked`, `Transfer-Encoding` on HTTP/1.0, obs-fold,
   * whitespace before a colon, control characters, a missing or repeated `Host` on
   * HTTP/1.1. Limits: request line → 414; header line, header count, header bytes → 431.
   */
  parseRequest(): boolean | Promise<boolean> {
    if (this.#peer !== undefined) {
      this.clientAddress = this.#peer; // each request on a proxy's connection names its own client
      this.forwardedProto = undefined;
    }
    const head = this.#request!;
    this.command = '';
    this.requestVersion = this.defaultRequestVersion;
    this.closeConnection = true;
    this.headers = head.message;
    this.requestline = head.requestline;
    if (head.version === '') return this.#refuse(head); // the request line itself was refused
    this.requestVersion = head.version;
    if (head.version === 'HTTP/1.1' && this.protocolVersion >= 'HTTP/1.1') this.closeConnection = false;
    this.command = head.method;
    this.path = requestPath(head.target);
    if (head.version === 'HTTP/0.9') {
      if (this.authRealm === null) return true;
      this.authenticatedUser = undefined;
      return authorize(this, false); // no header can carry credentials: 401
    }
    if (head.error !== undefined || !head.finish()) return this.#refuse(head);
    if ((this.server as Partial<HTTPServer>).trustedProxies?.length) this.#applyForwarded(head.message);
    if (head.hasBody) this.#bodyStart = this.request.bytesRead - this.rfile.buffered;
    this.#applyConnection(head.connection);
    return this.#admit(head);
  }

  /**
   * `Expect: 100-continue` with a `Content-Length` over `bodyLimit()`: 413 instead of
   * `100 Continue`, so the client never sends a body that would be refused (RFC 9110 §10.1.1).
   */
  #refuseExpected(length: number, limit: number): false {
    this.sendError(413, `Request body of ${length} bytes exceeds the limit of ${limit}`);
    this.closeConnection = true;
    return false;
  }

  /** With a trusted proxy as peer: `clientAddress` and `forwardedProto` from its header. */
  #applyForwarded(headers: HTTPMessage): void {
    const server = this.server;
    const peer = this.clientAddress;
    if (typeof peer === 'string' || !server.isTrustedProxy(peer[0])) return;
    const client = forwardedClient(headers, server.forwardedHeader, (host) => server.isTrustedProxy(host));
    if (!client) return;
    this.#peer = peer;
    this.clientAddress = client.address;
    this.forwardedProto = client.proto;
  }

  #refuse(head: RequestHead): false {
    const error = head.error ?? { status: 400, message: 'Bad request' };
    this.closeConnection = true;
    this.sendError(error.status, error.message, error.explain);
    return false;
  }

  /** After the head is parsed: Basic authentication when `authRealm` is set, then `Expect`. */
  #admit(head: RequestHead): boolean | Promise<boolean> {
    if (this.authenticatedUser !== undefined) this.authenticatedUser = undefined;
    if (this.authRealm === null) return this.#expect(head);
    const admitted = authorize(this, head.hasBody);
    if (typeof admitted === 'boolean') return admitted && this.#expect(head);
    return admitted.then((ok) => ok && this.#expect(head));
  }

  #expect(head: RequestHead): boolean | Promise<boolean> {
    const expect = head.expect;
    if (
      expect !== undefined &&
      expect.toLowerCase() === '100-continue' &&
      this.protocolVersion >= 'HTTP/1.1' &&
      this.requestVersion >= 'HTTP/1.1'
    ) {
      const limit = this.bodyLimit();
      if (head.contentLength > limit) return this.#refuseExpected(head.contentLength, limit);
      return this.handleExpect100();
    }
    return true;
  }

  /**
   * Whether `password` is the password of `user`; called for each request when `authRealm`
   * is set. The default asks `credentials` (false when there are none). An override may be
   * async. **Security:** compare secrets in constant time (`crypto.timingSafeEqual`).
   * May be overridden.
   */
  authenticate(user: string, password: string): boolean | Promise<boolean> {
    return this.credentials?.verify(user, password) ?? false;
  }

  /** `Connection: close` / `keep-alive` (a token list, RFC 9110 §7.6.1). */
  #applyConnection(value: string | undefined): void {
    if (value === undefined) return;
    const tokens = value.toLowerCase();
    if (hasToken(tokens, 'close')) this.closeConnection = true;
    else if (hasToken(tokens, 'keep-alive') && this.protocolVersion >= 'HTTP/1.1') this.closeConnection = false;
  }

  /**
   * The largest body this request may carry, in bytes: `body()`, `readBody()` and the answer
   * to `Expect: 100-continue` (413 instead of `100 Continue` beyond it) use it. The default is
   * `maxBodySize`; a subclass that accepts uploads raises it for those requests. May be overridden.
   */
  bodyLimit(): number {
    return this.maxBodySize;
  }

  /**
   * Decides on `Expect: 100-continue`: the default sends `100 Continue` and returns true.
   * To refuse, send an error (e.g. `sendError(417)`) and return false. May be overridden.
   */
  handleExpect100(): boolean | Promise<boolean> {
    this.sendResponseOnly(100);
    this.endHeaders();
    return true;
  }

  // --- request body ---------------------------------------------------------------------

  /**
   * The request body, decoded from `Content-Length` or `Transfer-Encoding: chunked`, as an
   * async iterable of chunks; empty when the request has no body.
   *
   * **Security:** throws `HTTPRequestError` with status 413 past `bodyLimit()` bytes, 400
   * on malformed framing, 408 when no byte arrives for `bodyTimeout` ms.
   */
  async *body(): AsyncGenerator<Buffer, void, undefined> {
    const reader = this.#bodyReader();
    for (let piece = await reader.read(); piece !== null; piece = await reader.read()) yield piece;
  }

  /** The whole decoded request body as one Buffer (see `body()` for limits and errors). */
  async readBody(): Promise<Buffer> {
    const reader = this.#bodyReader();
    const pieces: Buffer[] = [];
    for (let piece = await reader.read(); piece !== null; piece = await reader.read()) pieces.push(piece);
    return pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces);
  }

  #bodyReader(): BodyReader {
    if (this.#body) return this.#body;
    const head = this.#request;
    const length = head && head.version !== 'HTTP/0.9' ? head.contentLength : 0;
    const reader = new BodyReader(this.rfile, length, head?.chunked ?? false, this.bodyLimit(), this.bodyTimeout);
    reader.checkDeclaredSize();
    this.#body = reader;
    return reader;
  }

  /** Drains a body the handler left unread, or marks the connection for closing. */
  async #finishBody(): Promise<void> {
    const head = this.#request;
    if (this.closeConnection || !head || !head.hasBody) return;
    const consumed = this.request.bytesRead - this.rfile.buffered - this.#bodyStart;
    try {
      if (head.chunked) {
        if (consumed !== (this.#body?.rawConsumed ?? 0)) throw new Error('body partly read from rfile');
        const reader = this.#body ?? new BodyReader(this.rfile, 0, true, DRAIN_LIMIT, this.bodyTimeout);
        if (reader.decoded > DRAIN_LIMIT) throw new Error('body too large to drain');
        await reader.skip();
      } else {
        const left = head.contentLength - consumed;
        if (left < 0 || left > DRAIN_LIMIT) throw new Error('body not drainable');
        if (left > 0) await new BodyReader(this.rfile, left, false, DRAIN_LIMIT, this.bodyTimeout).skip();
      }
    } catch {
      this.closeConnection = true;
    }
  }

  // --- failures and bookkeeping -----------------------------------------------------------

  /** Answers what went wrong in one request; rethrows what the server should log. */
  #failed(error: unknown): void {
    this.closeConnection = true;
    if (error instanceof HeadTimeout) {
      if (error.partial) {
        this.logError('Request timed out: %r', error.message);
        this.sendError(408);
      }
      return;
    }
    if (error instanceof HTTPRequestError) {
      this.sendError(error.status, error.message);
      return;
    }
    const code = (error as { code?: unknown } | null)?.code;
    if (code === 'EPIPE' || code === 'ECONNRESET' || code === 'ETIMEDOUT') return;
    if (!this.responseStarted) this.sendError(500);
    throw error;
  }

  #requestFailed(error: unknown): void {
    try {
      this.#failed(error);
    } finally {
      this.#endRequest();
    }
  }

  /** Python's `wfile.flush()` at the end of `handle_one_request`, and forgetting the request. */
  #endRequest(): void {
    this.endResponse();
    const wfile = this.wfile;
    // The answers to pipelined requests leave together, once none is left to serve.
    if (wfile.held && (this.rfile.buffered === 0 || this.closeConnection)) wfile.release();
    // Bytes written to the socket directly (not through `wfile`) that it could not take yet.
    if (this.request.writableLength > 0 && wfile instanceof WatchedWriter) wfile.watch();
    this.#reader!.reset();
    this.#request = undefined;
    this.#body = undefined;
  }
}

// Python's class attributes: defaults on the prototype (no memory per connection); a
// subclass field (`protocolVersion = 'HTTP/1.1'`), an assignment on the instance or a
// getter in a subclass overrides them.
Object.assign(BaseHTTPRequestHandler.prototype, {
  MessageClass: HTTPMessage,
  defaultRequestVersion: 'HTTP/1.0',
  maxBodySize: 1024 * 1024,
  authRealm: null,
  credentials: null,
  authenticatedUser: undefined,
  maxRequestLineSize: 64 * 1024,
  maxHeaderLineSize: 64 * 1024,
  maxHeaders: 100,
  maxHeadSize: 128 * 1024,
  headTimeout: 30_000,
  bodyTimeout: 30_000,
  keepAliveTimeout: 5_000,
  writeTimeout: 30_000,
});

const EMPTY_MESSAGE = new HTTPMessage();

type Dispatch = Record<string, unknown>;

/** How `handle()` ends, and its callbacks, made once per connection. */
interface RequestLoop {
  resolve(): void;
  reject(error: unknown): void;
  /** The next request's first bytes arrived (or the connection ended, or time is up). */
  onInput(): void;
  /** A `handleOneRequest()` that returned a promise settled. */
  onHandled(): void;
}

/** `next(value)`, at once for a value, after it settles for a promise: the loop's fast path. */
function step<T, R>(value: T | PromiseLike<T>, next: (value: T) => R): R | PromiseLike<Awaited<R>> {
  return isThenable(value) ? (value.then(next) as PromiseLike<Awaited<R>>) : next(value as T);
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}

/**
 * The handler's `do_<command>` member. The common methods are read by name, which V8
 * makes a cached property load; any other command through its (remembered) name.
 */
function dispatchMethod(handler: Dispatch, command: string): unknown {
  switch (command) {
    case 'GET':
      return handler.do_GET;
    case 'HEAD':
      return handler.do_HEAD;
    case 'POST':
      return handler.do_POST;
    default:
      return handler[dispatchName(command)];
  }
}
