/**
 * The `rfile` of a stream handler: a buffered reader over a connection. Port of the
 * `io.BufferedReader` that Python's `StreamRequestHandler` makes with `makefile('rb')`.
 */
import { Buffer } from 'node:buffer'; // not the global: an accessor, a getter call on each use

const LF = 0x0a;
const EMPTY: Buffer = Buffer.alloc(0);

/** What a reader needs from its source to apply backpressure: Node streams fit. */
export interface FlowControl {
  pause(): unknown;
  resume(): unknown;
}

/**
 * BufferedReader holds the bytes a connection has received and not yet consumed.
 *
 * The producer side (`push`, `end`, `destroy`) is fed by the socket; the consumer side is
 * Python's: `readline(limit)`, `read(n)` and async iteration, each returning a Promise.
 * Lines and reads that fall inside one received chunk are returned as views of it, never
 * copied; the newline search resumes where the previous one stopped, so a line that arrives
 * byte by byte is scanned once. The sync `tryReadline`/`peek`/`consume` let a parser work
 * straight on the buffered bytes without a promise per line. When more than
 * `highWaterMark` bytes are buffered, the source is paused until the consumer catches up.
 */
export class BufferedReader implements AsyncIterable<Buffer> {
  /** Buffered bytes beyond which the source is paused. */
  highWaterMark = 64 * 1024;

  #chunks: Buffer[] = [];
  #offset = 0; // read position inside #chunks[0]
  #length = 0; // unread bytes in all chunks
  #scanned = 0; // unread bytes already known to hold no LF
  #ended = false;
  #error: Error | undefined;
  #waiting: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #onReadable: (() => void) | undefined;
  #source: FlowControl | undefined;
  #paused = false;

  constructor(source?: FlowControl) {
    this.#source = source;
  }

  /** Number of bytes received and not yet consumed. */
  get buffered(): number {
    return this.#length;
  }

  /** True once the source has ended (or failed); buffered bytes may remain. */
  get sourceEnded(): boolean {
    return this.#ended;
  }

  /** True when nothing is buffered and nothing more will arrive. */
  get atEnd(): boolean {
    return this.#ended && this.#length === 0;
  }

  // --- producer side -------------------------------------------------------------------

  /** Appends bytes received from the source. */
  push(chunk: Buffer): void {
    if (this.#ended || chunk.length === 0) return;
    this.#chunks.push(chunk);
    this.#length += chunk.length;
    if (this.#length >= this.highWaterMark && this.#source && !this.#paused) {
      this.#paused = true;
      this.#source.pause();
    }
    this.#notify();
  }

  /** Marks the end of the stream: reads return what is buffered, then empty buffers. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#notify();
  }

  /** Ends the stream with an error: reads needing more than is buffered reject with it. */
  destroy(error: Error): void {
    if (this.#ended) return;
    this.#error = error;
    this.end();
  }

  #notify(): void {
    const wake = this.#wake;
    if (wake) {
      this.#wake = undefined;
      this.#waiting = undefined;
      wake();
    }
    const onReadable = this.#onReadable;
    if (onReadable) {
      this.#onReadable = undefined;
      onReadable();
    }
  }

  #resume(): void {
    this.#paused = false;
    this.#source!.resume();
  }

  // --- consumer side: synchronous ------------------------------------------------------

  /**
   * Returns every buffered byte as one contiguous Buffer without consuming it. Several
   * received chunks are joined once and kept joined, so repeated peeks do not copy again.
   */
  peek(): Buffer {
    const chunks = this.#chunks;
    if (chunks.length === 0) return EMPTY;
    if (chunks.length > 1 || this.#offset !== 0) {
      const joined =
        chunks.length === 1 ? chunks[0]!.subarray(this.#offset) : Buffer.concat(this.#views(), this.#length);
      this.#chunks = [joined];
      this.#offset = 0;
    }
    return this.#chunks[0]!;
  }

  /**
   * Takes up to `n` buffered bytes without copying: at most the rest of the first chunk
   * received (Python's `read1`, without its wait). Empty when nothing is buffered.
   */
  read1(n: number): Buffer {
    const first = this.#chunks[0];
    if (first === undefined || n <= 0) return EMPTY;
    return this.#take(Math.min(n, first.length - this.#offset), true);
  }

  /** Drops the first `n` buffered bytes (as returned by `peek`). */
  consume(n: number): void {
    if (n > this.#length) throw new RangeError(`consume(${n}) beyond ${this.#length} buffered bytes`);
    this.#take(n, false);
  }

  /**
   * Returns one line (with its LF) if it is complete in the buffer, `limit` bytes if the
   * buffer holds that many without an LF, the rest at end of stream (an empty Buffer when
   * nothing is left), or `undefined` when more bytes are needed.
   */
  tryReadline(limit = Infinity): Buffer | undefined {
    if (limit < 0 || Number.isNaN(limit)) limit = Infinity; // Python: a negative size means no limit
    const end = this.#findLineEnd(limit);
    if (end !== -1) return this.#take(end, true);
    if (this.#length >= limit) return this.#take(limit, true);
    if (this.#ended) {
      if (this.#length === 0 && this.#error) throw this.#error;
      return this.#take(this.#length, true);
    }
    return undefined;
  }

  /** Returns the length of the first line including its LF, or -1; remembers the scan. */
  #findLineEnd(limit: number): number {
    let base = 0; // unread bytes before chunks[i]
    const chunks = this.#chunks;
    for (let i = 0; i < chunks.length && base < limit; i++) {
      const chunk = chunks[i]!;
      const start = i === 0 ? this.#offset : 0;
      const size = chunk.length - start;
      if (this.#scanned < base + size) {
        const from = start + Math.max(0, this.#scanned - base);
        const at = chunk.indexOf(LF, from);
        if (at !== -1) {
          const lineEnd = base + (at - start) + 1;
          return lineEnd <= limit ? lineEnd : -1;
        }
        this.#scanned = base + size;
      }
      base += size;
    }
    return -1;
  }

  /** Removes `n` bytes from the front; returns them (a view when they sit in one chunk). */
  #take(n: number, wanted: boolean): Buffer {
    let result: Buffer = EMPTY;
    if (n > 0) {
      const first = this.#chunks[0]!;
      const available = first.length - this.#offset;
      if (n < available) {
        if (wanted) result = first.subarray(this.#offset, this.#offset + n);
        this.#offset += n;
      } else if (n === available) {
        if (wanted) result = this.#offset === 0 ? first : first.subarray(this.#offset);
        this.#chunks.shift();
        this.#offset = 0;
      } else {
        result = this.#takeAcrossChunks(n, wanted);
      }
      this.#length -= n;
      this.#scanned = Math.max(0, this.#scanned - n);
    }
    if (this.#paused && this.#length < this.highWaterMark) this.#resume();
    return result;
  }

  #takeAcrossChunks(n: number, wanted: boolean): Buffer {
    const out: Buffer = wanted ? Buffer.allocUnsafe(n) : EMPTY;
    let copied = 0;
    while (copied < n) {
      const first = this.#chunks[0]!;
      const count = Math.min(n - copied, first.length - this.#offset);
      if (wanted) first.copy(out, copied, this.#offset, this.#offset + count);
      copied += count;
      this.#offset += count;
      if (this.#offset === first.length) {
        this.#chunks.shift();
        this.#offset = 0;
      }
    }
    return out;
  }

  #views(): Buffer[] {
    return this.#chunks.map((chunk, i) => (i === 0 && this.#offset ? chunk.subarray(this.#offset) : chunk));
  }

  // --- consumer side: asynchronous -----------------------------------------------------

  /**
   * Resolves when more bytes arrive or the stream ends. Rejects with the source's error if
   * the stream failed and nothing is buffered.
   */
  wait(): Promise<void> {
    if (this.#ended) return this.#error && this.#length === 0 ? Promise.reject(this.#error) : Promise.resolve();
    // The consumer wants more although the buffer is full: let the source flow again.
    if (this.#paused) this.#resume();
    this.#waiting ??= new Promise<void>((resolve) => (this.#wake = resolve));
    return this.#waiting;
  }

  /**
   * Calls `callback` once, when more bytes arrive or the stream ends (or fails): `wait()`
   * without a promise, for a consumer driven by its input. The callback runs inside the
   * producer's `push()` or `end()` and must not throw; it replaces one set before. If the
   * stream has already ended, it runs as a microtask.
   */
  whenReadable(callback: () => void): void {
    if (this.#ended) {
      queueMicrotask(callback);
      return;
    }
    if (this.#paused) this.#resume(); // as `wait()`: the consumer wants more
    this.#onReadable = callback;
  }

  /**
   * Reads one line, up to and including LF. Resolves to at most `limit` bytes (without the
   * LF when the line is longer, as Python does), or an empty Buffer at end of stream.
   */
  async readline(limit = Infinity): Promise<Buffer> {
    for (;;) {
      const line = this.tryReadline(limit);
      if (line !== undefined) return line;
      await this.wait();
    }
  }

  /** Reads `n` bytes, fewer at end of stream; with no `n`, everything up to the end. */
  async read(n = Infinity): Promise<Buffer> {
    if (n < 0 || Number.isNaN(n)) throw new RangeError(`read(${n}): size must be >= 0`);
    while (this.#length < n && !this.#ended) await this.wait();
    if (this.#length === 0 && this.#error) throw this.#error;
    return this.#take(Math.min(n, this.#length), true);
  }

  /** Yields the bytes as they arrive, in the chunks they arrived in, until end of stream. */
  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer> {
    for (;;) {
      if (this.#length > 0) {
        yield this.#take(this.#chunks.length === 1 ? this.#length : this.#chunks[0]!.length - this.#offset, true);
      } else if (this.#ended) {
        if (this.#error) throw this.#error;
        return;
      } else {
        await this.wait();
      }
    }
  }
}
