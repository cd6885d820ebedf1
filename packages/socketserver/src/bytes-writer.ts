/** An in-memory `wfile`, like Python's `io.BytesIO`, for datagram handlers. */
import type { Chunk } from './socket-writer.js';

const RESOLVED: Promise<void> = Promise.resolve();

/** BytesWriter collects what is written; `getValue()` returns it joined. */
export class BytesWriter {
  #chunks: Buffer[] = [];
  #length = 0;

  /** Appends `chunk`; resolves at once (memory takes everything). */
  write(chunk: Chunk, encoding: BufferEncoding = 'utf8'): Promise<void> {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, encoding) : Buffer.from(chunk);
    this.#chunks.push(bytes);
    this.#length += bytes.length;
    return RESOLVED;
  }

  /** Everything written so far, as one Buffer. */
  getValue(): Buffer {
    return Buffer.concat(this.#chunks, this.#length);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.#length;
  }
}
