/** The body of a large file compressed as it is sent: chunked on HTTP/1.1, else ended by close. */
import type { FileHandle } from 'node:fs/promises';
import { compressChunks } from './compression.js';
import type { Coding } from './encoding.js';
import { FileBody, FileChangedError, type BodyWriter } from '../file-body.js';

const LAST_CHUNK = Buffer.from('0\r\n\r\n');

/**
 * CompressedBody is a `FileBody` whose bytes go through a compressor: its length is not
 * known in advance, so on HTTP/1.1 it frames them as chunks (RFC 9112 §7.1) and ends with
 * the last chunk; on HTTP/1.0 the connection's close ends it. A response cut short (the
 * file shrank, the client left) never sends the last chunk, so it never looks complete.
 */
export class CompressedBody extends FileBody {
  readonly coding: Exclude<Coding, 'identity'>;
  /** Whether the bytes are framed with `Transfer-Encoding: chunked`. */
  readonly chunked: boolean;
  readonly #size: number;

  constructor(
    handle: FileHandle,
    path: string,
    size: number,
    coding: Exclude<Coding, 'identity'>,
    chunked: boolean,
    readSize?: number,
  ) {
    super(handle, path, [[0, size]], readSize);
    this.#size = size;
    this.coding = coding;
    this.chunked = chunked;
  }

  /** Unknown before the bytes are made: `NaN`. */
  override get length(): number {
    return Number.NaN;
  }

  override async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    const source = readChunks(this.handle, this.path, this.#size, this.readSize);
    for await (const chunk of compressChunks(this.coding, this.#size, source)) {
      if (chunk.length === 0) continue;
      yield this.chunked ? Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, CRLF]) : chunk;
    }
    if (this.chunked) yield LAST_CHUNK;
  }

  override async copyTo(writer: BodyWriter): Promise<void> {
    for await (const piece of this) await writer.write(piece);
  }
}

const CRLF = Buffer.from('\r\n');

/**
 * Yields the file's `size` bytes in reads of up to `readSize`, one read at a time: the
 * compressor paces the reads, and no read is left in flight (and unobserved) while it
 * waits. Throws `FileChangedError` if the file ends early.
 */
async function* readChunks(handle: FileHandle, path: string, size: number, readSize: number): AsyncGenerator<Buffer> {
  for (let position = 0; position < size; ) {
    const buffer = Buffer.allocUnsafe(Math.min(readSize, size - position));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
    if (bytesRead === 0) throw new FileChangedError(path);
    position += bytesRead;
    yield bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead);
  }
}
