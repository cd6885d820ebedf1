// Optional whitespace is SP and HTAB only (RFC 9110 §5.6.3): \xa0, \x85, VT and FF around
// framing tokens are never trimmed away, in the helper and over a real socket.
import { describe, expect, it } from 'vitest';
import { splitList, trimOWS, type HTTPServerOptions } from '../src/index.js';
import { EchoHandler, QuietHandler, exchange, parseResponses, serve } from './helpers.js';

const HOSTILE = [
  { name: 'NBSP', byte: '\xa0' },
  { name: 'NEL', byte: '\x85' },
  { name: 'VT', byte: '\x0b' },
  { name: 'FF', byte: '\x0c' },
];
const PLACES = [
  { where: 'before', wrap: (byte: string, token: string) => `${byte}${token}` },
  { where: 'after', wrap: (byte: string, token: string) => `${token}${byte}` },
];
const CASES = HOSTILE.flatMap(({ name, byte }) =>
  PLACES.map(({ where, wrap }) => ({ name: `${name} ${where}`, byte, wrap })),
);
const H = 'Host: example\r\n';

describe('trimOWS / splitList', () => {
  it.for([
    { input: ' \t a \t ', want: 'a' },
    { input: 'a', want: 'a' },
    { input: '', want: '' },
    { input: ' \t ', want: '' },
    ...HOSTILE.map(({ byte }) => ({ input: ` ${byte}chunked${byte}\t`, want: `${byte}chunked${byte}` })),
    { input: '\u2003x\u3000', want: '\u2003x\u3000' },
  ])('trimOWS($input) → $want', ({ input, want }) => {
    expect(trimOWS(input)).toBe(want);
  });

  it('splitList keeps empty elements and trims SP/HTAB only', () => {
    expect(splitList(' a ,\tb\t,, \xa0c')).toEqual(['a', 'b', '', '\xa0c']);
  });
});

describe('BaseHTTPRequestHandler.parseRequest: hostile whitespace around framing tokens', () => {
  it.for(CASES)('Transfer-Encoding with $name chunked is not chunked (400)', async ({ byte, wrap }) => {
    const { port } = await serve(EchoHandler);
    const raw = `POST / HTTP/1.1\r\n${H}Transfer-Encoding: ${wrap(byte, 'chunked')}\r\n\r\n5\r\nhello\r\n0\r\n\r\n`;
    const responses = parseResponses(await exchange(port, raw));
    expect(responses.map((r) => r.status)).toEqual([400]);
  });

  it.for(CASES)('Content-Length with $name is refused (400)', async ({ byte, wrap }) => {
    const { port } = await serve(EchoHandler);
    const raw = `POST / HTTP/1.1\r\n${H}Content-Length: ${wrap(byte, '5')}\r\n\r\nhello`;
    const responses = parseResponses(await exchange(port, raw));
    expect(responses.map((r) => r.status)).toEqual([400]);
  });

  it.for(CASES)('Connection: close with $name does not close (or is refused)', async ({ byte, wrap }) => {
    const { port } = await serve(EchoHandler);
    const raw = `GET /1 HTTP/1.1\r\n${H}Connection: ${wrap(byte, 'close')}\r\n\r\nGET /2 HTTP/1.1\r\n${H}\r\n`;
    const statuses = parseResponses(await exchange(port, raw)).map((r) => r.status);
    // A control byte is refused outright; obs-text is a value that is simply not `close`.
    expect(statuses).toEqual(byte < ' ' ? [400] : [200, 200]);
  });

  it.for(CASES)('Expect: 100-continue with $name gets no 100 Continue', async ({ byte, wrap }) => {
    const { port } = await serve(EchoHandler);
    const raw = `POST / HTTP/1.1\r\n${H}Content-Length: 5\r\nExpect: ${wrap(byte, '100-continue')}\r\nConnection: close\r\n\r\nhello`;
    const statuses = parseResponses(await exchange(port, raw)).map((r) => r.status);
    expect(statuses).toEqual(byte < ' ' ? [400] : [200]);
  });

  it('control: plain 100-continue, close and chunked still work', async () => {
    const { port } = await serve(EchoHandler);
    const raw = `POST / HTTP/1.1\r\n${H}Expect: \t100-continue \r\nTransfer-Encoding: \tchunked \r\nConnection: \tclose \r\n\r\n5\r\nhello\r\n0\r\n\r\nGET / HTTP/1.1\r\n${H}\r\n`;
    const responses = parseResponses(await exchange(port, raw));
    expect(responses.map((r) => r.status)).toEqual([100, 200]);
    expect(JSON.parse(responses[1]!.body).body).toBe('hello');
  });
});

/** Answers with `clientAddress[0]`. */
class WhoHandler extends QuietHandler {
  async do_GET(): Promise<void> {
    const body = Buffer.from(String(this.clientAddress[0]));
    this.sendResponse(200);
    this.sendHeader('Content-Length', body.length);
    this.endHeaders();
    await this.wfile.write(body);
  }
}

describe('HTTPServer.trustedProxies: X-Forwarded-For entries with hostile whitespace', () => {
  it.for([
    ...CASES.map(({ name, byte, wrap }) => ({
      name,
      xff: wrap(byte, '203.0.113.7'),
      want: byte < ' ' ? 400 : '127.0.0.1',
    })),
    { name: 'SP and HTAB (control)', xff: ' \t203.0.113.7\t ', want: '203.0.113.7' },
  ])('entry with $name → $want', async ({ xff, want }) => {
    const options: HTTPServerOptions = { trustedProxies: ['127.0.0.1'] };
    const { port } = await serve(WhoHandler, options);
    const [response] = parseResponses(
      await exchange(port, `GET / HTTP/1.0\r\nX-Forwarded-For: 6.6.6.6,${xff}\r\n\r\n`),
    );
    if (typeof want === 'number') expect(response!.status).toBe(want);
    else expect(response!.body).toBe(want);
  });
});
