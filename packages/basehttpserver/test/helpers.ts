// Shared test kit: servers on 127.0.0.1 port 0 that are always closed, raw-socket clients.
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { format } from 'node:util';
import { afterEach } from 'vitest';
import { BaseHTTPRequestHandler, HTTPServer } from '../src/index.js';
import type { RequestHandlerClass, ServerOptions } from '@httpstack/socketserver';

/** Log lines written by `QuietHandler`s, newest last. Cleared after each test. */
export const logs: string[] = [];

/** A handler whose access log goes to `logs` instead of stderr. */
export class QuietHandler extends BaseHTTPRequestHandler {
  override logMessage(fmt: string, ...args: unknown[]): void {
    // Route through the real formatter (escaping) without writing to stderr.
    const write = process.stderr.write;
    process.stderr.write = ((line: string) => {
      logs.push(line.replace(/\n$/, ''));
      return true;
    }) as typeof process.stderr.write;
    try {
      super.logMessage(fmt, ...args);
    } finally {
      process.stderr.write = write;
    }
  }
}

/** A keep-alive handler that answers GET/POST/HEAD/PUT with what it parsed, as JSON. */
export class EchoHandler extends QuietHandler {
  override protocolVersion = 'HTTP/1.1';

  async do_GET(): Promise<void> {
    await this.reply({});
  }

  async do_POST(): Promise<void> {
    const body = await this.readBody();
    await this.reply({ body: body.toString('latin1') });
  }

  async do_PUT(): Promise<void> {
    await this.do_POST();
  }

  async do_HEAD(): Promise<void> {
    await this.reply({}, false);
  }

  async reply(extra: Record<string, unknown>, withBody = true): Promise<void> {
    const payload = Buffer.from(JSON.stringify({
      command: this.command, path: this.path, requestVersion: this.requestVersion,
      requestline: this.requestline, headers: [...this.headers], ...extra,
    }));
    this.sendResponse(200);
    this.sendHeader('Content-Type', 'application/json');
    this.sendHeader('Content-Length', payload.length);
    this.endHeaders();
    if (withBody) await this.wfile.write(payload);
  }
}

const servers: HTTPServer[] = [];
afterEach(async () => {
  logs.length = 0;
  for (const server of servers.splice(0)) {
    await server.shutdown();
    await server.serverClose();
  }
});

/** Starts `Handler` on 127.0.0.1 port 0; the server is shut down after the test. */
export async function serve(Handler: RequestHandlerClass, options?: ServerOptions, Server = HTTPServer): Promise<{ server: HTTPServer; port: number }> {
  const server = new Server(['127.0.0.1', 0], Handler, options);
  servers.push(server);
  await server.serverBind();
  void server.serveForever();
  return { server, port: (server.serverAddress as [string, number])[1] };
}

/** Connects a raw client. */
export async function dial(port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  return socket;
}

/** Resolves with everything received until the server closes (latin1), rejecting on error. */
export function receiveAll(socket: Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let received = '';
    socket.setEncoding('latin1');
    socket.on('data', (data: string) => (received += data));
    socket.on('error', reject);
    socket.on('close', () => resolve(received));
  });
}

/** Sends `bytes`, half-closes, and resolves with all received until the server closes. */
export async function exchange(port: number, ...parts: Array<string | Buffer>): Promise<string> {
  const socket = await dial(port);
  const received = receiveAll(socket);
  for (const part of parts) socket.write(typeof part === 'string' ? Buffer.from(part, 'latin1') : part);
  socket.end();
  return received;
}

/** Sends `bytes` without half-closing; resolves with all received once the server closes. */
export async function sendAndWaitClose(port: number, ...parts: Array<string | Buffer>): Promise<string> {
  const socket = await dial(port);
  const received = receiveAll(socket);
  for (const part of parts) socket.write(typeof part === 'string' ? Buffer.from(part, 'latin1') : part);
  return received;
}

/** One parsed response of a raw byte stream. */
export interface RawResponse {
  version: string;
  status: number;
  reason: string;
  headers: Array<[string, string]>;
  header(name: string): string | undefined;
  body: string;
}

/**
 * Splits raw response bytes into responses (Content-Length framed; a response without it
 * runs to the end; 1xx, 204, 304 and `noBody` ones have none).
 */
export function parseResponses(raw: string, noBody: (index: number) => boolean = () => false): RawResponse[] {
  const out: RawResponse[] = [];
  let pos = 0;
  while (pos < raw.length) {
    const end = raw.indexOf('\r\n\r\n', pos);
    if (end === -1) throw new Error(format('unterminated response head: %j', raw.slice(pos)));
    const [statusLine, ...lines] = raw.slice(pos, end).split('\r\n');
    const [, version = '', status = '', reason = ''] = /^(HTTP\/\d\.\d) (\d{3}) ?(.*)$/.exec(statusLine!) ?? [];
    const headers = lines.map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()] as [string, string]);
    const header = (name: string) => headers.find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1];
    pos = end + 4;
    const code = Number(status);
    let body = '';
    if (!(code < 200 || code === 204 || code === 304 || noBody(out.length))) {
      const length = header('content-length');
      body = length === undefined ? raw.slice(pos) : raw.slice(pos, pos + Number(length));
      pos += body.length;
    }
    out.push({ version, status: code, reason, headers, header, body });
  }
  return out;
}
