/**
 * A kit for testing handler classes without a socket (`@httpstack/basehttpserver/testing`),
 * as Go's `net/http/httptest` and CPython's `SocketlessRequestHandler` in
 * `test_httpservers`: the handler runs its whole life (`setup`, `handle`, `finish`) over
 * an in-memory connection.
 */
import { Duplex } from 'node:stream';
import type { Address, RequestHandlerClass } from '@httpstack/socketserver';
import { HTTPServer } from './http-server.js';

/** A request to send: the request line's parts, header fields and a body. */
export interface TestRequest {
  /** Default `'GET'`. */
  method?: string;
  /** The request target; default `'/'`. */
  path?: string;
  /** Default `'HTTP/1.1'`. */
  version?: string;
  /** Sent in order; `Host: localhost` is added to an HTTP/1.1 request without one. */
  headers?: Record<string, string> | Array<[string, string]>;
  /** Sent after the head, with its `Content-Length` (unless `headers` frame it). */
  body?: string | Buffer;
}

/** One response as the client would read it. */
export interface TestResponse {
  version: string;
  status: number;
  reason: string;
  headers: Array<[string, string]>;
  /** The first value of the header `name` (any case), or `undefined`. */
  header(name: string): string | undefined;
  /** The body, with a chunked one decoded. */
  body: Buffer;
}

/** What one connection's exchange gave. */
export interface TestExchange<H> {
  /** The responses, in order. */
  responses: TestResponse[];
  /** Every byte the handler wrote. */
  raw: Buffer;
  /** The handler, after `finish()`: its fields can be inspected. */
  handler: H;
}

/** Where the handler's `server` and `clientAddress` come from. */
export interface TestOptions {
  /** Default: an `HTTPServer` that is never bound. */
  server?: HTTPServer;
  /** Default `['127.0.0.1', 0]`. */
  clientAddress?: Address;
}

/**
 * Runs `Handler` over one in-memory connection that carries `input` (raw bytes, or
 * requests written out as a client would) and then ends, and resolves with the parsed
 * responses. Responses to HEAD requests are read without a body when `input` gives them
 * as `TestRequest`s; with raw bytes, a response without `Content-Length` or chunked
 * framing runs to the end.
 */
export async function serveInMemory<T extends RequestHandlerClass>(
  Handler: T,
  input: string | Buffer | TestRequest | TestRequest[],
  options: TestOptions = {},
): Promise<TestExchange<InstanceType<T>>> {
  const requests = typeof input === 'string' || Buffer.isBuffer(input) ? undefined : [input].flat();
  const bytes =
    requests === undefined ? Buffer.from(input as string | Buffer) : Buffer.concat(requests.map(requestBytes));
  const connection = new MemoryConnection(bytes);
  const server = options.server ?? new HTTPServer(['127.0.0.1', 0], Handler);
  const handler = new Handler(connection, options.clientAddress ?? ['127.0.0.1', 0], server) as InstanceType<T>;
  await handler.setup();
  try {
    await handler.handle();
  } finally {
    await handler.finish();
  }
  const raw = Buffer.concat(connection.output);
  const bodyless = (index: number) => requests?.[index]?.method?.toUpperCase() === 'HEAD';
  return { responses: parseResponses(raw, bodyless), raw, handler };
}

/** The bytes a client sends for `request`. */
export function requestBytes(request: TestRequest): Buffer {
  const { method = 'GET', path = '/', version = 'HTTP/1.1', body } = request;
  const fields = Array.isArray(request.headers) ? [...request.headers] : Object.entries(request.headers ?? {});
  const has = (name: string) => fields.some(([key]) => key.toLowerCase() === name);
  if (version === 'HTTP/1.1' && !has('host')) fields.unshift(['Host', 'localhost']);
  const payload = body === undefined ? undefined : Buffer.from(body);
  if (payload !== undefined && !has('content-length') && !has('transfer-encoding'))
    fields.push(['Content-Length', String(payload.length)]);
  const head = `${method} ${path} ${version}\r\n${fields.map(([key, value]) => `${key}: ${value}\r\n`).join('')}\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), payload ?? Buffer.alloc(0)]);
}

/** Splits raw response bytes into responses (1xx ones included). */
export function parseResponses(raw: Buffer, bodyless: (index: number) => boolean = () => false): TestResponse[] {
  const out: TestResponse[] = [];
  let pos = 0;
  while (pos < raw.length) {
    const end = raw.indexOf('\r\n\r\n', pos, 'latin1');
    if (end === -1)
      throw new Error(`unterminated response head: ${JSON.stringify(raw.subarray(pos).toString('latin1'))}`);
    const [statusLine = '', ...lines] = raw.subarray(pos, end).toString('latin1').split('\r\n');
    const [, version = '', status = '0', reason = ''] = /^(HTTP\/\d\.\d) (\d{3}) ?(.*)$/.exec(statusLine) ?? [];
    const headers = lines.map(
      (line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()] as [string, string],
    );
    const header = (name: string) => headers.find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1];
    const code = Number(status);
    pos = end + 4;
    let body: Buffer = Buffer.alloc(0);
    const final = code >= 200;
    if (final && code !== 204 && code !== 304 && !bodyless(out.filter((r) => r.status >= 200).length)) {
      [body, pos] = readBody(raw, pos, header);
    }
    out.push({ version, status: code, reason, headers, header, body });
  }
  return out;
}

function readBody(raw: Buffer, pos: number, header: (name: string) => string | undefined): [Buffer, number] {
  if (/chunked/i.test(header('transfer-encoding') ?? '')) {
    const pieces: Buffer[] = [];
    for (;;) {
      const eol = raw.indexOf('\r\n', pos, 'latin1');
      if (eol === -1) return [Buffer.concat(pieces), raw.length];
      const size = parseInt(raw.subarray(pos, eol).toString('latin1'), 16);
      if (!(size > 0)) {
        const trailerEnd = raw.indexOf('\r\n\r\n', eol, 'latin1');
        return [Buffer.concat(pieces), trailerEnd === -1 ? raw.length : trailerEnd + 4];
      }
      pieces.push(raw.subarray(eol + 2, eol + 2 + size));
      pos = eol + 2 + size + 2;
    }
  }
  const length = header('content-length');
  const stop = length === undefined ? raw.length : Math.min(raw.length, pos + Number(length));
  return [raw.subarray(pos, stop), stop];
}

/**
 * An in-memory connection with what the socket core uses of a `net.Socket`: its input is
 * `input`, then the end of the stream; what is written to it is kept in `output`.
 */
class MemoryConnection extends Duplex {
  readonly output: Buffer[] = [];
  bytesRead = 0;
  timeout: number | undefined = undefined;
  readonly remoteAddress = '127.0.0.1';
  readonly remotePort = 0;
  #input: Buffer | undefined;

  constructor(input: Buffer) {
    super();
    this.#input = input;
  }

  override _read(): void {
    const input = this.#input;
    if (input === undefined) return;
    this.#input = undefined;
    this.bytesRead += input.length;
    if (input.length > 0) this.push(input);
    this.push(null);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.output.push(Buffer.from(chunk));
    done();
  }

  setNoDelay(): this {
    return this;
  }

  setKeepAlive(): this {
    return this;
  }

  /** Recorded, not armed: the exchange ends when the input does. */
  setTimeout(ms: number): this {
    this.timeout = ms;
    return this;
  }
}
