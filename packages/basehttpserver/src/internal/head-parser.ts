/**
 * The strict HTTP/1.x request-head parser (RFC 9112 §2–§6): request line and field lines
 * parsed straight from received bytes, one line at a time, with the limits and framing
 * checks. No regular expression, no copy of the bytes beyond the strings it keeps.
 */
import type { HTTPMessage } from '../http-message.js';
import { isTargetForm } from '../request-target.js';
import { knownField, requestLine, requestTarget } from './caches.js';
import { COLON, CR, FIELD_VALUE, HTAB, SP, TARGET, TOKEN, latin1, matches } from './chars.js';
import { capEcho, pyRepr as repr } from './text.js';
import { splitList } from '../optional-whitespace.js';

/** Limits a head must stay within. */
export interface HeadLimits {
  maxRequestLineSize: number;
  maxHeaderLineSize: number;
  maxHeaders: number;
  maxHeadSize: number;
}

/** What one field line was: the end of the head, a field, or a refusal. */
export type FieldState = 'end' | 'field' | 'refused';

/** Why a head was refused: the status to answer with and Python-style message / explanation. */
export interface HeadError {
  status: number;
  message?: string;
  explain?: string;
}

const H = 0x48,
  T = 0x54,
  P = 0x50,
  SLASH = 0x2f,
  DOT = 0x2e,
  ZERO = 0x30;

/**
 * The parsed head of one request. `parseRequestLine` then `parseFieldLine` for each line
 * fill it; `finish()` checks the framing once the empty line has arrived.
 */
export class RequestHead {
  method = '';
  target = '';
  /** `'HTTP/1.1'`, `'HTTP/1.0'` or `'HTTP/0.9'` (a simple request). */
  version = '';
  /** Minor version for HTTP/1.x. */
  minor = 0;
  requestline = '';
  message: HTTPMessage;
  /** Bytes of field lines so far (with their line ends). */
  size = 0;
  contentLength = -1;
  chunked = false;
  hostCount = 0;
  transferEncoding: string | undefined;
  connection: string | undefined;
  expect: string | undefined;
  error: HeadError | undefined;
  #contentLengthSeen = false;

  /** True when a body follows the head (RFC 9112 §6.3: `Content-Length` > 0 or chunked). */
  get hasBody(): boolean {
    return this.contentLength > 0 || this.chunked;
  }

  constructor(message: HTTPMessage) {
    this.message = message;
  }

  /**
   * Parses the request line `buf[start, end)` (`end` at its LF). Returns false and sets
   * `error` when it is malformed.
   */
  parseRequestLine(buf: Buffer, start: number, end: number): boolean {
    if (end > start && buf[end - 1] === CR) end--;
    let i = start;
    while (i < end && TOKEN[buf[i]!] === 1) i++;
    if (i === start || i === end || buf[i] !== SP) return this.#badSyntax(buf, start, end);
    this.method = methodName(buf, start, i);
    const targetStart = ++i;
    while (i < end && TARGET[buf[i]!] === 1) i++;
    if (i === targetStart) return this.#badSyntax(buf, start, end);
    this.target = requestTarget(buf, targetStart, i);
    if (!isTargetForm(this.method, this.target)) {
      this.requestline = latin1(buf, start, end);
      return this.refuse(400, `Bad request target (${repr(capEcho(this.target))})`);
    }
    if (i === end) {
      this.requestline = `${this.method} ${this.target}`;
      return this.#simpleRequest();
    }
    if (buf[i] !== SP) return this.#badSyntax(buf, start, end);
    return this.#parseVersion(buf, i + 1, end, start);
  }

  /** HTTP-version = "HTTP/" DIGIT "." DIGIT (RFC 9112 §2.3); other majors → 505. */
  #parseVersion(buf: Buffer, at: number, end: number, start: number): boolean {
    const ok =
      end - at === 8 &&
      buf[at] === H &&
      buf[at + 1] === T &&
      buf[at + 2] === T &&
      buf[at + 3] === P &&
      buf[at + 4] === SLASH &&
      isDigit(buf[at + 5]!) &&
      buf[at + 6] === DOT &&
      isDigit(buf[at + 7]!);
    if (!ok || buf[at + 5] !== ZERO + 1) {
      this.requestline = latin1(buf, start, end);
      const version = latin1(buf, at, end);
      if (!ok) return this.refuse(400, `Bad request version (${repr(capEcho(version))})`);
      return this.refuse(505, `Invalid HTTP version (${capEcho(version.slice(5))})`);
    }
    this.minor = buf[at + 7]! - ZERO;
    this.version = this.minor === 0 ? 'HTTP/1.0' : 'HTTP/1.1';
    const raw = this.minor <= 1 ? this.version : latin1(buf, at, end);
    this.requestline = requestLine(this.method, this.target, raw);
    return true;
  }

  #simpleRequest(): boolean {
    if (this.method !== 'GET') return this.refuse(400, `Bad HTTP/0.9 request type (${repr(capEcho(this.method))})`);
    this.version = 'HTTP/0.9';
    return true;
  }

  #badSyntax(buf: Buffer, start: number, end: number): boolean {
    this.requestline = latin1(buf, start, end);
    return this.refuse(400, `Bad request syntax (${repr(capEcho(this.requestline))})`);
  }

  /**
   * Parses one field line `buf[start, end)` (`end` at its LF): `'end'` for the empty line
   * that ends the head, `'field'` for a field, `'refused'` (with `error` set) otherwise.
   */
  parseFieldLine(buf: Buffer, start: number, end: number, limits: HeadLimits): FieldState {
    this.size += end + 1 - start;
    if (end > start && buf[end - 1] === CR) end--;
    if (end === start) return 'end';
    if (end - start > limits.maxHeaderLineSize) return this.#refuse(431, 'Line too long');
    if (this.size > limits.maxHeadSize) return this.#refuse(431, 'Request header block too large');
    if (this.message.size >= limits.maxHeaders) return this.#refuse(431, 'Too many headers');
    const first = buf[start]!;
    if (first === SP || first === HTAB) return this.#refuse(400, 'Obsolete line folding in header');
    let i = start;
    while (i < end && TOKEN[buf[i]!] === 1) i++;
    if (i === end || buf[i] !== COLON) {
      const c = i < end ? buf[i]! : -1;
      return this.#refuse(400, c === SP || c === HTAB ? 'Whitespace before colon in header' : 'Invalid header name');
    }
    if (i === start) return this.#refuse(400, 'Empty header name');
    const known = knownField(buf, start, i);
    const name = known === undefined ? latin1(buf, start, i) : known.name;
    let from = i + 1;
    while (from < end && (buf[from] === SP || buf[from] === HTAB)) from++;
    let to = end;
    while (to > from && (buf[to - 1] === SP || buf[to - 1] === HTAB)) to--;
    // A value equal to the last one accepted for this name is valid: one pass, no copy.
    let value = known === undefined ? undefined : known.lastValue(buf, from, to);
    if (value === undefined) {
      for (let j = from; j < to; j++)
        if (FIELD_VALUE[buf[j]!] === 0) return this.#refuse(400, 'Invalid character in header value');
      value = latin1(buf, from, to);
      known?.remember(value);
    }
    this.message.append(name, value);
    return this.#noteField(name, value) ? 'field' : 'refused';
  }

  /** Records the fields that decide framing and connection handling. */
  #noteField(name: string, value: string): boolean {
    switch (name.length) {
      case 4:
        if (is(name, 'Host', 'host')) {
          this.hostCount++;
          if (!isHost(value)) return this.refuse(400, 'Invalid Host header');
        }
        return true;
      case 6:
        if (is(name, 'Expect', 'expect')) this.expect = value;
        return true;
      case 10:
        if (is(name, 'Connection', 'connection'))
          this.connection = this.connection === undefined ? value : `${this.connection}, ${value}`;
        return true;
      case 14:
        return is(name, 'Content-Length', 'content-length') ? this.#noteContentLength(value) : true;
      case 17:
        if (is(name, 'Transfer-Encoding', 'transfer-encoding')) {
          this.transferEncoding = this.transferEncoding === undefined ? value : `${this.transferEncoding}, ${value}`;
        }
        return true;
      default:
        return true;
    }
  }

  /** Content-Length = 1*DIGIT, once (RFC 9112 §6.3: a list or a repeat is refused). */
  #noteContentLength(value: string): boolean {
    if (this.#contentLengthSeen) return this.refuse(400, 'Repeated Content-Length');
    this.#contentLengthSeen = true;
    if (value.length === 0 || value.length > 15) return this.refuse(400, 'Invalid Content-Length');
    for (let i = 0; i < value.length; i++) {
      const c = value.charCodeAt(i);
      if (c < ZERO || c > ZERO + 9) return this.refuse(400, 'Invalid Content-Length');
    }
    this.contentLength = Number(value);
    return true;
  }

  /** Checks framing and `Host` once the head is complete (RFC 9112 §3.2, §6.1, §6.3). */
  finish(): boolean {
    if (this.version === 'HTTP/1.1' && this.hostCount !== 1) {
      return this.refuse(400, this.hostCount === 0 ? 'Missing Host header' : 'Repeated Host header');
    }
    if (this.hostCount > 1) return this.refuse(400, 'Repeated Host header');
    const codings = this.transferEncoding;
    if (codings === undefined) return true;
    if (this.#contentLengthSeen) return this.refuse(400, 'Content-Length with Transfer-Encoding');
    if (this.version !== 'HTTP/1.1') return this.refuse(400, 'Transfer-Encoding in an HTTP/1.0 request');
    return this.#checkCodings(codings);
  }

  /**
   * The final coding must be `chunked`, present once; other codings are not implemented.
   * An empty list element (`chunked,`) is refused, as llhttp, Go and nginx do: a front
   * end that reads `chunked,` as not chunked would frame the body differently (TE.TE).
   */
  #checkCodings(codings: string): boolean {
    const list = splitList(codings).map((coding) => coding.toLowerCase());
    if (list.length > 1 && list.includes('')) return this.refuse(400, 'Empty element in Transfer-Encoding');
    const last = list[list.length - 1];
    if (last !== 'chunked') return this.refuse(400, 'Final transfer coding is not chunked');
    if (list.length > 1) {
      if (list.indexOf('chunked') !== list.length - 1) return this.refuse(400, 'chunked applied more than once');
      return this.refuse(501, `Unsupported transfer coding (${repr(capEcho(list.slice(0, -1).join(', ')))})`);
    }
    this.chunked = true;
    return true;
  }

  #refuse(status: number, message: string): 'refused' {
    this.refuse(status, message);
    return 'refused';
  }

  /** Records why the request is refused; returns false. */
  refuse(status: number, message: string, explain?: string): false {
    this.error = explain === undefined ? { status, message } : { status, message, explain };
    return false;
  }
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'];

/** The method as a string; the common ones are shared constants (no allocation). */
function methodName(buf: Buffer, start: number, end: number): string {
  for (const method of METHODS) if (matches(buf, start, end, method)) return method;
  return latin1(buf, start, end);
}

/** Bytes a Host value may hold (RFC 3986 reg-name, IP-literal, port), as Go's `ValidHostHeader`. */
const HOST_CHARS = new Uint8Array(128);
for (const c of "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:[]%")
  HOST_CHARS[c.charCodeAt(0)] = 1;

function isHost(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 128 || HOST_CHARS[c] === 0) return false;
  }
  return true;
}

/** `name` equals `usual` or `lower` ignoring case; the interned spellings match without a copy. */
function is(name: string, usual: string, lower: string): boolean {
  return name === usual || name === lower || name.toLowerCase() === lower;
}

function isDigit(c: number): boolean {
  return c >= ZERO && c <= ZERO + 9;
}
