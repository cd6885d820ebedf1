/** The chunked transfer coding of a response body (RFC 9112 §7.1), for derived classes. */
import type { SocketWriter } from '@httpstack/socketserver';

const CRLF = Buffer.from('\r\n');
const LAST_CHUNK = Buffer.from('0\r\n\r\n');

function ignore(): void {}

/**
 * ChunkedWriter writes a response body in chunks to `wfile`, after a head sent with
 * `Transfer-Encoding: chunked`: each `write` is one chunk (size line, data, CRLF, gathered
 * by the writer into one socket write); `end()` writes the last chunk. A response cut short
 * without `end()` never looks complete to the client.
 */
export class ChunkedWriter {
  readonly #wfile: SocketWriter;

  constructor(wfile: SocketWriter) {
    this.#wfile = wfile;
  }

  /**
   * Queues `data` as one chunk (nothing for an empty one, which would end the body).
   * Returns a promise only when the client must catch up first, or has gone (it rejects).
   */
  write(data: Buffer): Promise<void> | undefined {
    const wfile = this.#wfile;
    if (wfile.closed) return wfile.write(data);
    if (data.length === 0) return undefined;
    void wfile.write(data.length.toString(16) + '\r\n', 'latin1').catch(ignore);
    void wfile.write(data).catch(ignore);
    void wfile.write(CRLF).catch(ignore);
    return wfile.socket.writableNeedDrain ? wfile.drain() : undefined;
  }

  /** Writes the last chunk: the body is complete. */
  end(): void {
    void this.#wfile.write(LAST_CHUNK).catch(ignore);
  }
}
