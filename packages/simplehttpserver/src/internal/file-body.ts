/** File bytes sent after a response head: reads sized to the peer, truncation detected. */
import type { FileHandle } from 'node:fs/promises';

/** Default size of one read of a large file: big enough to keep the socket busy. */
export const READ_SIZE = 1024 * 1024;

/** The file changed (shrank) while it was being sent: the response cannot be completed. */
export class FileChangedError extends Error {
  constructor(path: string) {
    super(`${path} shrank while it was being sent`);
    this.name = 'FileChangedError';
  }
}

/** Part of a body: literal bytes, or `[start, end)` of the file. */
export type BodyPart = Buffer | readonly [start: number, end: number];

/**
 * FileBody is the body of a file response, as `sendHead()` returns it: iterate it to get
 * the bytes, then `close()` it (as Python's `do_GET` closes the file `send_head` opened).
 * Parts are literal buffers (multipart boundaries) or byte ranges read from the open file.
 */
export class FileBody implements AsyncIterable<Buffer> {
  readonly handle: FileHandle;
  readonly path: string;
  readonly parts: readonly BodyPart[];
  /** Bytes per read. */
  readSize: number;

  constructor(handle: FileHandle, path: string, parts: readonly BodyPart[], readSize = READ_SIZE) {
    this.handle = handle;
    this.path = path;
    this.parts = parts;
    this.readSize = readSize;
  }

  /** Total bytes this body yields. */
  get length(): number {
    let total = 0;
    for (const part of this.parts) total += Buffer.isBuffer(part) ? part.length : part[1] - part[0];
    return total;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    for (const part of this.parts) {
      if (Buffer.isBuffer(part)) yield part;
      else yield* readRange(this.handle, this.path, part[0], part[1], this.readSize);
    }
  }

  /**
   * Writes the body to `writer`, waiting on its backpressure. Unlike iteration, reuses its
   * read buffers: a buffer is read into again only once the socket behind `writer` holds
   * no unsent bytes (fresh memory costs a page fault per 4 KiB).
   */
  async copyTo(writer: BodyWriter): Promise<void> {
    for (const part of this.parts) {
      if (Buffer.isBuffer(part)) await writer.write(part);
      else await copyRange(this.handle, this.path, part[0], part[1], this.readSize, writer);
    }
  }

  /** Closes the file. Safe to call more than once. */
  async close(): Promise<void> {
    await this.handle.close().catch(() => {});
  }
}

/**
 * Yields bytes `[start, end)` of an open file in reads of up to `readSize` bytes, with the
 * next read already running while the caller writes the previous chunk. Throws
 * `FileChangedError` if the file ends before `end`.
 */
export async function* readRange(
  handle: FileHandle,
  path: string,
  start: number,
  end: number,
  readSize: number,
): AsyncGenerator<Buffer> {
  const readAt = async (position: number): Promise<Buffer> => {
    const length = Math.min(readSize, end - position);
    const buffer = Buffer.allocUnsafe(length);
    const { bytesRead } = await handle.read(buffer, 0, length, position);
    if (bytesRead === 0) throw new FileChangedError(path);
    return bytesRead === length ? buffer : buffer.subarray(0, bytesRead);
  };
  let position = start;
  let next: Promise<Buffer> | undefined = position < end ? readAt(position) : undefined;
  try {
    while (next !== undefined) {
      const chunk: Buffer = await next;
      position += chunk.length;
      next = position < end ? readAt(position) : undefined;
      yield chunk;
    }
  } finally {
    // the consumer stopped early: let the read in flight settle before the file is closed
    await next?.catch(() => {});
  }
}

/** Where `FileBody.copyTo` writes: a `SocketWriter`, or anything with a `write`. */
export interface BodyWriter {
  write(chunk: Buffer): Promise<void>;
  /** Sends what is gathered now (`SocketWriter.flush`). */
  flush?(): void;
  /** The connection; its `writableLength` tells when written buffers are free again. */
  readonly socket?: { readonly writableLength: number; readonly writableHighWaterMark?: number };
}

/**
 * Smallest read, used for a peer that takes bytes slowly: what one slow-reading connection
 * holds in user memory beyond the kernel's socket buffers.
 */
export const SLOW_READ_SIZE = 16 * 1024;

/** A read is sized to what the peer took in about this many milliseconds. */
const READ_WINDOW_MS = 10;

/**
 * Copies bytes `[start, end)` of an open file to `writer`. Reads are sized to the peer:
 * they start at `SLOW_READ_SIZE` and double while the socket takes each chunk at once, up
 * to `readSize`; after a wait for `'drain'` they are sized to what the peer took in about
 * 10 ms. The next read starts before the write is done only while the socket's queue is
 * below its high-water mark. A buffer is reused once the socket has taken all of it.
 * Throws `FileChangedError` if the file ends before `end`.
 *
 * **Security:** a slow reader (slowhttptest `-X`) holds at most about two small buffers,
 * not two of `readSize` (1,000 such connections took 2 GB before).
 */
async function copyRange(
  handle: FileHandle, path: string, start: number, end: number, readSize: number, writer: BodyWriter,
): Promise<void> {
  const socket = writer.socket;
  let size = Math.min(SLOW_READ_SIZE, readSize);
  let spare: Buffer | undefined;
  const readAt = async (position: number): Promise<[chunk: Buffer, buffer: Buffer]> => {
    const length = Math.min(size, end - position);
    const buffer = spare !== undefined && spare.length >= length ? spare : Buffer.allocUnsafe(length);
    spare = undefined;
    const { bytesRead } = await handle.read(buffer, 0, length, position);
    if (bytesRead === 0) throw new FileChangedError(path);
    return [buffer.subarray(0, bytesRead), buffer];
  };
  let position = start;
  let next = position < end ? readAt(position) : undefined;
  try {
    while (next !== undefined) {
      const [chunk, buffer] = await next;
      position += chunk.length;
      const began = performance.now();
      const written = writer.write(chunk);
      writer.flush?.();
      next = position < end && belowHighWaterMark(socket) ? readAt(position) : undefined;
      await written;
      size = nextReadSize(size, chunk.length, performance.now() - began, readSize);
      if (socket === undefined || socket.writableLength === 0) spare = buffer;
      if (next === undefined && position < end) next = readAt(position);
    }
  } finally {
    await next?.catch(() => {});
  }
}

/** True if the socket's queue is below its high-water mark (or there is no socket to ask). */
function belowHighWaterMark(socket: BodyWriter['socket']): boolean {
  return socket === undefined || socket.writableLength < (socket.writableHighWaterMark ?? 16 * 1024);
}

/**
 * The next read's size: doubled when the last chunk was taken at once, otherwise what
 * the peer took in `READ_WINDOW_MS` (a power of two between `SLOW_READ_SIZE` and `readSize`).
 */
function nextReadSize(size: number, written: number, waitedMs: number, readSize: number): number {
  const floor = Math.min(SLOW_READ_SIZE, readSize);
  if (waitedMs < 1) return Math.min(size * 2, readSize);
  const fits = (written / waitedMs) * READ_WINDOW_MS;
  let next = floor;
  while (next * 2 <= fits && next * 2 <= readSize) next *= 2;
  return next;
}

/** Reads a whole small file whose size is known; throws `FileChangedError` if it is shorter. */
export async function readWhole(handle: FileHandle, path: string, size: number): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(size);
  let filled = 0;
  while (filled < size) {
    const { bytesRead } = await handle.read(buffer, filled, size - filled, filled);
    if (bytesRead === 0) throw new FileChangedError(path);
    filled += bytesRead;
  }
  return buffer;
}
