/**
 * The `wfile` of a stream handler: a writer over a connection. Port of the `_SocketWriter`
 * that Python's `StreamRequestHandler` uses when `wbufsize` is 0.
 */
// Imported, not the globals: Node defines global `Buffer` and `process` as accessors, a
// getter call on every use in the hot path.
import { Buffer } from 'node:buffer';
import type { Socket } from 'node:net';
import { nextTick } from 'node:process';

/** Writes below this size are gathered and sent together; larger ones go straight out. */
const GATHER_LIMIT = 16 * 1024;
/**
 * Gathered chunks holding up to this many bytes of Buffers are sent as one latin1 string:
 * Node copies a small string straight into the socket write, where Buffers would first be
 * joined into a new one. Beyond it, decoding the Buffers into the string costs more.
 */
const TEXT_LIMIT = 2 * 1024;
const RESOLVED: Promise<void> = Promise.resolve();

/** A write to a connection that the peer or the server has already closed. */
export class BrokenPipeError extends Error {
  /** Node's error code for a broken pipe. */
  readonly code = 'EPIPE';
  constructor(cause?: unknown) {
    super('write to a closed connection', cause === undefined ? undefined : { cause });
    this.name = 'BrokenPipeError';
  }
}

/** Anything a writer accepts: bytes, or a string (encoded as UTF-8 unless told otherwise). */
export type Chunk = Uint8Array | string;

/**
 * SocketWriter sends a handler's output to its connection.
 *
 * `write(chunk)` resolves at once while the socket can take more, and waits for `'drain'`
 * only when it is backed up (more than its `writableHighWaterMark` unsent), so a slow
 * reader never makes the server buffer an unbounded amount. Small writes made in the same
 * turn of the event loop (a response head and its body, or the answers to several
 * pipelined requests) are gathered and reach the socket as one write.
 */
export class SocketWriter {
  /** The connection written to. */
  readonly socket: Socket;
  /** Gathered chunks: Buffers, and latin1 strings kept as they are until sent. */
  #pending: (Buffer | string)[] = [];
  #pendingBytes = 0;
  /** Bytes of `#pending` held in Buffers (the rest is in latin1 strings). */
  #pendingBufferBytes = 0;
  #flushScheduled = false;
  #held = false;
  #drained: Promise<void> | undefined;
  #bytesWritten = 0;

  constructor(socket: Socket) {
    this.socket = socket;
  }

  /** Total bytes handed to this writer. */
  get bytesWritten(): number {
    return this.#bytesWritten;
  }

  /** True once the connection can no longer be written to. */
  get closed(): boolean {
    return this.socket.destroyed || this.socket.writableEnded;
  }

  /**
   * Queues `chunk` and resolves when the connection can take more. Rejects with
   * `BrokenPipeError` if the connection is closed.
   */
  write(chunk: Chunk, encoding: BufferEncoding = 'utf8'): Promise<void> {
    if (this.closed) return Promise.reject(new BrokenPipeError());
    // A latin1 string is one byte per character: it is gathered as it is, not encoded yet.
    const piece =
      typeof chunk !== 'string'
        ? toBuffer(chunk)
        : encoding === 'latin1' && chunk.length < GATHER_LIMIT
          ? chunk
          : Buffer.from(chunk, encoding);
    const size = piece.length;
    this.#bytesWritten += size;
    if (size >= GATHER_LIMIT) {
      this.#writeLarge(piece as Buffer);
    } else if (size > 0) {
      this.#pending.push(piece);
      this.#pendingBytes += size;
      if (typeof piece !== 'string') this.#pendingBufferBytes += size;
      if (this.#pendingBytes >= GATHER_LIMIT) this.flush();
      else if (!this.#flushScheduled && !this.#held) {
        this.#flushScheduled = true;
        flushAtEndOfTurn(this);
      }
    }
    return this.socket.writableNeedDrain ? this.drain() : RESOLVED;
  }

  /** Sends a large chunk without copying it; what is gathered goes with it in one writev. */
  #writeLarge(bytes: Buffer): void {
    if (this.#pending.length === 0) {
      this.socket.write(bytes);
      return;
    }
    this.socket.cork();
    this.flush();
    this.socket.write(bytes);
    this.socket.uncork();
  }

  /**
   * Keeps gathering small writes past the end of this turn, until `release()` or, at the
   * latest, the event loop's next check phase (`setImmediate`): answers to pipelined
   * requests served over several turns of the microtask queue then leave together.
   */
  hold(): void {
    if (this.#held) return;
    this.#held = true;
    setImmediate(releaseLater, this);
  }

  /** Ends `hold()`: sends what is gathered now. */
  release(): void {
    if (!this.#held) return;
    this.#held = false;
    this.flush();
  }

  /** True between `hold()` and `release()`. */
  get held(): boolean {
    return this.#held;
  }

  /** Sends whatever is gathered now rather than at the end of this turn. */
  flush(): void {
    this.#flushScheduled = false;
    const pending = this.#pending;
    if (pending.length === 0 || this.closed) return;
    const data =
      pending.length === 1
        ? pending[0]!
        : this.#pendingBufferBytes <= TEXT_LIMIT
          ? joinText(pending)
          : joinBytes(pending, this.#pendingBytes);
    while (pending.length > 0) pending.pop(); // kept for the next response (cheaper than `length = 0`)
    this.#pendingBytes = 0;
    this.#pendingBufferBytes = 0;
    this.socket.write(data, 'latin1'); // the encoding applies to a string only
  }

  /** Resolves once the socket has sent what it holds, or rejects if it closes first. */
  drain(): Promise<void> {
    this.flush();
    if (!this.socket.writableNeedDrain) return RESOLVED;
    this.#drained ??= new Promise<void>((resolve, reject) => {
      const done = (error?: unknown) => {
        this.socket.off('drain', done).off('close', onClose);
        this.#drained = undefined;
        if (error === undefined) resolve();
        else reject(error);
      };
      const onClose = () => done(new BrokenPipeError());
      this.socket.on('drain', done).on('close', onClose);
    });
    return this.#drained;
  }

  /** Sends what is gathered and half-closes the connection (FIN) once it is written. */
  end(): void {
    this.flush();
    if (!this.socket.destroyed) this.socket.end();
  }
}

/** Writers with gathered bytes, flushed together at the end of this turn. */
let due: SocketWriter[] = [];

/**
 * Flushes `writer` once this turn's microtasks have all run: a handler that writes a head,
 * awaits (a stat, a cache) and writes the body sends both in one write. A `nextTick`
 * alone is not enough: called from an I/O callback, Node runs ticks before microtasks.
 * A tick scheduled from a microtask runs once the microtask queue is empty.
 */
function flushAtEndOfTurn(writer: SocketWriter): void {
  // A reaction to a settled promise: Node's queueMicrotask makes an AsyncResource per call.
  if (due.length === 0) void RESOLVED.then(afterMicrotasks);
  due.push(writer);
}

function afterMicrotasks(): void {
  nextTick(flushDue);
}

function flushDue(): void {
  const writers = due;
  due = [];
  for (const writer of writers) writer.flush();
}

function releaseLater(writer: SocketWriter): void {
  writer.release();
}

/** `Buffer#toString('latin1')` without its dispatch on the encoding name. */
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice(this: Buffer, start: number, end: number): string })
  .latin1Slice;

/** The gathered chunks as one latin1 string (each byte one character). */
function joinText(pieces: (Buffer | string)[]): string {
  let text = '';
  for (const piece of pieces) text += typeof piece === 'string' ? piece : latin1Slice.call(piece, 0, piece.length);
  return text;
}

/** The gathered chunks as one Buffer. */
function joinBytes(pieces: (Buffer | string)[], size: number): Buffer {
  const bytes = Buffer.allocUnsafe(size);
  let at = 0;
  for (const piece of pieces) {
    at += typeof piece === 'string' ? bytes.write(piece, at, 'latin1') : piece.copy(bytes, at);
  }
  return bytes;
}

function toBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer as ArrayBuffer, chunk.byteOffset, chunk.byteLength);
}
