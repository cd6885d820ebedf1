// Basic authentication (beyond Python): BaseHTTPRequestHandler.authRealm / credentials / authenticate().
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BasicCredentials } from '../src/index.js';
import { EchoHandler, exchange, logs, parseResponses, serve } from './helpers.js';

const hasCurl = existsSync('/usr/bin/curl');
if (!hasCurl) console.warn('/usr/bin/curl not found (apt-get install curl): curl auth tests skipped');

class Guarded extends EchoHandler {
  override authRealm: string | null = 'files "here"';
  override credentials: BasicCredentials | null = BasicCredentials.parse(
    '# accounts\nalice:s3cret:with:colons\nbob:pässwörd\n',
  );
}

function curl(args: string[]): Promise<{ status: number; headers: string }> {
  return new Promise((resolve, reject) => {
    execFile('curl', ['-sS', '-o', '/dev/null', '-D', '-', ...args], (error, stdout) => {
      if (error) return reject(error);
      resolve({ status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(stdout)?.[1]), headers: stdout });
    });
  });
}

const basic = (credentials: string) => `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;

describe.skipIf(!hasCurl)('BaseHTTPRequestHandler.authenticate() with curl -u', () => {
  it.for([
    { name: 'missing credentials', args: [], want: 401 },
    { name: 'a wrong password', args: ['-u', 'alice:wrong'], want: 401 },
    { name: 'an unknown user', args: ['-u', 'mallory:s3cret:with:colons'], want: 401 },
    { name: 'the right password (with colons)', args: ['-u', 'alice:s3cret:with:colons'], want: 200 },
    { name: 'a UTF-8 password', args: ['-u', 'bob:pässwörd'], want: 200 },
    { name: "another user's password", args: ['-u', 'bob:s3cret:with:colons'], want: 401 },
  ])('$name → $want', async ({ args, want }) => {
    const { port } = await serve(Guarded);
    const answer = await curl([...args, `http://127.0.0.1:${port}/x`]);
    expect(answer.status).toBe(want);
    if (want === 401)
      expect(answer.headers).toMatch(/^WWW-Authenticate: Basic realm="files \\"here\\"", charset="UTF-8"\r$/m);
  });
});

describe('Basic authentication on the wire', () => {
  it('logs a failed attempt with the client address and keeps the connection for the retry', async () => {
    const { port } = await serve(Guarded);
    const raw = await exchange(
      port,
      `GET /a HTTP/1.1\r\nHost: x\r\nAuthorization: ${basic('alice:nope')}\r\n\r\n` +
        `GET /b HTTP/1.1\r\nHost: x\r\nAuthorization: ${basic('alice:s3cret:with:colons')}\r\nConnection: close\r\n\r\n`,
    );
    expect(parseResponses(raw).map((r) => r.status)).toEqual([401, 200]);
    expect(logs.some((line) => /^127\.0\.0\.1 - - \[.*\] Authentication failed for user 'alice'$/.test(line))).toBe(
      true,
    );
  });

  it.for([
    { name: 'another scheme', value: 'Bearer abc' },
    { name: 'no colon', value: `Basic ${Buffer.from('alice').toString('base64')}` },
    { name: 'not base64', value: 'Basic !!!' },
    { name: 'a control character', value: basic('alice:s3cret:with:colons\u0001') },
    { name: 'empty', value: 'Basic ' },
  ])('malformed credentials ($name) → 401', async ({ value }) => {
    const { port } = await serve(Guarded);
    const raw = await exchange(
      port,
      `GET / HTTP/1.1\r\nHost: x\r\nAuthorization: ${value}\r\nConnection: close\r\n\r\n`,
    );
    expect(parseResponses(raw)[0]!.status).toBe(401);
  });

  it('refuses before 100 Continue and closes a connection whose body is unread', async () => {
    const { port } = await serve(Guarded);
    const raw = await exchange(
      port,
      'PUT /x HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\nhello',
    );
    expect(raw).toMatch(/^HTTP\/1\.1 401 /);
    expect(raw).not.toContain('100 Continue');
    expect(raw).toContain('Connection: close');
  });

  it('an HTTP/0.9 request, which cannot carry credentials, gets 401', async () => {
    const { port } = await serve(Guarded);
    expect(await exchange(port, 'GET /\r\n')).toMatch(/^HTTP\/1\.1 401 Unauthorized\r\n/);
  });

  it('sets authenticatedUser for the request only; an async authenticate() override decides', async () => {
    const seen: Array<string | undefined> = [];
    class Custom extends EchoHandler {
      override authRealm: string | null = 'r';
      override async authenticate(user: string, password: string): Promise<boolean> {
        await Promise.resolve();
        return user === 'carol' && password === 'pw';
      }
      override async do_GET(): Promise<void> {
        seen.push(this.authenticatedUser);
        await super.do_GET();
      }
    }
    const { port } = await serve(Custom);
    const raw = await exchange(
      port,
      `GET / HTTP/1.1\r\nHost: x\r\nAuthorization: ${basic('carol:pw')}\r\n\r\n` +
        `GET / HTTP/1.1\r\nHost: x\r\nAuthorization: ${basic('carol:no')}\r\nConnection: close\r\n\r\n`,
    );
    expect(parseResponses(raw).map((r) => r.status)).toEqual([200, 401]);
    expect(seen).toEqual(['carol']);
  });
});

describe('BasicCredentials', () => {
  it('checks a hashed entry from hashPassword() and never matches it as a plain password', async () => {
    const entry = await BasicCredentials.hashPassword('correct horse');
    expect(entry).toMatch(/^\$scrypt\$N=16384,r=8,p=1\$/);
    const credentials = BasicCredentials.parse(`dave:${entry}\n`);
    expect(await credentials.verify('dave', 'correct horse')).toBe(true);
    expect(await credentials.verify('dave', 'correct horse')).toBe(true); // remembered
    expect(await credentials.verify('dave', 'wrong')).toBe(false);
    expect(await credentials.verify('dave', entry)).toBe(false);
  });

  it.for([
    { text: 'nocolon', want: /line 1: expected USER:PASSWORD/ },
    { text: ':password', want: /line 1/ },
    { text: 'ok:1\nempty:', want: /the password of empty is empty/ },
  ])('refuses a malformed file ($text)', ({ text, want }) => {
    expect(() => BasicCredentials.parse(text)).toThrow(want);
  });
});
