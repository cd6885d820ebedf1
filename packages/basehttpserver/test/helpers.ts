// Shared test kit: servers on 127.0.0.1 port 0 that are always closed, raw-socket clients.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { BaseHTTPRequestHandler, HTTPServer } from '../src/index.js';
import type { RequestHandlerClass, ServerOptions } from '@httpstack/socketserver';

export { dial, exchange, parseResponses, receiveAll, sendAndWaitClose, type RawResponse } from '@httpstack/test-kit';

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
    const payload = Buffer.from(
      JSON.stringify({
        command: this.command,
        path: this.path,
        requestVersion: this.requestVersion,
        requestline: this.requestline,
        headers: [...this.headers],
        ...extra,
      }),
    );
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
export async function serve(
  Handler: RequestHandlerClass,
  options?: ServerOptions,
  Server = HTTPServer,
): Promise<{ server: HTTPServer; port: number }> {
  const server = new Server(['127.0.0.1', 0], Handler, options);
  servers.push(server);
  await server.serverBind();
  void server.serveForever();
  return { server, port: (server.serverAddress as [string, number])[1] };
}

/** A throwaway RSA key and self-signed certificate for `localhost`, made with `openssl` in `dir`. */
export function rsaCertificate(dir: string): { key: Buffer; cert: Buffer } {
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  const args = [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    key,
    '-out',
    cert,
    '-days',
    '1',
    '-subj',
    '/CN=localhost',
  ];
  const made = spawnSync('openssl', args);
  if (made.status !== 0) throw new Error(`openssl could not make a certificate: ${made.stderr.toString()}`);
  return { key: readFileSync(key), cert: readFileSync(cert) };
}
