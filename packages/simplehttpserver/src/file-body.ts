/** File bytes sent after a response head: batched reads in slices, truncation detected. */
import type { FileHandle } from 'node:fs/promises';
import { SlicePool } from './internal/slice-pool.js';

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
 * Bytes per slice of a file response: a read fills several slices (one `readv`), each
 * written on its own, so a slow peer pins one slice, not a whole read.
 */
export const SLICE_SIZE = 64 * 1024;

/**
 * Bytes per slice once the socket has queued one: no more than the socket's high-water
 * mark, so the next write waits for `'drain'` and the queue empties before another read.
 */
export const SLOW_SLICE_SIZE = 16 * 1024;

/**
 * Copies bytes `[start, end)` of an open file to `writer`: one `readv` fills a batch of
 * `SLICE_SIZE` slices from a process-wide pool, written while the socket takes each at
 * once. The first slice it queues ends the batch (the rest go back to the pool, to be read
 * again) and the copy waits for `'drain'`; the next batch is one `SLOW_SLICE_SIZE` slice.
 * A batch taken whole doubles the next one: up to `UNPROVEN_SLICES` until the peer has
 * drained a full queue once or taken `PROVEN_BYTES` in a row, then up to `readSize`. No
 * read runs ahead while the socket's queue is full. Throws `FileChangedError` if the file
 * ends before `end`.
 *
 * **Security:** a slow reader (slowhttptest `-X`) holds one or two slices (at most about
 * 96 KiB) beyond the kernel's socket buffers, not two reads of `readSize` (1,000 of them
 * took 2 GB before); slices are reused, and the pool lets idle memory go.
 */
async function copyRange(
  handle: FileHandle,
  path: string,
  start: number,
  end: number,
  readSize: number,
  writer: BodyWriter,
): Promise<void> {
  const fast = poolFor(Math.min(SLICE_SIZE, readSize));
  const slow = poolFor(Math.min(SLOW_SLICE_SIZE, readSize));
  const maxSlices = Math.max(1, Math.floor(readSize / fast.size));
  const busy: Array<[Buffer, SlicePool]> = []; // slices the socket may still refer to
  let pool = fast;
  let count = 1;
  let proven = false; // the peer reads: it emptied a full queue, or took PROVEN_BYTES at once
  let takenAtOnce = 0;
  let position = start;
  try {
    while (position < end) {
      if ((writer.socket?.writableLength ?? 0) === 0) for (const [slice, owner] of busy.splice(0)) owner.give(slice);
      const left = end - position;
      const buffers = Array.from({ length: Math.min(count, Math.ceil(left / pool.size)) }, () => pool.take());
      const slices = buffers.map((buffer, i) =>
        left - i * pool.size < pool.size ? buffer.subarray(0, left - i * pool.size) : buffer,
      );
      const { bytesRead } = await handle.readv(slices, position).catch((error: unknown) => {
        for (const buffer of buffers) pool.give(buffer);
        throw error;
      });
      const { sent, queuedAt, written } = writeSlices(writer, slices, bytesRead);
      position += sent;
      for (const [i, buffer] of buffers.entries())
        if (i === queuedAt) busy.push([buffer, pool]);
        else pool.give(buffer);
      takenAtOnce = queuedAt === -1 ? takenAtOnce + sent : 0;
      proven ||= takenAtOnce >= PROVEN_BYTES;
      // Taken at once: more slices next time (a slow peer first gets its big slices back).
      const most = proven ? maxSlices : Math.min(maxSlices, UNPROVEN_SLICES);
      [pool, count] = queuedAt !== -1 ? [slow, 1] : pool === slow ? [fast, 1] : [fast, Math.min(count * 2, most)];
      if (bytesRead === 0) throw new FileChangedError(path);
      await written; // 'drain' when the socket's queue is full; rejects once the connection is closed
      if (queuedAt !== -1) proven = true; // it drained
    }
  } finally {
    for (const [slice, owner] of busy) owner.abandon(slice);
  }
}

/**
 * Most slices one read takes until the peer has shown it reads. The kernel's socket
 * buffers take the first MiBs of any response at once (4 MiB for a client that never
 * reads, here), so until then a peer that will stall cannot be told from a fast one;
 * 1,000 of them starting together each held a whole `readSize` batch while its read
 * waited for the thread pool (+162 MiB at the peak instead of +107).
 */
const UNPROVEN_SLICES = 2;

/** Bytes a peer takes without the socket queueing any that show it reads (twice the 4 MiB above). */
const PROVEN_BYTES = 8 * 1024 * 1024;

const pools = new Map<number, SlicePool>();

/** The process-wide pool of `size`-byte slices. */
function poolFor(size: number): SlicePool {
  let pool = pools.get(size);
  if (pool === undefined) pools.set(size, (pool = new SlicePool(size)));
  return pool;
}

/**
 * Writes the first `bytes` of `slices` while the socket takes each slice at once. Returns
 * the bytes written, the index of the slice the socket queued (the batch stops there; -1
 * if none) and the last write's promise.
 */
function writeSlices(
  writer: BodyWriter,
  slices: Buffer[],
  bytes: number,
): { sent: number; queuedAt: number; written: Promise<void> } {
  let sent = 0;
  let written = Promise.resolve();
  for (let i = 0; i < slices.length && sent < bytes; i++) {
    const slice = slices[i]!;
    const piece = bytes - sent < slice.length ? slice.subarray(0, bytes - sent) : slice;
    written.catch(ignore); // only the last write is awaited; an earlier one's rejection is the same close
    written = writer.write(piece);
    writer.flush?.();
    sent += piece.length;
    if ((writer.socket?.writableLength ?? 0) > 0) return { sent, queuedAt: i, written };
  }
  return { sent, queuedAt: -1, written };
}

function ignore(): void {}

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
