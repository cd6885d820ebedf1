// Uploads and Basic authentication with CGIHTTPRequestHandler: REMOTE_USER, and no upload into a CGI directory.
import { existsSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BasicCredentials } from '@httpstack/basehttpserver';
import { exchange, makeFixture, serve, type Fixture, type Running } from './helpers.js';

let fixture: Fixture;
let running: Running | undefined;
beforeAll(() => {
  fixture = makeFixture();
  symlinkSync(join(fixture.root, 'cgi-bin'), join(fixture.root, 'scripts-link'));
});
afterAll(() => fixture.remove());
afterEach(async () => {
  await running?.close();
  running = undefined;
});

const basic = (credentials: string) => `Basic ${Buffer.from(credentials).toString('base64')}`;
const status = (raw: string) => Number(/^HTTP\/1\.[01] (\d{3})/.exec(raw)?.[1]);

describe('CGIHTTPRequestHandler with Basic authentication', () => {
  const fields = { authRealm: 'cgi', credentials: BasicCredentials.parse('erin:pw\n') };

  it('sets REMOTE_USER and AUTH_TYPE from the verified user', async () => {
    running = await serve(fixture.root, fields);
    const raw = await exchange(
      running.port,
      `GET /cgi-bin/env.sh HTTP/1.1\r\nHost: x\r\nAuthorization: ${basic('erin:pw')}\r\nConnection: close\r\n\r\n`,
    );
    expect(status(raw)).toBe(200);
    expect(raw).toMatch(/^REMOTE_USER=erin$/m);
    expect(raw).toMatch(/^AUTH_TYPE=Basic$/m);
    expect(raw).not.toContain('pw');
  });

  it('runs no script without valid credentials', async () => {
    running = await serve(fixture.root, fields);
    const raw = await exchange(
      running.port,
      `GET /cgi-bin/env.sh HTTP/1.1\r\nHost: x\r\nAuthorization: ${basic('erin:no')}\r\nConnection: close\r\n\r\n`,
    );
    expect(status(raw)).toBe(401);
    expect(raw).not.toContain('REMOTE_ADDR=');
  });

  it('without authentication, a client-sent Authorization sets no REMOTE_USER', async () => {
    running = await serve(fixture.root);
    const raw = await exchange(
      running.port,
      `GET /cgi-bin/env.sh HTTP/1.1\r\nHost: x\r\nAuthorization: ${basic('erin:pw')}\r\nConnection: close\r\n\r\n`,
    );
    expect(raw).not.toMatch(/^REMOTE_USER=/m);
  });
});

describe('CGIHTTPRequestHandler.isUploadAllowed()', () => {
  it.for([
    { name: 'into cgi-bin', target: '/cgi-bin/new.sh' },
    { name: 'into a CGI subfolder', target: '/cgi-bin/sub/new.sh' },
    { name: 'into cgi-bin spelled with a dot segment', target: '/./cgi-bin/new.sh' },
    { name: 'through a symlink to cgi-bin', target: '/scripts-link/new.sh' },
  ])('PUT $name → 403, nothing written', async ({ target }) => {
    running = await serve(fixture.root, { upload: true });
    const raw = await exchange(
      running.port,
      `PUT ${target} HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi`,
    );
    expect(status(raw)).toBe(403);
    expect(existsSync(join(fixture.root, 'cgi-bin', 'new.sh'))).toBe(false);
    expect(existsSync(join(fixture.root, 'cgi-bin', 'sub', 'new.sh'))).toBe(false);
  });

  it('a form posted to a CGI directory runs the CGI rules; posted elsewhere it uploads', async () => {
    running = await serve(fixture.root, { upload: true });
    const body = '--b\r\nContent-Disposition: form-data; name="f"; filename="up.txt"\r\n\r\nup\r\n--b--\r\n';
    const head = (path: string) =>
      `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`;
    expect(status(await exchange(running.port, head('/scripts-link/') + body))).toBe(403);
    expect(status(await exchange(running.port, head('/') + body))).toBe(201);
    expect(existsSync(join(fixture.root, 'up.txt'))).toBe(true);
    expect(readdirSync(join(fixture.root, 'cgi-bin')).filter((n) => n.startsWith('.up'))).toEqual([]);
  });
});
