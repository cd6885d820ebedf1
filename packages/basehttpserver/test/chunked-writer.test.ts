// ChunkedWriter: a body in the chunked coding, as the CGI relay sends a script's output.
import { describe, expect, it } from 'vitest';
import { ChunkedWriter } from '../src/index.js';
import { serveInMemory } from '../src/testing.js';
import { QuietHandler } from './helpers.js';

class Chunked extends QuietHandler {
  override protocolVersion = 'HTTP/1.1';

  async do_GET(): Promise<void> {
    this.sendResponse(200);
    this.sendHeader('Transfer-Encoding', 'chunked');
    this.endHeaders();
    const chunks = new ChunkedWriter(this.wfile);
    for (const piece of ['abc', '', 'defgh']) await chunks.write(Buffer.from(piece));
    if (this.path !== '/cut') chunks.end();
  }
}

describe('ChunkedWriter', () => {
  it('writes each piece as a chunk (none for an empty one) and the last chunk at the end', async () => {
    const { raw, responses } = await serveInMemory(Chunked, { path: '/', headers: { Connection: 'close' } });
    expect(raw.toString('latin1')).toMatch(/\r\n\r\n3\r\nabc\r\n5\r\ndefgh\r\n0\r\n\r\n$/);
    expect(responses[0]!.body.toString()).toBe('abcdefgh');
  });

  it('without end(), the body has no last chunk: a response cut short never looks complete', async () => {
    const { raw } = await serveInMemory(Chunked, { path: '/cut', headers: { Connection: 'close' } });
    expect(raw.toString('latin1')).toMatch(/5\r\ndefgh\r\n$/);
  });
});
