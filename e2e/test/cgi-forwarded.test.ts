// CGI behind a trusted proxy: REMOTE_ADDR is the client that X-Forwarded-For names (the
// CGI layer reads clientAddress), and stays the peer when the proxy is not trusted.
import { once } from 'node:events';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { HTTPServer, type HTTPServerOptions } from '@httpstack/basehttpserver';
import { CGIHTTPRequestHandler } from '@httpstack/cgihttpserver';

const root = mkdtempSync(join(tmpdir(), 'httpstack-e2e-cgi-'));
mkdirSync(join(root, 'cgi-bin'));
writeFileSync(
  join(root, 'cgi-bin', 'addr.sh'),
  '#!/bin/sh\nprintf "Content-Type: text/plain\\r\\n\\r\\nREMOTE_ADDR=%s REMOTE_PORT=%s\\n" "$REMOTE_ADDR" "$REMOTE_PORT"\n',
);
// Scripts run as nobody when the tests run as root: the folder must be reachable.
for (const path of [root, join(root, 'cgi-bin')]) chmodSync(path, 0o755);
chmodSync(join(root, 'cgi-bin', 'addr.sh'), 0o755);
afterAll(() => rmSync(root, { recursive: true, force: true }));

const servers: HTTPServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    await server.shutdown();
    await server.serverClose();
  }
});

class Quiet extends CGIHTTPRequestHandler.configure({ directory: root }) {
  override logMessage(): void {}
}

async function ask(options: HTTPServerOptions, headers: string): Promise<string> {
  const server = new HTTPServer(['127.0.0.1', 0], Quiet, options);
  servers.push(server);
  await server.serverBind();
  void server.serveForever();
  const socket = connect((server.serverAddress as [string, number])[1], '127.0.0.1');
  await once(socket, 'connect');
  let text = '';
  socket.on('data', (data: Buffer) => (text += data.toString('latin1')));
  socket.end(`GET /cgi-bin/addr.sh HTTP/1.0\r\n${headers}\r\n`);
  await once(socket, 'close');
  return text;
}

describe('CGI REMOTE_ADDR behind a proxy', () => {
  it('a trusted proxy: REMOTE_ADDR is the client of X-Forwarded-For', async () => {
    const answer = await ask({ trustedProxies: ['127.0.0.1'] }, 'X-Forwarded-For: 6.6.6.6, 203.0.113.9\r\n');
    expect(answer).toMatch(/^HTTP\/1\.0 200 /);
    expect(answer).toMatch(/\r\n\r\nREMOTE_ADDR=203\.0\.113\.9 REMOTE_PORT=0\n$/);
  });

  it('no trusted proxy: REMOTE_ADDR is the peer, whatever the header says', async () => {
    const answer = await ask({}, 'X-Forwarded-For: 203.0.113.9\r\n');
    expect(answer).toMatch(/\r\n\r\nREMOTE_ADDR=127\.0\.0\.1 REMOTE_PORT=\d+\n$/);
  });
});
