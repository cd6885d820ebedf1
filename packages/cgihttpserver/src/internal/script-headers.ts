/**
 * The header block a CGI script writes before its body (RFC 3875 §6). Python's
 * `CGIHTTPRequestHandler` passes it through unparsed; Go's `net/http/cgi` parses it, as
 * this does.
 */
import { trimOWS } from '@httpstack/basehttpserver';

/** The parsed header block of a script's response. */
export interface ScriptHeaders {
  /** From `Status:` (`undefined` when absent). */
  status: number | undefined;
  /** The reason phrase given with `Status:` ('' when none). */
  reason: string;
  /** From `Location:` (`undefined` when absent). */
  location: string | undefined;
  /** From `Content-Length:` (`undefined` when absent). */
  contentLength: number | undefined;
  /** Every other header to forward, in order, names as the script wrote them. */
  fields: Array<[string, string]>;
}

/** A script's header block that must not reach the client: answered with 500 and logged. */
export class ScriptHeaderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScriptHeaderError';
  }
}

const LF = 0x0a;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Field values: visible bytes, spaces, tabs and obs-text (read as latin1); no CR, LF, NUL or other controls. */
const BAD_VALUE = /[\x00-\x08\x0a-\x1f\x7f]/;
/** Headers about this connection, not the response: the server sets them itself. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'proxy-connection',
]);
const SINGLE = new Set(['status', 'location', 'content-length', 'content-type']);

/**
 * ScriptHeaderParser gathers a script's output until its header block is complete and
 * parses it; the bytes after the block are the start of the body.
 *
 * `push(chunk)` returns `undefined` while the block is incomplete, then the headers and the
 * body bytes that came with them. It throws `ScriptHeaderError` for a malformed block or
 * one longer than `limit` bytes.
 */
export class ScriptHeaderParser {
  readonly limit: number;
  #chunks: Buffer[] = [];
  #length = 0;
  #lineStart = 0;
  #scanned = 0;

  constructor(limit = 64 * 1024) {
    this.limit = limit;
  }

  /** Bytes received so far without a complete header block. */
  get buffered(): number {
    return this.#length;
  }

  /** Adds output; returns the parsed block and the body's first bytes once complete. */
  push(chunk: Buffer): { headers: ScriptHeaders; body: Buffer } | undefined {
    this.#chunks.push(chunk);
    this.#length += chunk.length;
    const all = this.#chunks.length === 1 ? chunk : Buffer.concat(this.#chunks, this.#length);
    this.#chunks = [all];
    for (let at = all.indexOf(LF, this.#scanned); at !== -1; at = all.indexOf(LF, at + 1)) {
      const lineLength = at - this.#lineStart - (at > this.#lineStart && all[at - 1] === 0x0d ? 1 : 0);
      if (lineLength === 0) {
        if (at + 1 > this.limit) break;
        return { headers: parseBlock(all.toString('latin1', 0, this.#lineStart)), body: all.subarray(at + 1) };
      }
      this.#lineStart = at + 1;
    }
    this.#scanned = all.length;
    if (this.#length > this.limit) throw new ScriptHeaderError(`header block longer than ${this.limit} bytes`);
    return undefined;
  }
}

/** Parses the lines of a complete header block (without its blank line). */
export function parseBlock(block: string): ScriptHeaders {
  const headers: ScriptHeaders = {
    status: undefined,
    reason: '',
    location: undefined,
    contentLength: undefined,
    fields: [],
  };
  const seen = new Set<string>();
  for (const raw of block.split('\n')) {
    if (raw === '') continue;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const colon = line.indexOf(':');
    const name = colon === -1 ? '' : line.slice(0, colon);
    if (!TOKEN.test(name)) throw new ScriptHeaderError(`malformed header line ${JSON.stringify(line.slice(0, 80))}`);
    const value = trimOWS(line.slice(colon + 1));
    if (BAD_VALUE.test(value)) throw new ScriptHeaderError(`control character in header ${name}`);
    const lower = name.toLowerCase();
    if (SINGLE.has(lower)) {
      if (seen.has(lower)) throw new ScriptHeaderError(`header ${name} given twice`);
      seen.add(lower);
    }
    applyField(headers, lower, name, value);
  }
  if (seen.size === 0 && headers.fields.length === 0) throw new ScriptHeaderError('no headers');
  return headers;
}

function applyField(headers: ScriptHeaders, lower: string, name: string, value: string): void {
  if (lower === 'status') {
    const match = /^([1-5]\d\d)(?:[ \t]+(.*))?$/.exec(value);
    const code = match ? Number(match[1]) : 0;
    if (code < 200) throw new ScriptHeaderError(`bad Status ${JSON.stringify(value)}`);
    headers.status = code;
    headers.reason = match![2] ?? '';
  } else if (lower === 'location') {
    if (value === '') throw new ScriptHeaderError('empty Location');
    headers.location = value;
  } else if (lower === 'content-length') {
    if (!/^\d{1,15}$/.test(value)) throw new ScriptHeaderError(`bad Content-Length ${JSON.stringify(value)}`);
    headers.contentLength = Number(value);
  } else if (!HOP_BY_HOP.has(lower)) {
    headers.fields.push([name, value]);
  }
}

/** True for a `Location` that names a path on this server (RFC 3875 §6.2.2 local redirect). */
export function isLocalRedirect(location: string): boolean {
  return location.startsWith('/') && !location.startsWith('//');
}

/** True for a `Location` that is an absolute URI (RFC 3875 §6.2.3 client redirect). */
export function isClientRedirect(location: string): boolean {
  return /^[A-Za-z][A-Za-z0-9+.-]*:/.test(location);
}
