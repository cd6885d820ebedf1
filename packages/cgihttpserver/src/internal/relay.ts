/**
 * Turning a script's output into the HTTP response: header block parsed and checked, body
 * streamed with backpressure, framed by `Content-Length`, chunked coding or the close of
 * the connection. Replaces the pass-through of Python's `run_cgi`.
 */
import type { Readable } from 'node:stream';
import { ChunkedWriter } from '@httpstack/basehttpserver';
import type { SocketWriter } from '@httpstack/socketserver';
import {
  isClientRedirect,
  isLocalRedirect,
  ScriptHeaderError,
  ScriptHeaderParser,
  type ScriptHeaders,
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
  /** A response was sent; `complete` false when it was cut short (and framed so: see `relayOutput`). */
  | { kind: 'sent'; complete: boolean }
  /** The script ended (or its output did) before a complete, valid header block. */
  | { kind: 'bad-headers'; reason: string }
  /** A local redirect (RFC 3875 §6.2.2): the server answers with `location` itself. */
  | { kind: 'local-redirect'; location: string };

/** What the relay asks of the run it belongs to. */
export interface RelayHooks {
  /** Called for every piece of output read (the idle time limit counts from the last). */
  progress(): void;
  /** Once the output has ended: resolves true when it is the whole response, false when it was cut short. */
  ended(): Promise<boolean>;
}

/**
 * Reads `stdout` to its end and answers the request from it. Resolves once the output is
 * relayed (or discarded, for a redirect or a bad block); rejects with the write error when
 * the client goes away, so that the caller can stop the script.
 *
 * A response cut short never looks complete to the client: when `stdout` fails or
 * `hooks.ended()` says the output was not whole (time limit, crash), a chunked body gets
 * no last chunk, a body shorter than its `Content-Length` stays short, and either way the
 * connection is closed (for a body framed by the close, that is all HTTP allows).
 *
 * Event-driven, with no timer: the head leaves with the first output in one write (the
 * socket writer gathers what one turn writes), and the response ends as soon as the
 * output has and `hooks.ended()` has vouched for it (the script's exit is known).
 */
export function relayOutput(
  target: ResponseTarget,
  stdout: Readable,
  headerLimit: number,
  hooks: RelayHooks,
): Promise<RelayOutcome> {
  return new Promise((resolve, reject) => new OutputRelay(target, stdout, headerLimit, hooks, resolve, reject).start());
}

/** The state of one `relayOutput`: header parsing, then the body, until the output ends. */
class OutputRelay {
  readonly #target: ResponseTarget;
  readonly #stdout: Readable;
  readonly #parser: ScriptHeaderParser;
  readonly #hooks: RelayHooks;
  readonly #resolve: (outcome: RelayOutcome) => void;
  readonly #reject: (error: unknown) => void;
  #body: BodyWriter | undefined;
  /** Decided without a body (redirect, bad block): the rest of the output is discarded. */
  #outcome: RelayOutcome | undefined;
  #settled = false;

  constructor(
    target: ResponseTarget,
    stdout: Readable,
    headerLimit: number,
    hooks: RelayHooks,
    resolve: (outcome: RelayOutcome) => void,
    reject: (error: unknown) => void,
  ) {
    this.#target = target;
    this.#stdout = stdout;
    this.#parser = new ScriptHeaderParser(headerLimit);
    this.#hooks = hooks;
    this.#resolve = resolve;
    this.#reject = reject;
  }

  start(): void {
    const stdout = this.#stdout;
    stdout.on('data', (chunk: Buffer) => this.#onData(chunk));
    stdout.once('end', () => this.#onEnd(false));
    stdout.once('error', () => this.#onEnd(true)); // the script was killed: cut short
    stdout.once('close', () => this.#onEnd(!stdout.readableEnded));
  }

  #onData(chunk: Buffer): void {
    this.#hooks.progress();
    if (this.#settled || this.#outcome !== undefined) return;
    if (this.#body !== undefined) return this.#write(this.#body, chunk);
    let parsed: ReturnType<ScriptHeaderParser['push']>;
    try {
      parsed = this.#parser.push(chunk);
    } catch (error) {
      if (!(error instanceof ScriptHeaderError)) return this.#fail(error);
      this.#outcome = { kind: 'bad-headers', reason: error.message };
      return;
    }
    if (parsed === undefined) return;
    const decided = decide(parsed.headers);
    if (typeof decided !== 'number') {
      this.#outcome = decided;
      return;
    }
    try {
      this.#body = new BodyWriter(this.#target, parsed.headers, decided);
      sendHead(this.#target, parsed.headers, decided, this.#body.chunked);
    } catch (error) {
      return this.#fail(error);
    }
    this.#write(this.#body, parsed.body);
  }

  /** Writes `chunk`; while the client is slower than the script, the script waits (backpressure). */
  #write(body: BodyWriter, chunk: Buffer): void {
    const written = body.write(chunk);
    if (written === undefined) return;
    this.#stdout.pause();
    written.then(
      () => this.#settled || this.#stdout.resume(),
      (error: unknown) => this.#fail(error),
    );
  }

  #onEnd(failed: boolean): void {
    if (this.#settled) return;
    this.#settled = true;
    const body = this.#body;
    if (this.#outcome !== undefined) return this.#resolve(this.#outcome);
    if (body === undefined) {
      const reason = this.#parser.buffered === 0 ? 'no output' : 'output ended inside the header block';
      return this.#resolve({ kind: 'bad-headers', reason });
    }
    if (failed) return this.#cutShort();
    this.#hooks.ended().then(
      (whole) => {
        if (!whole) return this.#cutShort();
        body.end();
        this.#resolve({ kind: 'sent', complete: true });
      },
      (error: unknown) => this.#reject(error),
    );
  }

  /** Ends a response cut short: no last chunk, connection closed, so the client sees it is not whole. */
  #cutShort(): void {
    this.#target.closeConnection = true;
    this.#resolve({ kind: 'sent', complete: false });
  }

  #fail(error: unknown): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#reject(error);
  }
}

/**
 * Relays an `nph-` script's output untouched: the script writes the status line and
 * headers itself (RFC 3875 §5). The connection is closed after it, since only the script
 * knows how its body is framed.
 */
export async function relayRaw(target: ResponseTarget, stdout: Readable, hooks: RelayHooks): Promise<RelayOutcome> {
  target.closeConnection = true;
  let logged = false;
  let size = 0;
  const state = { failed: false };
  for await (const chunk of outputOf(stdout, state)) {
    hooks.progress();
    if (!logged) {
      logged = true;
      const status = /^HTTP\/\d\.\d (\d{3})/.exec(chunk.toString('latin1', 0, Math.min(chunk.length, 64)));
      target.logRequest(status ? Number(status[1]) : '-', '-');
    }
    size += chunk.length;
    await target.wfile.write(chunk);
  }
  if (size === 0) return { kind: 'bad-headers', reason: 'no output' };
  return { kind: 'sent', complete: !state.failed && (await hooks.ended()) };
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
    if (!isClientRedirect(location))
      return { kind: 'bad-headers', reason: `Location ${JSON.stringify(location)} is neither a path nor a URL` };
    return 302;
  }
  const hasType = headers.fields.some(([name]) => name.length === 12 && name.toLowerCase() === 'content-type');
  if (status === undefined && !hasType) return { kind: 'bad-headers', reason: 'no Content-Type, Status or Location' };
  return status ?? 200;
}

/** Writes the response body in the framing chosen for it (the head is `sendHead`'s). */
class BodyWriter {
  readonly chunked: boolean;
  readonly #chunks: ChunkedWriter | undefined;
  readonly #target: ResponseTarget;
  readonly #bodyless: boolean;
  /** Bytes still allowed by the script's Content-Length (Infinity: none given). */
  #left: number;

  constructor(target: ResponseTarget, headers: ScriptHeaders, status: number) {
    this.#target = target;
    this.#bodyless = target.command === 'HEAD' || status === 204 || status === 304;
    this.#left = headers.contentLength ?? Infinity;
    this.chunked =
      !this.#bodyless &&
      headers.contentLength === undefined &&
      !target.closeConnection &&
      target.requestVersion === 'HTTP/1.1' &&
      target.protocolVersion >= 'HTTP/1.1';
    this.#chunks = this.chunked ? new ChunkedWriter(target.wfile) : undefined;
  }

  /** Queues `chunk`; returns a promise only when the client must catch up first (or has gone). */
  write(chunk: Buffer): Promise<void> | undefined {
    if (this.#bodyless || chunk.length === 0) return undefined;
    if (this.#chunks !== undefined) return this.#chunks.write(chunk);
    const wfile = this.#target.wfile;
    if (wfile.closed) return wfile.write(chunk); // rejects: the client went away
    if (chunk.length > this.#left) {
      chunk = chunk.subarray(0, this.#left);
      this.#target.closeConnection = true; // the script wrote more than it declared
    }
    this.#left -= chunk.length;
    if (chunk.length > 0) void wfile.write(chunk).catch(ignore);
    return wfile.socket.writableNeedDrain ? wfile.drain() : undefined;
  }

  /** Ends the body: the last chunk, or a closed connection when it fell short of its length. */
  end(): void {
    if (this.#chunks !== undefined) this.#chunks.end();
    else if (this.#left !== Infinity && this.#left > 0 && !this.#bodyless) this.#target.closeConnection = true;
  }
}

function ignore(): void {}

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
