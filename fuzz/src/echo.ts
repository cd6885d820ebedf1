/**
 * The two servers under differential test: ours (`HTTPServer` + an echo handler) and
 * Node's own (`node:http`, llhttp with its strict defaults), answering every request the
 * same way — an empty 200 whose `X-Echo` header summarises what was parsed.
 */
import { createHash } from 'node:crypto';
import { METHODS, createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { BaseHTTPRequestHandler, HTTPServer } from '@httpstack/basehttpserver';

/** What one served request looked like to a server: the fields both must agree on. */
export interface Echo {
  method: string;
  target: string;
  version: string;
  /** Field lines as `name:value`, in order (names lower-cased). */
  headers: string[];
  bodyLength: number;
  bodyHash: string;
}

/** Encodes an echo into one header value (base64 of its JSON). */
export function encodeEcho(echo: Echo): string {
  return Buffer.from(JSON.stringify(echo), 'latin1').toString('base64');
}

/** Decodes an `X-Echo` value. */
export function decodeEcho(value: string): Echo {
  return JSON.parse(Buffer.from(value, 'base64').toString('latin1')) as Echo;
}

function hash(body: Buffer): string {
  return createHash('sha256').update(body).digest('hex').slice(0, 16);
}

/**
 * A running server: its port, what it parsed per connection (keyed by the client's port:
 * recorded on the server side, so a response the server drops still counts), and the
 * parser errors it reported (Node's `clientError` codes).
 */
export interface Target {
  port: number;
  parsed: Map<number, Echo[]>;
  errors: Map<number, string>;
  close(): Promise<void>;
}

function record(parsed: Map<number, Echo[]>, port: number, echo: Echo): void {
  const list = parsed.get(port);
  if (list === undefined) parsed.set(port, [echo]);
  else list.push(echo);
}

/**
 * EchoHandler answers any method llhttp knows with the echo of what it parsed; it reads
 * the whole body with `readBody()` (the decoded body, as a user's handler would).
 */
export class EchoHandler extends BaseHTTPRequestHandler {
  /** Where the echoes go; set by `startOurs`. */
  static parsed = new Map<number, Echo[]>();

  override protocolVersion = 'HTTP/1.1';
  override maxBodySize = 8 * 1024 * 1024;

  override logMessage(): void {}

  /** A new connection from a client port forgets what an earlier one from that port recorded. */
  override async setup(): Promise<void> {
    (this.constructor as typeof EchoHandler).parsed.delete(this.clientAddress[1] as number);
    await super.setup();
  }

  async echo(): Promise<void> {
    const body = await this.readBody();
    const version = this.requestVersion.slice(5);
    const line = this.requestline;
    const target = line.slice(this.command.length + 1, version === '0.9' ? line.length : line.lastIndexOf(' '));
    const headers = [...this.headers].map(([name, value]) => `${name.toLowerCase()}:${value}`);
    const echo = { method: this.command, target, version, headers, bodyLength: body.length, bodyHash: hash(body) };
    record((this.constructor as typeof EchoHandler).parsed, this.clientAddress[1] as number, echo);
    const value = encodeEcho(echo);
    this.sendResponse(200);
    this.sendHeader('X-Echo', value);
    this.sendHeader('Content-Length', '0');
    this.endHeaders();
  }
}
for (const method of METHODS) {
  Object.defineProperty(EchoHandler.prototype, `do_${method}`, { value: EchoHandler.prototype.echo });
}

/** Starts our `HTTPServer` with `Handler` on 127.0.0.1, port 0. */
export async function startOurs(): Promise<Target> {
  const parsed = new Map<number, Echo[]>();
  const Handler = class extends EchoHandler {
    static override parsed = parsed;
  };
  const server = new HTTPServer(['127.0.0.1', 0], Handler);
  await server.serverBind();
  const serving = server.serveForever();
  return {
    port: (server.serverAddress as [string, number])[1],
    parsed,
    errors: new Map(),
    close: async () => {
      await server.shutdown();
      await serving;
      await server.serverClose();
    },
  };
}

function nodeEcho(parsed: Map<number, Echo[]>, req: IncomingMessage, res: ServerResponse): void {
  const pieces: Buffer[] = [];
  req.on('data', (piece: Buffer) => pieces.push(piece));
  req.on('end', () => {
    const body = Buffer.concat(pieces);
    const headers: string[] = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2)
      headers.push(`${req.rawHeaders[i]!.toLowerCase()}:${req.rawHeaders[i + 1]}`);
    const echo = {
      method: req.method ?? '',
      target: req.url ?? '',
      version: req.httpVersion,
      headers,
      bodyLength: body.length,
      bodyHash: hash(body),
    };
    record(parsed, req.socket.remotePort!, echo);
    const value = encodeEcho(echo);
    res.writeHead(200, { 'X-Echo': value, 'Content-Length': '0' });
    res.end();
  });
}

/** Starts `node:http` (llhttp, strict: `insecureHTTPParser` off) with the same echo; no Host check. */
export async function startNode(): Promise<Target> {
  const parsed = new Map<number, Echo[]>();
  const errors = new Map<number, string>();
  // requireHostHeader off: node:http's Host check runs after llhttp and is not the parser;
  // the comparison sees the request and `decisions.ts` explains our refusal.
  const server: Server = createServer(
    { insecureHTTPParser: false, requireHostHeader: false, keepAliveTimeout: 5000 },
    (req, res) => nodeEcho(parsed, req, res),
  );
  // An `Expect` other than 100-continue: node:http answers 417 itself unless told otherwise;
  // our handler ignores it (as Python does): serve it on both sides, this is not the parser.
  server.on('connection', (socket: Socket) => {
    parsed.delete(socket.remotePort!);
    errors.delete(socket.remotePort!);
  });
  server.on('checkExpectation', (req, res) => nodeEcho(parsed, req, res));
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    if (socket.remotePort !== undefined) errors.set(socket.remotePort, error.code ?? error.message);
    // Node's default answer (kept): 400, 431 or 408, then close.
    if (socket.writable) socket.end(defaultAnswer(error.code));
    else socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    parsed,
    errors,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The answer `node:http` sends on a parser error when no `clientError` listener exists. */
function defaultAnswer(code: string | undefined): string {
  if (code === 'HPE_HEADER_OVERFLOW')
    return 'HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n';
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n';
  return 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n';
}
