/**
 * Turning a script's output into the HTTP response: header block parsed and checked, body
 * streamed with backpressure, framed by `Content-Length`, chunked coding or the close of
 * the connection. Replaces the pass-through of Python's `run_cgi`.
 */
import type { Readable } from 'node:stream';
import type { SocketWriter } from '@httpstack/socketserver';
import {
  isClientRedirect, isLocalRedirect, ScriptHeaderError, ScriptHeaderParser, type ScriptHeaders,
} from './script-headers.js';

/** The parts of the request handler the relay writes through. */
export interface ResponseTarget {
  command: string;
  requestVersion: string;
  protocolVersion: string;
  closeConnection: boolean;
  wfile: SocketWriter;
  sendResponseOnly(code: number, message?: string): void;
  sendHeader(keyword: string, value: string | number): void;
  endHeaders(): void;
  versionString(): string;
  dateTimeString(): string;
  logRequest(code?: number | string, size?: number | string): void;
}

/** How the relay ended. */
export type RelayOutcome =
  | { kind: 'sent' }
  /** The script ended (or its output did) before a complete, valid header block. */
  | { kind: 'bad-headers'; reason: string }
  /** A local redirect (RFC 3875 §6.2.2): the server answers with `location` itself. */
  | { kind: 'local-redirect'; location: string };

const CRLF = Buffer.from('\r\n');
const LAST_CHUNK = Buffer.from('0\r\n\r\n');

/**
 * Reads `stdout` to its end and answers the request from it. Resolves once the output is
 * relayed (or discarded, for a redirect or a bad block); rejects with the write error when
 * the client goes away, so that the caller can stop the script. A read error on `stdout`
 * ends the output (and the connection, if the response had begun).
 */
export async function relayOutput(target: ResponseTarget, stdout: Readable, headerLimit: number): Promise<RelayOutcome> {
  const parser = new ScriptHeaderParser(headerLimit);
  let body: BodyWriter | undefined;
  const output = { failed: false };
  for await (const chunk of outputOf(stdout, output)) {
    if (body !== undefined) {
      await body.write(chunk);
      continue;
    }
    let parsed: ReturnType<ScriptHeaderParser['push']>;
    try {
      parsed = parser.push(chunk);
    } catch (error) {
      if (!(error instanceof ScriptHeaderError)) throw error;
      return drain(stdout, { kind: 'bad-headers', reason: error.message });
    }
    if (parsed === undefined) continue;
    const decided = decide(parsed.headers);
    if (typeof decided !== 'number') return drain(stdout, decided);
    body = new BodyWriter(target, parsed.headers, decided);
    await body.write(parsed.body);
  }
  if (body === undefined) {
    const reason = parser.buffered === 0 ? 'no output' : 'output ended inside the header block';
    return { kind: 'bad-headers', reason };
  }
  if (output.failed) {
    target.closeConnection = true; // cut short: the client must see the end
    body.abandon();
  } else {
    body.end();
  }
  return { kind: 'sent' };
}

/**
 * Relays an `nph-` script's output untouched: the script writes the status line and
 * headers itself (RFC 3875 §5). The connection is closed after it, since only the script
 * knows how its body is framed.
 */
export async function relayRaw(target: ResponseTarget, stdout: Readable): Promise<RelayOutcome> {
  target.closeConnection = true;
  let logged = false;
  let size = 0;
  for await (const chunk of outputOf(stdout, { failed: false })) {
    if (!logged) {
      logged = true;
      const status = /^HTTP\/\d\.\d (\d{3})/.exec(chunk.toString('latin1', 0, Math.min(chunk.length, 64)));
      target.logRequest(status ? Number(status[1]) : '-', '-');
    }
    size += chunk.length;
    await target.wfile.write(chunk);
  }
  return size === 0 ? { kind: 'bad-headers', reason: 'no output' } : { kind: 'sent' };
}

/** The script's output; a read error (the script was killed) ends it and is noted in `state`. */
async function* outputOf(stdout: Readable, state: { failed: boolean }): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of stdout as AsyncIterable<Buffer>) yield chunk;
  } catch {
    state.failed = true;
  }
}
/**
 * Decides the response for a parsed header block: a status to send, or an outcome that
 * sends nothing from the script (local redirect, missing `Content-Type`).
 */
function decide(headers: ScriptHeaders): number | RelayOutcome {
  const { status, location } = headers;
  if (location !== undefined && status === undefined) {
    if (isLocalRedirect(location)) return { kind: 'local-redirect', location };
    if (!isClientRedirect(location)) return { kind: 'bad-headers', reason: `Location ${JSON.stringify(location)} is neither a path nor a URL` };
    return 302;
  }
  const hasType = headers.fields.some(([name]) => name.length === 12 && name.toLowerCase() === 'content-type');
  if (status === undefined && !hasType) return { kind: 'bad-headers', reason: 'no Content-Type, Status or Location' };
  return status ?? 200;
}

/** Reads what is left of the output, so that the script is not stopped by a full pipe. */
async function drain(stdout: Readable, outcome: RelayOutcome): Promise<RelayOutcome> {
  for await (const _ of outputOf(stdout, { failed: false })) void _;
  return outcome;
}

/** Writes the response head, then the body in the framing chosen for it. */
class BodyWriter {
  readonly #target: ResponseTarget;
  readonly #bodyless: boolean;
  readonly #chunked: boolean;
  /** Bytes still allowed by the script's Content-Length (Infinity: none given). */
  #left: number;
  #corked = true;

  constructor(target: ResponseTarget, headers: ScriptHeaders, status: number) {
    this.#target = target;
    this.#bodyless = target.command === 'HEAD' || status === 204 || status === 304;
    this.#left = headers.contentLength ?? Infinity;
    this.#chunked = !this.#bodyless && headers.contentLength === undefined && !target.closeConnection &&
      target.requestVersion === 'HTTP/1.1' && target.protocolVersion >= 'HTTP/1.1';
    // Hold the head, the first output and (when the script ends at once, as most do) the
    // last chunk for at most a millisecond, so that they leave in one write, not two.
    target.wfile.socket.cork();
    setTimeout(() => this.#uncork(), 1);
    sendHead(target, headers, status, this.#chunked);
  }

  #uncork(): void {
    if (!this.#corked) return;
    this.#corked = false;
    this.#target.wfile.flush();
    this.#target.wfile.socket.uncork();
  }

  async write(chunk: Buffer): Promise<void> {
    if (this.#bodyless || chunk.length === 0) return;
    const wfile = this.#target.wfile;
    if (this.#chunked) {
      // One gathered write per chunk: size line, data, CRLF (RFC 9112 §7.1).
      const socket = wfile.socket;
      socket.cork();
      void wfile.write(chunk.length.toString(16) + '\r\n', 'latin1').catch(() => {});
      void wfile.write(chunk).catch(() => {});
      const done = wfile.write(CRLF);
      socket.uncork();
      return done;
    }
    if (chunk.length > this.#left) {
      chunk = chunk.subarray(0, this.#left);
      this.#target.closeConnection = true; // the script wrote more than it declared
    }
    this.#left -= chunk.length;
    if (chunk.length > 0) await wfile.write(chunk);
  }

  end(): void {
    if (this.#chunked) void this.#target.wfile.write(LAST_CHUNK).catch(() => {});
    else if (this.#left !== Infinity && this.#left > 0 && !this.#bodyless) this.#target.closeConnection = true;
    this.#uncork();
  }

  /** Releases the socket when the output ends without `end()` (cut short). */
  abandon(): void {
    this.#uncork();
  }
}

function sendHead(target: ResponseTarget, headers: ScriptHeaders, status: number, chunked: boolean): void {
  target.sendResponseOnly(status, headers.reason || undefined);
  const named = new Set(headers.fields.map(([name]) => name.toLowerCase()));
  if (!named.has('server')) target.sendHeader('Server', target.versionString());
  if (!named.has('date')) target.sendHeader('Date', target.dateTimeString());
  if (headers.location !== undefined) target.sendHeader('Location', headers.location);
  for (const [name, value] of headers.fields) target.sendHeader(name, value);
  if (headers.contentLength !== undefined) target.sendHeader('Content-Length', headers.contentLength);
  else if (chunked) target.sendHeader('Transfer-Encoding', 'chunked');
  target.endHeaders();
  target.logRequest(status, headers.contentLength ?? '-');
}
