// Request text echoed in a status line, error page or log line is capped (capEcho): a
// 64 KiB hostile line costs the server ~1 KB of answer, still escaped.
import { describe, expect, it } from 'vitest';
import { EchoHandler, exchange, logs, parseResponses, serve } from './helpers.js';

const H = 'Host: example\r\n';
const LONG = 60_000;

describe('BaseHTTPRequestHandler: echoed request text is capped (capEcho)', () => {
  it.for([
    { name: 'a 65,000-byte line of \\x01', raw: `${'\x01'.repeat(65_000)}\r\n\r\n`, status: 400 },
    { name: 'a long bad version', raw: `GET / HTTP/${'9'.repeat(LONG)}\r\n${H}\r\n`, status: 400 },
    { name: 'a long unknown method', raw: `${'A'.repeat(LONG)} / HTTP/1.1\r\n${H}\r\n`, status: 501 },
    {
      name: 'a long unknown transfer coding',
      raw: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: ${'x'.repeat(LONG)}, chunked\r\n\r\n0\r\n\r\n`,
      status: 501,
    },
    {
      name: 'a long target (served)',
      raw: `GET /${'\x80'.repeat(LONG)} HTTP/1.1\r\n${H}Connection: close\r\n\r\n`,
      status: 200,
    },
  ])('$name → $status, status line, page and log lines under 1.2 KB', async ({ raw, status }) => {
    const { port } = await serve(EchoHandler);
    const received = await exchange(port, raw);
    const [response] = parseResponses(received);
    expect(response!.status).toBe(status);
    const statusLine = received.slice(0, received.indexOf('\r\n'));
    expect(statusLine.length, statusLine.slice(0, 80)).toBeLessThan(1200);
    if (status !== 200) {
      expect(response!.reason).toMatch(/\.\.\. \[\d+ more bytes\]/);
      expect(response!.body.length).toBeLessThan(3000);
      expect(response!.body).toMatch(/\.\.\. \[\d+ more bytes\]/);
    }
    expect(received).not.toContain('\x01');
    expect(logs.length).toBeGreaterThan(0);
    for (const line of logs) {
      expect(line.length, line.slice(0, 80)).toBeLessThan(1200);
      expect(line).not.toMatch(/[\x00-\x1f\x7f-\x9f]/);
    }
    expect(logs.join('\n')).toMatch(/\.\.\. \[\d+ more bytes\]/);
  });

  it('a short line is echoed whole, without a marker', async () => {
    const { port } = await serve(EchoHandler);
    const [response] = parseResponses(await exchange(port, 'GET / HTTP/9.x\r\n\r\n'));
    expect(response!.reason).toBe("Bad request version ('HTTP/9.x')");
  });
});
