/**
 * The response half of `BaseHTTPRequestHandler` (port of its `send_error`, `send_response`,
 * `send_header`, `end_headers`, `flush_headers`, `log_*` and date/version helpers), over
 * the buffered head of one response. Its members are documented and used as members of
 * `BaseHTTPRequestHandler`, which extends it.
 */
import { StreamRequestHandler } from '@httpstack/socketserver';
import { DEFAULT_ERROR_CONTENT_TYPE, DEFAULT_ERROR_MESSAGE, type ErrorPage, formatErrorPage } from './error-message.js';
import type { HTTPServer } from './http-server.js';
import { DEFAULT_RESPONSES } from './http-status.js';
import {
  headerLine,
  httpDate,
  httpDateNow,
  isHeaderName,
  isHeaderValue,
  joinedVersion,
  numberText,
  statusLine,
} from './internal/caches.js';
import { isFieldValue } from './internal/chars.js';
import { printf, SEND_ERROR_FORMAT } from './log-format.js';
import { capEcho, escapeControl, hasToken, logDate, pyRepr } from './internal/text.js';

/**
 * Python's class attributes of `BaseHTTPRequestHandler` (response half), declared here and
 * given their defaults on the prototype below: a subclass field, an assignment on the
 * instance (also per request, in a hook) or a getter in a subclass each take effect on the
 * next response.
 */
export interface HTTPResponseWriter<S extends HTTPServer = HTTPServer> extends StreamRequestHandler<S> {
  /** Server software name and version, first word of the `Server` header. May be overridden. */
  serverVersion: string;
  /** Runtime name and version, second word of the `Server` header. May be overridden. */
  sysVersion: string;
  /**
   * Page template of `sendError`, with `%(code)d`, `%(message)s`, `%(explain)s`, escaped for
   * `errorContentType` (HTML; JSON string escapes for a JSON type). May be overridden.
   */
  errorMessageFormat: string;
  /** `Content-Type` of the `sendError` page. May be overridden. */
  errorContentType: string;
  /** Version the server speaks; `'HTTP/1.1'` enables keep-alive and pipelining. May be overridden. */
  protocolVersion: string;
  /** Code → `[phrase, description]` used by `sendResponse` and `sendError`. May be overridden. */
  responses: Readonly<Record<number, readonly [string, string]>>;
}

/**
 * HTTPResponseWriter builds a response head in a string, writes it with `endHeaders()`
 * (gathered with a small body into one socket write) and logs the request. Its public
 * members are documented as members of `BaseHTTPRequestHandler`, which extends it.
 */
export abstract class HTTPResponseWriter<S extends HTTPServer = HTTPServer> extends StreamRequestHandler<S> {
  /** The request method (`'GET'`), `''` before one is parsed. */
  command = '';
  /** `'HTTP/1.1'`, `'HTTP/1.0'` or `'HTTP/0.9'` for a simple request. */
  requestVersion = '';
  /** The request line without its line end, as received (ISO-8859-1). */
  requestline = '';
  /** True when the connection ends after this response. */
  closeConnection = true;

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

  /**
   * Sends and logs an error response: status line, `Server`, `Date`, `Connection: close`,
   * and (but for HEAD, 1xx, 204, 205, 304) the body of `errorPage()` (by default the
   * `errorMessageFormat` page with `message` and `explain` HTML-escaped). `message` is the
   * reason phrase too, unless it cannot be one (CR, LF, other controls, beyond Latin-1):
   * then the standard phrase is sent and the text is only in the body, so a 4xx stays a 4xx.
   * If a response has already begun, only closes the connection. May be overridden.
   *
   * **Differs from Python:** the response always has a status line and headers, also to
   * an HTTP/0.9 request (`requestVersion` becomes `'HTTP/1.0'`); the access log records
   * the page's size.
   */
  sendError(code: number, message?: string, explain?: string): void {
    const [shortMessage, longMessage] = this.responses[code] ?? ['???', '???'];
    message ??= shortMessage;
    explain ??= longMessage;
    this.logError(SEND_ERROR_FORMAT, code, message);
    if (this.#sent) {
      this.closeConnection = true;
      return;
    }
    // Every error response has a status line, even to an HTTP/0.9 request.
    if (this.requestVersion === 'HTTP/0.9') this.requestVersion = 'HTTP/1.0';
    this.endResponse();
    // A message that cannot be a reason phrase (CR/LF, beyond Latin-1) goes only to the body.
    this.sendResponse(code, isFieldValue(message) ? message : shortMessage);
    this.sendHeader('Connection', 'close');
    let body: Buffer | undefined;
    if (code >= 200 && code !== 204 && code !== 205 && code !== 304) {
      const page = this.errorPage(code, message, explain);
      body = typeof page.body === 'string' ? Buffer.from(page.body, 'utf8') : page.body;
      this.sendHeader('Content-Type', page.contentType);
      this.sendHeader('Content-Length', body.length);
    }
    this.endHeaders();
    if (this.command !== 'HEAD' && body) this.#write(body);
  }

  /**
   * The body of a `sendError` response and its `Content-Type`: by default the
   * `errorMessageFormat` page in `errorContentType`, with `message` and `explain` escaped
   * for it (HTML, or JSON string escapes for a JSON type). A subclass may send, e.g.,
   * `application/problem+json` built with `JSON.stringify`. May be overridden.
   */
  errorPage(code: number, message: string, explain: string): ErrorPage {
    return formatErrorPage(this.errorMessageFormat, this.errorContentType, code, message, explain);
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
    if (message === undefined && this.responses === DEFAULT_RESPONSES) {
      this.#head += statusLine(this.protocolVersion, code);
      return;
    }
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
    const text = typeof value === 'string' ? value : numberText(value);
    if (!isHeaderName(keyword)) throw new TypeError(`invalid header name ${pyRepr(keyword)}`);
    if (typeof value !== 'number' && !isHeaderValue(text)) {
      throw new TypeError(`invalid value for header ${keyword}: ${pyRepr(text)}`);
    }
    if (this.requestVersion !== 'HTTP/0.9') this.#head += headerLine(keyword, text);
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

  /**
   * Logs an answered request: `"GET / HTTP/1.1" 200 13`, the request line capped at 200
   * characters (`capEcho`). May be overridden.
   */
  logRequest(code: number | string = '-', size: number | string = '-'): void {
    this.logMessage('"%s" %s %s', capEcho(this.requestline), String(code), String(size));
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
    return joinedVersion(this.serverVersion, this.sysVersion);
  }

  /**
   * An HTTP date (`'Sun, 06 Nov 1994 08:49:37 GMT'`) for `timestamp` (a `Date` or ms since
   * the epoch; now by default), for `Date` and the static layer's `Last-Modified`. May be
   * overridden. **Differs from Python:** milliseconds, not seconds.
   */
  dateTimeString(timestamp?: Date | number): string {
    if (timestamp === undefined) return httpDateNow();
    return httpDate(timestamp instanceof Date ? timestamp.getTime() : timestamp);
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

  /** True once the head of a final response has been written (too late for `sendError`). */
  protected get responseStarted(): boolean {
    return this.#sent;
  }

  /** Logs the request if not done yet and forgets the response state. For derived classes. */
  protected endResponse(): void {
    this.#logPending();
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
// subclass field (`protocolVersion = 'HTTP/1.1'`), an assignment on the instance or a
// getter in a subclass overrides them.
Object.assign(HTTPResponseWriter.prototype, {
  serverVersion: 'BaseHTTP/0.6',
  sysVersion: `Node.js/${process.versions.node}`,
  errorMessageFormat: DEFAULT_ERROR_MESSAGE,
  errorContentType: DEFAULT_ERROR_CONTENT_TYPE,
  protocolVersion: 'HTTP/1.0',
  responses: DEFAULT_RESPONSES,
});

function ignore(): void {}
