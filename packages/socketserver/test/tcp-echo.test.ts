import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { StreamRequestHandler, TCPServer } from '../src/index.js';

class UpperEcho extends StreamRequestHandler {
  override async handle(): Promise<void> {
    for (;;) {
      const line = await this.rfile.readline();
      if (line.length === 0) return;
      await this.wfile.write(line.toString('latin1').toUpperCase(), 'latin1');
    }
  }
}

/** Sends `parts` one by one and resolves with everything received until the server closes. */
function exchange(port: number, parts: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.setEncoding('latin1');
    socket.on('data', (data) => (received += data));
    socket.on('error', reject);
    socket.on('close', () => resolve(received));
    socket.on('connect', async () => {
      for (const part of parts) socket.write(part);
      socket.end();
    });
  });
}

describe('TCPServer (socketserver.TCPServer) with StreamRequestHandler', () => {
  let server: TCPServer | undefined;
  afterEach(async () => {
    await server?.shutdown();
    await server?.serverClose();
  });

  it('binds port 0 and reports the real port in serverAddress', async () => {
    server = new TCPServer(['127.0.0.1', 0], UpperEcho);
    await server.serverBind();
    const [host, port] = server.serverAddress as [string, number];
    expect(host).toBe('127.0.0.1');
    expect(port).toBeGreaterThan(0);
  });

  it('echoes lines through rfile.readline and wfile.write', async () => {
    server = new TCPServer(['127.0.0.1', 0], UpperEcho);
    await server.serverBind();
    void server.serveForever();
    const port = (server.serverAddress as [string, number])[1];
    expect(await exchange(port, ['hello\nwor', 'ld\n', 'no newline'])).toBe('HELLO\nWORLD\nNO NEWLINE');
  });
});
