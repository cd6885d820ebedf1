/** Port of `http.server.BaseHTTPRequestHandler`. */
import { StreamRequestHandler } from '@httpstack/socketserver';
import { HTTPMessage } from './http-message.js';
import { HTTPRequestError } from './http-request-error.js';
import { DEFAULT_RESPONSES } from './http-status.js';
import type { HTTPServer } from './http-server.js';
import { BodyReader } from './internal/body-reader.js';
import { isFieldValue, isHeaderName, isHeaderValue } from './internal/chars.js';
import { RequestHead } from './internal/head-parser.js';
import { EOF, HeadReader, HeadTimeout, LINE, TOO_LONG } from './internal/head-reader.js';
import { escapeControl, formatNamed, htmlEscape, httpDateNow, logDate, printf, pyRepr } from './internal/text.js';

/** Python's `DEFAULT_ERROR_MESSAGE`: the page `sendError` writes. */
export const DEFAULT_ERROR_MESSAGE = `<!DOCTYPE HTML>
<html lang="en">
    <head>
        <meta charset="utf-8">
        <title>Error response</title>
    </head>
    <body>
        <h1>Error response</h1>
        <p>Error code: %(code)d</p>
        <p>Message: %(message)s.</p>
        <p>Error code explanation: %(code)s - %(explain)s.</p>
    </body>
</html>
`;

/** Python's `DEFAULT_ERROR_CONTENT_TYPE`. */
export const DEFAULT_ERROR_CONTENT_TYPE = 'text/html;charset=utf-8';

/** An unread body up to this size is drained to keep the connection; beyond, it is closed. */
const DRAIN_LIMIT = 64 * 1024;

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
export class BaseHTTPRequestHandler<S extends HTTPServer = HTTPServer> extends StreamRequestHandler<S> {
  /** The request method (`'GET'`), `''` before one is parsed. */
  command = '';
  /** The request target's path and query (`'/a?b=1'`); for an absolute-form target, its path. */
  path = '';
  /** `'HTTP/1.1'`, `'HTTP/1.0'` or `'HTTP/0.9'` for a simple request. */
  requestVersion = '';
  /** The request's header fields. */
  headers: HTTPMessage = EMPTY_MESSAGE;
  /** The request line without its line end, as received (ISO-8859-1). */
  requestline = '';
  /** True when the connection ends after this response. */
  closeConnection = true;

  /** Server software name and version, first word of the `Server` header. May be overridden. */
  declare serverVersion: string;
  /** Runtime name and version, second word of the `Server` header. May be overridden. */
  declare sysVersion: string;
  /** Page template of `sendError`, with `%(code)d`, `%(message)s`, `%(explain)s`. May be overridden. */
  declare errorMessageFormat: string;
  /** `Content-Type` of the `sendError` page. May be overridden. */
  declare errorContentType: string;
  /** Version the server speaks; `'HTTP/1.1'` enables keep-alive and pipelining. May be overridden. */
  declare protocolVersion: string;
  /** Version assumed until the request line is parsed (error responses before that). May be overridden. */
  declare defaultRequestVersion: string;
  /** Class of `headers`. May be overridden. */
  declare MessageClass: new () => HTTPMessage;
  /** Code → `[phrase, description]` used by `sendResponse` and `sendError`. May be overridden. */
  declare responses: Readonly<Record<number, readonly [string, string]>>;
  /** Largest body `body()` / `readBody()` accept, in bytes (413 beyond). May be overridden. */
  declare maxBodySize: number;
  /** Longest request line in bytes (414 beyond). May be overridden. */
  declare maxRequestLineSize: number;
  /** Longest header line in bytes (431 beyond). May be overridden. */
  declare maxHeaderLineSize: number;
  /** Most header lines in one request (431 beyond). May be overridden. */
  declare maxHeaders: number;
  /** Most bytes of header lines in one request (431 beyond). May be overridden. */
  declare maxHeadSize: number;
  /** The request head must arrive within this many ms (of the connection or previous response). */
  declare headTimeout: number;
  /** A body read waits at most this many ms for more bytes (408 beyond). May be overridden. */
  declare bodyTimeout: number;
  /** An idle keep-alive connection is closed after this many ms. May be overridden. */
  declare keepAliveTimeout: number;

  #reader: HeadReader | undefined;
  #request: RequestHead | undefined;
  #body: BodyReader | undefined;
  #bodyStart = 0;
  #head = '';
  /** Status of the final response begun (0: none yet). */
  #status = 0;
  /** True once the head of the final response has been written. */
  #sent = false;
  #completed = false;
  #logCode = 0;
  #contentLength = '';
  #framed = false;
  #connectionSent = false;

  /** Serves requests until the connection is to be closed. */
  override async handle(): Promise<void> {
    this.closeConnection = true;
    const reader = (this.#reader ??= new HeadReader(this));
    do {
      if (this.rfile.buffered === 0) {
        // Idle between requests: one await, no async frame below this one (memory per connection).
        if (this.server.shuttingDown) return;
        try {
          await reader.awaitRequest();
        } catch {
          return;
        } finally {
          this.idle = false;
        }
        if (reader.timedOut || this.rfile.buffered === 0) return;
        reader.clearIdleTimer();
      }
      await this.handleOneRequest();
    } while (!this.closeConnection);
  }

  /**
   * Reads, parses and dispatches one request; answers protocol faults itself. May be
   * overridden.
   */
  async handleOneRequest(): Promise<void> {
    const reader = (this.#reader ??= new HeadReader(this));
    try {
      const pending = reader.readRequestLine();
      const found = typeof pending === 'number' ? pending : await pending;
      if (found !== LINE) return this.#noRequestLine(found);
      const parsed = this.parseRequest();
      const ok = typeof parsed === 'boolean' ? parsed : await parsed;
      reader.clearTimer(); // the head is in: its deadline no longer applies
      if (!ok) return;
      const method = (this as unknown as Record<string, unknown>)[`do_${this.command}`];
      if (typeof method !== 'function') return this.sendError(501, `Unsupported method (${pyRepr(this.command)})`);
      await method.call(this);
      if (this.#request!.hasBody && !this.closeConnection) await this.#finishBody();
    } catch (error) {
      this.#failed(error);
    } finally {
      this.#endRequest(reader);
    }
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
    if (head.hasBody) this.#bodyStart = this.request.bytesRead - this.rfile.buffered;
    this.#applyConnection(head.connection);
    const expect = head.expect;
    if (expect !== undefined && expect.toLowerCase() === '100-continue' &&
      this.protocolVersion >= 'HTTP/1.1' && this.requestVersion >= 'HTTP/1.1') {
      return this.handleExpect100();
    }
    return true;
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

  // --- responses -------------------------------------------------------------------------

  /**
   * Sends and logs an error response: status line, `Server`, `Date`, `Connection: close`,
   * and (but for HEAD, 1xx, 204, 205, 304) the `errorMessageFormat` page with
   * `message` and `explain` HTML-escaped. If a response has already begun, only closes
   * the connection. May be overridden.
   *
   * **Differs from Python:** the response always has a status line and headers, also to
   * an HTTP/0.9 request (`requestVersion` becomes `'HTTP/1.0'`); the access log records
   * the page's size.
   */
  sendError(code: number, message?: string, explain?: string): void {
    const [shortMessage, longMessage] = this.responses[code] ?? ['???', '???'];
    message ??= shortMessage;
    explain ??= longMessage;
    this.logError('code %d, message %s', code, message);
    if (this.#sent) {
      this.closeConnection = true;
      return;
    }
    // Every error response has a status line, even to an HTTP/0.9 request.
    if (this.requestVersion === 'HTTP/0.9') this.requestVersion = 'HTTP/1.0';
    this.#head = '';
    this.#status = 0;
    this.#completed = false;
    this.#contentLength = '';
    this.#framed = false;
    this.#connectionSent = false;
    this.sendResponse(code, message);
    this.sendHeader('Connection', 'close');
    let body: Buffer | undefined;
    if (code >= 200 && code !== 204 && code !== 205 && code !== 304) {
      const page = formatNamed(this.errorMessageFormat, { code, message: htmlEscape(message), explain: htmlEscape(explain) });
      body = Buffer.from(page, 'utf8');
      this.sendHeader('Content-Type', this.errorContentType);
      this.sendHeader('Content-Length', body.length);
    }
    this.endHeaders();
    if (this.command !== 'HEAD' && body) this.#write(body);
  }

  /**
   * Starts a response: buffers the status line, then `Server` and `Date` headers; the
   * request is logged (with the size, once known) when the head is ended.
   */
  sendResponse(code: number, message?: string): void {
    if (this.#logCode !== 0) this.#logPending();
    this.#logCode = code;
    this.sendResponseOnly(code, message);
    this.sendHeader('Server', this.versionString());
    this.sendHeader('Date', this.dateTimeString());
  }

  /** Buffers the status line only (nothing for an HTTP/0.9 request). */
  sendResponseOnly(code: number, message?: string): void {
    if (!Number.isInteger(code) || code < 100 || code > 999) throw new RangeError(`invalid status code ${code}`);
    if (code >= 200) this.#status = code;
    if (this.requestVersion === 'HTTP/0.9') return;
    message ??= this.responses[code]?.[0] ?? '';
    if (!isFieldValue(message)) throw new TypeError(`invalid reason phrase ${pyRepr(message)}`);
    this.#head += `${this.protocolVersion} ${code} ${message}\r\n`;
  }

  /**
   * Buffers one header line. `Connection: close` / `keep-alive` set `closeConnection`.
   *
   * **Security:** throws `TypeError` for a name that is not a token or a value with CR,
   * LF, NUL or another control character (no response splitting).
   */
  sendHeader(keyword: string, value: string | number): void {
    const text = typeof value === 'string' ? value : String(value);
    if (!isHeaderName(keyword)) throw new TypeError(`invalid header name ${pyRepr(keyword)}`);
    if (typeof value !== 'number' && !isHeaderValue(text)) {
      throw new TypeError(`invalid value for header ${keyword}: ${pyRepr(text)}`);
    }
    if (this.requestVersion !== 'HTTP/0.9') this.#head += `${keyword}: ${text}\r\n`;
    const length = keyword.length;
    if (length === 14) {
      if (keyword === 'Content-Length' || keyword.toLowerCase() === 'content-length') {
        this.#contentLength = text;
        this.#framed = true;
      }
    } else if (length === 10) {
      if (keyword === 'Connection' || keyword.toLowerCase() === 'connection') this.#noteConnection(text);
    } else if (length === 17) {
      if (keyword.toLowerCase() === 'transfer-encoding') this.#framed = true;
    }
  }

  #noteConnection(value: string): void {
    this.#connectionSent = true;
    const tokens = value.toLowerCase();
    if (hasToken(tokens, 'close')) this.closeConnection = true;
    else if (hasToken(tokens, 'keep-alive')) this.closeConnection = false;
  }

  /**
   * Ends the header block and writes it. For a final response, first adds what keeps
   * the connection honest: `Connection: close` when the response cannot be delimited
   * (no `Content-Length` or `Transfer-Encoding`) or the server is shutting down, and
   * `Connection: keep-alive` to an HTTP/1.0 client that is kept.
   */
  endHeaders(): void {
    if (this.requestVersion !== 'HTTP/0.9') {
      if (this.#status !== 0 && !this.#completed) {
        this.#completed = true;
        this.#completeHead();
      }
      this.#head += '\r\n';
      this.flushHeaders();
    }
    this.#logPending();
  }

  #completeHead(): void {
    let close = this.closeConnection;
    if (!close && this.server.shuttingDown) close = true;
    const status = this.#status;
    const bodyless = this.command === 'HEAD' || status === 204 || status === 304;
    if (!close && !this.#framed && !bodyless) close = true;
    if (this.#connectionSent) {
      this.closeConnection ||= close;
      return;
    }
    if (close) {
      if (!this.closeConnection || this.requestVersion === 'HTTP/1.1') this.#head += 'Connection: close\r\n';
      this.closeConnection = true;
    } else if (this.requestVersion === 'HTTP/1.0') {
      this.#head += 'Connection: keep-alive\r\n';
    }
  }

  /** Writes the buffered status line and headers to `wfile`. */
  flushHeaders(): void {
    if (this.#head === '') return;
    const head = this.#head;
    this.#head = '';
    if (this.#status !== 0) this.#sent = true;
    this.#write(head);
  }

  #write(data: string | Buffer): void {
    const wfile = this.wfile;
    if (wfile.closed) {
      this.closeConnection = true;
      return;
    }
    const done = wfile.write(data, 'latin1');
    if (this.request.writableNeedDrain) done.catch(ignore);
  }

  // --- logging ---------------------------------------------------------------------------

  /** Logs an answered request: `"GET / HTTP/1.1" 200 13`. May be overridden. */
  logRequest(code: number | string = '-', size: number | string = '-'): void {
    this.logMessage('"%s" %s %s', this.requestline, String(code), String(size));
  }

  /** Logs an error; the default passes it to `logMessage`. May be overridden. */
  logError(format: string, ...args: unknown[]): void {
    this.logMessage(format, ...args);
  }

  /**
   * Writes one log line to stderr: client address, time, then `format` with `args`
   * (`%s`, `%d`, `%r`), control characters escaped as `\xNN`. The one place to redirect
   * or silence the log. May be overridden.
   */
  logMessage(format: string, ...args: unknown[]): void {
    const message = escapeControl(printf(format, args));
    process.stderr.write(`${this.addressString()} - - [${this.logDateTimeString()}] ${message}\n`);
  }

  #logPending(): void {
    const code = this.#logCode;
    if (code === 0) return;
    this.#logCode = 0;
    this.logRequest(code, this.#contentLength === '' ? '-' : this.#contentLength);
  }

  /** The `Server` header value: `serverVersion sysVersion`. May be overridden. */
  versionString(): string {
    const { serverVersion, sysVersion } = this;
    if (serverVersion !== versionCache[0] || sysVersion !== versionCache[1]) {
      versionCache = [serverVersion, sysVersion, `${serverVersion} ${sysVersion}`];
    }
    return versionCache[2];
  }

  /**
   * An HTTP date (`'Sun, 06 Nov 1994 08:49:37 GMT'`) for `timestamp` (a `Date` or ms since
   * the epoch; now by default). **Differs from Python:** milliseconds, not seconds.
   */
  dateTimeString(timestamp?: Date | number): string {
    if (timestamp === undefined) return httpDateNow();
    return (timestamp instanceof Date ? timestamp : new Date(timestamp)).toUTCString();
  }

  /** The current local time for the log: `'24/Nov/2026 10:00:00'`. May be overridden. */
  logDateTimeString(): string {
    return logDate(new Date());
  }

  /** The client's address for the log: its host (or socket path). May be overridden. */
  addressString(): string {
    const address = this.clientAddress;
    return typeof address === 'string' ? address : address[0];
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
    if (!this.#sent) this.sendError(500);
    throw error;
  }

  #endRequest(reader: HeadReader): void {
    this.#logPending();
    reader.reset();
    this.#request = undefined;
    this.#body = undefined;
    this.#head = '';
    this.#status = 0;
    this.#sent = false;
    this.#completed = false;
    this.#contentLength = '';
    this.#framed = false;
    this.#connectionSent = false;
  }
}

// Python's class attributes: defaults on the prototype (no memory per connection); a
// subclass overrides them with a field (`protocolVersion = 'HTTP/1.1'`) or an assignment.
Object.assign(BaseHTTPRequestHandler.prototype, {
  serverVersion: 'BaseHTTP/0.6',
  sysVersion: `Node.js/${process.versions.node}`,
  errorMessageFormat: DEFAULT_ERROR_MESSAGE,
  errorContentType: DEFAULT_ERROR_CONTENT_TYPE,
  MessageClass: HTTPMessage,
  protocolVersion: 'HTTP/1.0',
  defaultRequestVersion: 'HTTP/1.0',
  responses: DEFAULT_RESPONSES,
  maxBodySize: 1024 * 1024,
  maxRequestLineSize: 64 * 1024,
  maxHeaderLineSize: 64 * 1024,
  maxHeaders: 100,
  maxHeadSize: 128 * 1024,
  headTimeout: 30_000,
  bodyTimeout: 30_000,
  keepAliveTimeout: 5_000,
});

const EMPTY_MESSAGE = new HTTPMessage();

/** The last `versionString()` made, so that the same string object is reused. */
let versionCache: [string, string, string] = ['', '', ''];

function ignore(): void {}

/** True if the lower-case comma list `list` holds `token`. */
function hasToken(list: string, token: string): boolean {
  if (list === token) return true;
  for (const item of list.split(',')) if (item.trim() === token) return true;
  return false;
}

/**
 * The path of a request target: the target itself for origin-form, the path and query of
 * an absolute-form target (RFC 9112 §3.2.2); a leading `//` reduced to `/` as Python does
 * (gh-87389: no open redirect through a scheme-relative path).
 */
function requestPath(target: string): string {
  let path = target;
  if (path.charCodeAt(0) !== 0x2f) {
    const scheme = path.indexOf('://');
    if (scheme > 0 && /^[a-z][a-z0-9+.-]*$/i.test(path.slice(0, scheme))) {
      const slash = path.indexOf('/', scheme + 3);
      const query = path.indexOf('?', scheme + 3);
      path = slash !== -1 && (query === -1 || slash < query) ? path.slice(slash) : `/${query === -1 ? '' : path.slice(query)}`;
    }
  }
  if (path.charCodeAt(0) === 0x2f && path.charCodeAt(1) === 0x2f) path = `/${path.replace(/^\/+/, '')}`;
  return path;
}
