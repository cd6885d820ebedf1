/**
 * The `wfile` of a stream handler: a writer over a connection. Port of the `_SocketWriter`
 * that Python's `StreamRequestHandler` uses when `wbufsize` is 0.
 */
import type { Socket } from 'node:net';

/** Writes below this size are gathered and sent together; larger ones go straight out. */
const GATHER_LIMIT = 16 * 1024;
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
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #flushScheduled = false;
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
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, encoding) : toBuffer(chunk);
    this.#bytesWritten += bytes.length;
    if (bytes.length >= GATHER_LIMIT) {
      this.#writeLarge(bytes);
    } else if (bytes.length > 0) {
      this.#pending.push(bytes);
      this.#pendingBytes += bytes.length;
      if (this.#pendingBytes >= GATHER_LIMIT) this.flush();
      else if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        process.nextTick(flushLater, this);
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

  /** Sends whatever is gathered now rather than at the end of this turn. */
  flush(): void {
    this.#flushScheduled = false;
    const pending = this.#pending;
    if (pending.length === 0 || this.closed) return;
    this.#pending = [];
    const bytes = this.#pendingBytes;
    this.#pendingBytes = 0;
    this.socket.write(pending.length === 1 ? pending[0]! : Buffer.concat(pending, bytes));
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

function flushLater(writer: SocketWriter): void {
  writer.flush();
}

function toBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer as ArrayBuffer, chunk.byteOffset, chunk.byteLength);
}
