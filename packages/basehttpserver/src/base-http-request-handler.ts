/** Port of `http.server.BaseHTTPRequestHandler`. */
import type { Address } from '@httpstack/socketserver';
import { HTTPMessage } from './http-message.js';
import { HTTPRequestError } from './http-request-error.js';
import type { HTTPServer } from './http-server.js';
import { BodyReader } from './internal/body-reader.js';
import { RequestHead, requestPath } from './internal/head-parser.js';
import { forwardedClient } from './internal/forwarded.js';
import { EOF, HeadReader, HeadTimeout, LINE, TOO_LONG } from './internal/head-reader.js';
import { HTTPResponseWriter } from './internal/http-response-writer.js';
import { WatchedWriter } from './internal/write-timeout.js';
import { dispatchName } from './internal/caches.js';
import { hasToken, pyRepr } from './internal/text.js';

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
}

/**
 * BaseHTTPRequestHandler parses HTTP/1.x requests on a stream connection and dispatches
 * each to the method `do_<COMMAND>` (`do_GET`, `do_POST`, …), which the subclass defines.
 *
 * Methods for the caller (the server): `handle()`.
 * Methods that may be overridden: `handleOneRequest()`, `parseRequest()`,
 * `handleExpect100()`, `sendError()`, `logRequest()`, `logError()`, `logMessage()`,
 * `versionString()`, `dateTimeString()`, `logDateTimeString()`, `addressString()`.
 * For derived classes: `sendResponse()`, `sendResponseOnly()`, `sendHeader()`,
 * `endHeaders()`, `flushHeaders()`, `body()`, `readBody()`, and the request fields
 * `command`, `path`, `requestVersion`, `headers`, `requestline`, `closeConnection`.
 * Fields that may be overridden: `serverVersion`, `sysVersion`, `errorMessageFormat`,
 * `errorContentType`, `protocolVersion`, `defaultRequestVersion`, `MessageClass`,
 * `responses`, `maxBodySize`, the size limits and the timeouts.
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

  #peer: Address | undefined;
  #reader: HeadReader | undefined;
  #request: RequestHead | undefined;
  #body: BodyReader | undefined;
  #bodyStart = 0;
  #loop: RequestLoop | undefined;

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

  /**
   * Serves requests until the connection is to be closed: calls `handleOneRequest()` for
   * each, as Python's loop does, but driven by the connection's input: a request whose
   * head is already buffered is served within the event that brought it, without a
   * promise unless the `do_*` method returns one.
   */
  override handle(): Promise<void> {
    this.closeConnection = true;
    const reader = (this.#reader ??= new HeadReader(this));
    return new Promise<void>((resolve, reject) => {
      const next = () => (this.closeConnection ? this.#endLoop() : this.#serve());
      this.#loop = {
        resolve,
        reject,
        onRequestBytes: () => this.#requestArrived(),
        onHandled: next,
        onRequestDone: () => {
          this.#endRequest(reader);
          next();
        },
        onRequestFailed: (error) => {
          try {
            this.#requestFailed(reader, error);
          } catch (rethrown) {
            return reject(rethrown);
          }
          next();
        },
      };
      this.#serve();
    });
  }

  /** Serves the buffered requests in turn; returns when one is pending or input is awaited. */
  #serve(): void {
    const loop = this.#loop!;
    const reader = this.#reader!;
    // Python's loop calls `handleOneRequest()`; its own is entered below its promise (one hop less).
    const own = this.handleOneRequest === BaseHTTPRequestHandler.prototype.handleOneRequest;
    try {
      while (this.rfile.buffered > 0) {
        if (own) {
          const pending = this.#beginRequest(reader);
          if (pending !== undefined) return void pending.then(loop.onRequestDone, loop.onRequestFailed);
        } else {
          const pending = this.handleOneRequest();
          if (pending !== undefined) return void pending.then(loop.onHandled, loop.reject);
        }
        if (this.closeConnection) return this.#endLoop();
      }
      // Idle between requests: no promise, no async frame (memory per connection).
      if (this.server.shuttingDown || this.rfile.sourceEnded) return this.#endLoop();
      reader.awaitRequest(loop.onRequestBytes);
    } catch (error) {
      loop.reject(error);
    }
  }

  #requestArrived(): void {
    this.idle = false;
    const reader = this.#reader!;
    if (reader.timedOut || this.rfile.buffered === 0) return this.#endLoop();
    reader.clearIdleTimer();
    this.#serve();
  }

  #endLoop(): void {
    this.#reader!.clearTimer();
    this.#loop!.resolve();
  }

  /**
   * Reads, parses and dispatches one request; answers protocol faults itself. Returns a
   * promise only when the request could not be served at once (its head is not all
   * buffered, or the `do_*` method returned a promise). An override may be async. May be
   * overridden.
   */
  handleOneRequest(): void | Promise<void> {
    const reader = (this.#reader ??= new HeadReader(this));
    const pending = this.#beginRequest(reader);
    if (pending === undefined) return;
    return pending.then(() => this.#endRequest(reader), (error) => this.#requestFailed(reader, error));
  }

  /**
   * Serves one request. Ends it and returns nothing when it is done at once; otherwise
   * returns the promise it waits on, and the caller ends it (`#endRequest` once settled,
   * `#requestFailed` on rejection).
   */
  #beginRequest(reader: HeadReader): Promise<unknown> | undefined {
    let pending: void | PromiseLike<unknown>;
    try {
      pending = this.#serveRequest(reader);
    } catch (error) {
      this.#requestFailed(reader, error);
      return undefined;
    }
    if (pending === undefined) {
      this.#endRequest(reader);
      return undefined;
    }
    return pending instanceof Promise ? pending : Promise.resolve(pending);
  }

  /** The request line, then `#dispatch`; a promise only when the line is not all buffered. */
  #serveRequest(reader: HeadReader): void | PromiseLike<unknown> {
    const found = reader.readRequestLine();
    if (typeof found !== 'number') return found.then((line) => this.#parseAndDispatch(reader, line));
    return this.#parseAndDispatch(reader, found);
  }

  #parseAndDispatch(reader: HeadReader, found: number): void | PromiseLike<unknown> {
    if (found !== LINE) return this.#noRequestLine(found);
    const parsed = this.parseRequest();
    if (typeof parsed !== 'boolean') return parsed.then((ok) => this.#dispatch(reader, ok));
    return this.#dispatch(reader, parsed);
  }

  /** Calls `do_<command>`; then drains a body it left unread. */
  #dispatch(reader: HeadReader, ok: boolean): void | PromiseLike<unknown> {
    reader.clearTimer(); // the head is in: its deadline no longer applies
    if (!ok) return;
    const method = dispatchMethod(this as unknown as Dispatch, this.command);
    if (typeof method !== 'function') return this.sendError(501, `Unsupported method (${pyRepr(this.command)})`);
    const request = this.#request!;
    // Pipelined requests already buffered behind this one: their answers leave together.
    const body = request.chunked ? 0 : Math.max(0, request.contentLength);
    if (this.rfile.buffered > body) this.wfile.hold();
    const result: unknown = method.call(this);
    if (isThenable(result)) return request.hasBody ? result.then(() => this.#finishBody()) : result;
    if (request.hasBody && !this.closeConnection) return this.#finishBody();
  }

  #noRequestLine(found: number): void {
    this.closeConnection = true;
    if (found === EOF) return;
    this.requestline = '';
    this.command = '';
    this.requestVersion = this.defaultRequestVersion;
    if (found === TOO_LONG) this.sendError(414);
    else this.sendError(400, 'Incomplete request line');
  }

  /**
   * Parses the request line and header fields into `command`, `path`, `requestVersion`,
   * `headers`; checks them; handles `Expect: 100-continue`. Returns false after sending
   * the error response itself when the request is refused. May be overridden.
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
    this.command = '';
    this.requestVersion = this.defaultRequestVersion;
    this.closeConnection = true;
    const reader = this.#reader!;
    const head = new RequestHead(new this.MessageClass());
    this.#request = head;
    this.headers = head.message;
    const lineOk = head.parseRequestLine(reader.buf, reader.lineStart, reader.lineEnd);
    this.requestline = head.requestline;
    if (!lineOk) return this.#refuse(head);
    this.requestVersion = head.version;
    if (head.version === 'HTTP/1.1' && this.protocolVersion >= 'HTTP/1.1') this.closeConnection = false;
    this.command = head.method;
    this.path = requestPath(head.target);
    if (head.version === 'HTTP/0.9') {
      reader.endSimpleRequest();
      return true;
    }
    const fields = reader.readFields(head);
    return typeof fields === 'boolean' ? this.#checkHead(head, fields) : fields.then((done) => this.#checkHead(head, done));
  }

  /** The rest of `parseRequest` once the fields are in: framing, `Connection`, `Expect`. */
  #checkHead(head: RequestHead, fieldsOk: boolean): boolean | Promise<boolean> {
    if (!fieldsOk || !head.finish()) return this.#refuse(head);
    if ((this.server as Partial<HTTPServer>).trustedProxies?.length) this.#applyForwarded(head.message);
    if (head.hasBody) this.#bodyStart = this.request.bytesRead - this.rfile.buffered;
    this.#applyConnection(head.connection);
    const expect = head.expect;
    if (expect !== undefined && expect.toLowerCase() === '100-continue' &&
      this.protocolVersion >= 'HTTP/1.1' && this.requestVersion >= 'HTTP/1.1') {
      return this.handleExpect100();
    }
    return true;
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
    this.sendError(error.status, error.message, error.explain);
    return false;
  }

  /** `Connection: close` / `keep-alive` (a token list, RFC 9110 §7.6.1). */
  #applyConnection(value: string | undefined): void {
    if (value === undefined) return;
    const tokens = value.toLowerCase();
    if (hasToken(tokens, 'close')) this.closeConnection = true;
    else if (hasToken(tokens, 'keep-alive') && this.protocolVersion >= 'HTTP/1.1') this.closeConnection = false;
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
   * **Security:** throws `HTTPRequestError` with status 413 past `maxBodySize` bytes, 400
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
    const reader = new BodyReader(this.rfile, length, head?.chunked ?? false, this.maxBodySize, this.bodyTimeout);
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

  #requestFailed(reader: HeadReader, error: unknown): void {
    try {
      this.#failed(error);
    } finally {
      this.#endRequest(reader);
    }
  }

  #endRequest(reader: HeadReader): void {
    this.endResponse();
    const wfile = this.wfile;
    // The answers to pipelined requests leave together, once none is left to serve.
    if (wfile.held && (this.rfile.buffered === 0 || this.closeConnection)) wfile.release();
    // Bytes written to the socket directly (not through `wfile`) that it could not take yet.
    if (this.request.writableLength > 0 && wfile instanceof WatchedWriter) wfile.watch();
    reader.reset();
    this.#request = undefined;
    this.#body = undefined;
  }
}

// Python's class attributes: defaults on the prototype (no memory per connection); a
// subclass overrides them with a field (`protocolVersion = 'HTTP/1.1'`) or an assignment.
Object.assign(BaseHTTPRequestHandler.prototype, {
  MessageClass: HTTPMessage,
  defaultRequestVersion: 'HTTP/1.0',
  maxBodySize: 1024 * 1024,
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

/** How `handle()` ends, and what wakes it when the next request's bytes arrive. */
interface RequestLoop {
  resolve(): void;
  reject(error: unknown): void;
  onRequestBytes(): void;
  /** After an overriding `handleOneRequest()` settled. */
  onHandled(): void;
  /** After a request of the handler's own `handleOneRequest()` settled. */
  onRequestDone(): void;
  onRequestFailed(error: unknown): void;
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
    case 'GET': return handler.do_GET;
    case 'HEAD': return handler.do_HEAD;
    case 'POST': return handler.do_POST;
    default: return handler[dispatchName(command)];
  }
}
