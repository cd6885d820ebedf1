/**
 * Decodes one request body from `rfile`: `Content-Length` bytes or a chunked body
 * (RFC 9112 §6.3, §7.1), bounded in size and in idle time.
 */
import type { BufferedReader } from '@httpstack/socketserver';
import { HTTPRequestError } from '../http-request-error.js';
import { COLON, CR, FIELD_VALUE, HTAB, LF, SP, TOKEN } from './chars.js';

/** Longest chunk-size line (with extensions) accepted. */
const MAX_CHUNK_LINE = 4096;
/** Longest trailer section accepted, in bytes. */
const MAX_TRAILERS = 16 * 1024;

/** Where the reader is in the body: a chunk-size line, data, the CRLF after a chunk, trailers, or done. */
type BodyState = 'size' | 'data' | 'data-end' | 'trailers' | 'done';

/**
 * BodyReader hands out the decoded body piece by piece with `read()`. `rawConsumed`
 * counts the bytes it took from `rfile`, so the handler can tell whether someone else
 * read from `rfile` too.
 */
export class BodyReader {
  rawConsumed = 0;
  decoded = 0;
  #rfile: BufferedReader;
  #chunked: boolean;
  #left: number; // bytes left in the body (Content-Length) or in the current chunk
  #state: BodyState;
  #maxSize: number;
  #timeout: number;
  #trailerBytes = 0;

  constructor(rfile: BufferedReader, contentLength: number, chunked: boolean, maxSize: number, timeout: number) {
    this.#rfile = rfile;
    this.#chunked = chunked;
    this.#left = chunked ? 0 : Math.max(0, contentLength);
    this.#state = chunked ? 'size' : this.#left > 0 ? 'data' : 'done';
    this.#maxSize = maxSize;
    this.#timeout = timeout;
  }

  /** True once the whole body has been read. */
  get done(): boolean {
    return this.#state === 'done';
  }

  /** Refuses a `Content-Length` body over the limit before reading any of it. */
  checkDeclaredSize(): void {
    if (!this.#chunked && this.#left > this.#maxSize) {
      throw new HTTPRequestError(413, `Request body of ${this.#left} bytes exceeds the limit of ${this.#maxSize}`);
    }
  }

  /** Resolves to the next decoded piece of the body, or `null` once it is complete. */
  async read(): Promise<Buffer | null> {
    for (;;) {
      switch (this.#state) {
        case 'done':
          return null;
        case 'data':
          return this.#readData();
        case 'size':
          this.#parseSize(await this.#line());
          break;
        case 'data-end':
          await this.#dataEnd();
          break;
        default:
          this.#parseTrailer(await this.#line());
      }
    }
  }

  /** Reads and drops the rest of the body. */
  async skip(): Promise<void> {
    while ((await this.read()) !== null);
  }

  async #readData(): Promise<Buffer> {
    const rfile = this.#rfile;
    while (rfile.buffered === 0) await this.#more();
    const piece = rfile.read1(this.#left); // a received chunk as it is, never joined with the next
    const n = piece.length;
    this.rawConsumed += n;
    this.decoded += n;
    this.#left -= n;
    if (this.#left === 0) this.#state = this.#chunked ? 'data-end' : 'done';
    return piece;
  }

  /** Waits for more bytes, at most `timeout` ms; fails if the stream ends first. */
  async #more(): Promise<void> {
    const rfile = this.#rfile;
    if (rfile.sourceEnded) throw new HTTPRequestError(400, 'Incomplete request body');
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      rfile.destroy(Object.assign(new Error('request body timed out'), { code: 'ETIMEDOUT' }));
    }, this.#timeout);
    try {
      await rfile.wait();
    } catch (error) {
      if (!timedOut) throw error;
    } finally {
      clearTimeout(timer);
    }
    if (timedOut) throw new HTTPRequestError(408, 'Request body timed out');
  }

  /** One CRLF-terminated framing line (chunk size or trailer), without its CRLF. */
  async #line(): Promise<Buffer> {
    const limit = this.#state === 'size' ? MAX_CHUNK_LINE : MAX_TRAILERS;
    for (;;) {
      const line = this.#rfile.tryReadline(limit + 2);
      if (line === undefined) {
        await this.#more();
        continue;
      }
      this.rawConsumed += line.length;
      const n = line.length;
      if (n === 0 || line[n - 1] !== LF) {
        throw new HTTPRequestError(400, n >= limit + 2 ? 'Chunk framing line too long' : 'Incomplete request body');
      }
      if (n < 2 || line[n - 2] !== CR) throw new HTTPRequestError(400, 'Chunk framing line not ended by CRLF');
      return line.subarray(0, n - 2);
    }
  }

  /** chunk-size [ chunk-ext ] (RFC 9112 §7.1.1). */
  #parseSize(line: Buffer): void {
    let size = 0;
    let i = 0;
    for (; i < line.length; i++) {
      const digit = hexValue(line[i]!);
      if (digit < 0) break;
      if (i >= 12) throw new HTTPRequestError(400, 'Chunk size too large');
      size = size * 16 + digit;
    }
    if (i === 0) throw new HTTPRequestError(400, 'Invalid chunk size');
    if (i < line.length) checkExtension(line, i);
    if (size === 0) {
      this.#state = 'trailers';
      return;
    }
    if (this.decoded + size > this.#maxSize) {
      throw new HTTPRequestError(413, `Request body exceeds the limit of ${this.#maxSize} bytes`);
    }
    this.#left = size;
    this.#state = 'data';
  }

  /** The CRLF that must follow chunk data. */
  async #dataEnd(): Promise<void> {
    const rfile = this.#rfile;
    while (rfile.buffered < 2) {
      if (rfile.sourceEnded) throw new HTTPRequestError(400, 'Incomplete request body');
      await this.#more();
    }
    const bytes = rfile.peek();
    if (bytes[0] !== CR || bytes[1] !== LF) throw new HTTPRequestError(400, 'Chunk data not followed by CRLF');
    rfile.consume(2);
    this.rawConsumed += 2;
    this.#state = 'size';
  }

  /** trailer-section = *( field-line CRLF ) CRLF; fields are checked, then dropped. */
  #parseTrailer(line: Buffer): void {
    this.#trailerBytes += line.length + 2;
    if (line.length === 0) {
      this.#state = 'done';
      return;
    }
    if (this.#trailerBytes > MAX_TRAILERS) throw new HTTPRequestError(431, 'Trailer section too large');
    let i = 0;
    while (i < line.length && TOKEN[line[i]!] === 1) i++;
    if (i === 0 || i === line.length || line[i] !== COLON) throw new HTTPRequestError(400, 'Invalid trailer field');
    for (i++; i < line.length; i++)
      if (FIELD_VALUE[line[i]!] === 0) throw new HTTPRequestError(400, 'Invalid trailer field');
  }
}

/** chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS value ] ): only its bytes are checked. */
function checkExtension(line: Buffer, from: number): void {
  let i = from;
  while (i < line.length && (line[i] === SP || line[i] === HTAB)) i++;
  if (line[i] !== 0x3b) throw new HTTPRequestError(400, 'Invalid chunk size');
  for (; i < line.length; i++)
    if (FIELD_VALUE[line[i]!] === 0) throw new HTTPRequestError(400, 'Invalid chunk extension');
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}
