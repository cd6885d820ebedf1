/** File bytes sent after a response head: big reads, one read ahead, truncation detected. */
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
  readonly socket?: { readonly writableLength: number };
}

/**
 * Copies bytes `[start, end)` of an open file to `writer` with one read ahead, reusing
 * the buffer of a chunk once the socket has taken every byte (nothing then refers to it).
 * Throws `FileChangedError` if the file ends before `end`.
 */
async function copyRange(
  handle: FileHandle, path: string, start: number, end: number, readSize: number, writer: BodyWriter,
): Promise<void> {
  const spare: Buffer[] = [];
  const readAt = async (position: number): Promise<[chunk: Buffer, buffer: Buffer]> => {
    const length = Math.min(readSize, end - position);
    const buffer = spare.pop() ?? Buffer.allocUnsafe(readSize);
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
      next = position < end ? readAt(position) : undefined;
      await writer.write(chunk);
      writer.flush?.();
      if (writer.socket?.writableLength === 0) spare.push(buffer);
    }
  } finally {
    await next?.catch(() => {});
  }
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
