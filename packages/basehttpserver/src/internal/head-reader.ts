/**
 * Reads one request head from `rfile`: straight from the buffered bytes when the whole
 * head is there (no promise, no copy), line by line as bytes arrive otherwise, under the
 * head deadline and the keep-alive idle timeout.
 */
import type { BufferedReader } from '@httpstack/socketserver';
import { CR, LF } from './chars.js';
import type { HeadLimits, RequestHead } from './head-parser.js';

const EMPTY = Buffer.alloc(0);

/** What `HeadReader` needs from its handler. */
export interface HeadSource extends HeadLimits {
  rfile: BufferedReader;
  idle: boolean;
  headTimeout: number;
  keepAliveTimeout: number;
  readonly server: { readonly shuttingDown: boolean };
}

/** Outcomes of reading a request line. */
export const LINE = 0, EOF = 1, TOO_LONG = 2, INCOMPLETE = 3;

/** The head timed out: `partial` when some of it had arrived. */
export class HeadTimeout extends Error {
  constructor(readonly partial: boolean) {
    super(partial ? 'request head timed out' : 'keep-alive connection idle');
    this.name = 'HeadTimeout';
  }
}

/**
 * HeadReader finds the request line and the field lines of successive requests. One per
 * connection; it holds the peeked buffer only while a head is being parsed.
 */
export class HeadReader {
  /** Bytes holding the current line(s); `lineStart`/`lineEnd` locate the request line. */
  buf: Buffer = EMPTY;
  lineStart = 0;
  lineEnd = 0;
  #pos = 0;
  #peeked = false;
  #src: HeadSource;
  /** Requests completed on this connection (the first waits under the head deadline only). */
  requests = 0;
  /** When the armed timer fires (ms since the epoch); 0 while none is armed. */
  firesAt = 0;
  /** Whether `deadlines` lists this reader (it may stay listed, unarmed, until its next sweep). */
  listed = false;
  #timerIdle = false;
  #deadline = 0;
  #timedOut = false;

  constructor(src: HeadSource) {
    this.#src = src;
  }

  /** Locates the next request line; resolves to `LINE`, `EOF`, `TOO_LONG` or `INCOMPLETE`. */
  readRequestLine(): number | Promise<number> {
    const fast = this.#peekRequestLine();
    return fast === -1 ? this.#readRequestLineSlow() : fast;
  }

  #peekRequestLine(): number {
    const rfile = this.#src.rfile;
    if (rfile.buffered === 0) return -1;
    const buf = rfile.peek();
    let pos = 0;
    // RFC 9112 §2.2: empty lines before the request line are ignored.
    for (;;) {
      if (buf[pos] === LF) pos += 1;
      else if (buf[pos] === CR && buf[pos + 1] === LF) pos += 2;
      else break;
    }
    const lf = buf.indexOf(LF, pos);
    const max = this.#src.maxRequestLineSize;
    if (lf === -1) {
      if (buf.length - pos > max + 1) return TOO_LONG;
      if (pos > 0) rfile.consume(pos);
      return -1;
    }
    if (lf - pos - (buf[lf - 1] === CR ? 1 : 0) > max) return TOO_LONG;
    this.buf = buf;
    this.lineStart = pos;
    this.lineEnd = lf;
    this.#pos = lf + 1;
    this.#peeked = true;
    return LINE;
  }

  async #readRequestLineSlow(): Promise<number> {
    const rfile = this.#src.rfile;
    const limit = this.#src.maxRequestLineSize + 2;
    if (this.#deadline === 0) this.#deadline = Date.now() + this.#src.headTimeout;
    for (;;) {
      const line = rfile.tryReadline(limit);
      if (line === undefined) {
        if (this.#src.server.shuttingDown && rfile.buffered === 0) return EOF;
        await this.#wait(rfile.buffered > 0);
        continue;
      }
      const n = line.length;
      if (n === 0) return EOF;
      if (line[n - 1] !== LF) return n >= limit ? TOO_LONG : INCOMPLETE;
      if (n === 1 || (n === 2 && line[0] === CR)) continue;
      if (n - 1 - (line[n - 2] === CR ? 1 : 0) > this.#src.maxRequestLineSize) return TOO_LONG;
      this.buf = line;
      this.lineStart = 0;
      this.lineEnd = n - 1;
      this.#pos = n;
      this.#peeked = false;
      return LINE;
    }
  }

  /** Parses the field lines into `head`; resolves true at the empty line, false on refusal. */
  readFields(head: RequestHead): boolean | Promise<boolean> {
    if (this.#peeked) {
      const done = this.#parseBuffered(head);
      if (done !== undefined) return done;
    }
    return this.#readFieldsSlow(head);
  }

  #parseBuffered(head: RequestHead): boolean | undefined {
    const buf = this.buf;
    const src = this.#src;
    let pos = this.#pos;
    for (;;) {
      const lf = buf.indexOf(LF, pos);
      if (lf === -1) break;
      const result = head.parseFieldLine(buf, pos, lf, src);
      pos = lf + 1;
      if (result !== 0) {
        this.#release(pos);
        return result === 1;
      }
    }
    const rest = buf.length - pos;
    if (rest > src.maxHeaderLineSize + 1) return head.refuse(431, 'Line too long');
    if (head.size + rest > src.maxHeadSize) return head.refuse(431, 'Request header block too large');
    this.#release(pos);
    return undefined;
  }

  async #readFieldsSlow(head: RequestHead): Promise<boolean> {
    const rfile = this.#src.rfile;
    const limit = this.#src.maxHeaderLineSize + 2;
    if (this.#deadline === 0) this.#deadline = Date.now() + this.#src.headTimeout;
    for (;;) {
      const line = rfile.tryReadline(limit);
      if (line === undefined) {
        await this.#wait(true);
        continue;
      }
      const n = line.length;
      if (n === 0 || line[n - 1] !== LF) {
        return n >= limit ? head.refuse(431, 'Line too long') : head.refuse(400, 'Incomplete request head');
      }
      const result = head.parseFieldLine(line, 0, n - 1, this.#src);
      if (result !== 0) return result === 1;
    }
  }

  /** Consumes the parsed bytes and drops the peeked buffer. */
  #release(pos: number): void {
    if (this.#peeked) this.#src.rfile.consume(pos);
    this.#peeked = false;
    this.buf = EMPTY;
  }

  /** Drops the buffer after a request line that has no fields (HTTP/0.9). */
  endSimpleRequest(): void {
    this.#release(this.#pos);
  }

  /**
   * Waits, without a promise, for the first bytes of the next request: under the keep-alive
   * idle timeout between requests, under the head deadline before the first. `onBytes`
   * runs when bytes arrive, the connection ends or fails, or time is up (`timedOut`).
   */
  awaitRequest(onBytes: () => void): void {
    const src = this.#src;
    const now = Date.now(); // once: a clock read is a measurable part of a keep-alive request
    this.#deadline = now + src.headTimeout;
    src.idle = true;
    this.#arm(true, now);
    src.rfile.whenReadable(onBytes);
  }

  /** True once a timer of this reader has fired (the connection is then done). */
  get timedOut(): boolean {
    return this.#timedOut;
  }

  /**
   * Waits for more bytes under the head deadline, or the keep-alive idle timeout while
   * nothing of the next request has arrived. Throws `HeadTimeout` when time is up.
   */
  async #wait(begun: boolean): Promise<void> {
    const src = this.#src;
    src.idle = !begun;
    this.#arm(!begun);
    try {
      await src.rfile.wait();
    } catch (error) {
      if (!this.#timedOut) throw error;
    } finally {
      src.idle = false;
    }
    if (this.#timedOut) throw new HeadTimeout(begun || src.rfile.buffered > 0);
  }

  /** Arms the idle timer (`idle`, after a first request) or the head deadline timer. */
  #arm(idle: boolean, now = Date.now()): void {
    const src = this.#src;
    const remaining = Math.max(0, this.#deadline - now);
    const useIdle = idle && this.requests > 0 && src.keepAliveTimeout < remaining;
    if (this.firesAt !== 0 && this.#timerIdle === useIdle) return;
    this.#timerIdle = useIdle;
    const ms = useIdle ? src.keepAliveTimeout : remaining;
    this.firesAt = now + ms;
    deadlines.watch(this, ms);
  }

  /** Called by the timer: fails the reader's pending and future waits. */
  expire(): void {
    this.firesAt = 0;
    this.#timedOut = true;
    this.#src.rfile.destroy(Object.assign(new Error('request head timed out'), { code: 'ETIMEDOUT' }));
  }

  /** Ends one request: clears timers, forgets the buffer. */
  reset(): void {
    this.clearTimer();
    this.#deadline = 0;
    this.#peeked = false;
    this.buf = EMPTY;
    this.requests++;
  }

  /** Stops the idle timer once the next request has begun (its head deadline stays). */
  clearIdleTimer(): void {
    if (this.#timerIdle) this.clearTimer();
  }

  clearTimer(): void {
    this.firesAt = 0;
    this.#timerIdle = false;
  }
}

/**
 * One interval timer for every waiting connection of the process, instead of a `Timeout`
 * per connection (a third of the memory an idle keep-alive connection costs). A reader is
 * armed and disarmed through its `firesAt` field, so a keep-alive request costs no timer
 * or map operation; an unarmed reader leaves the list at the next sweep. A deadline fires
 * at most an eighth of its timeout late (at least 10 ms, at most 1 s).
 */
class Deadlines {
  #listed = new Set<HeadReader>();
  #timer: NodeJS.Timeout | undefined;
  #tick = 1000;
  #lastTimeout = -1;

  /** Lists `reader`, whose `firesAt` is set, and makes the sweeps frequent enough for `timeout`. */
  watch(reader: HeadReader, timeout: number): void {
    if (!reader.listed) {
      reader.listed = true;
      this.#listed.add(reader);
    }
    if (this.#timer !== undefined && timeout === this.#lastTimeout) return;
    this.#lastTimeout = timeout;
    const tick = Math.min(1000, Math.max(10, Math.floor(timeout / 8)));
    if (this.#timer === undefined || tick < this.#tick) {
      clearInterval(this.#timer);
      this.#tick = tick;
      this.#timer = setInterval(() => this.#sweep(), tick).unref();
    }
  }

  #sweep(): void {
    const now = Date.now();
    for (const reader of this.#listed) {
      const firesAt = reader.firesAt;
      if (firesAt !== 0 && now < firesAt) continue;
      this.#listed.delete(reader);
      reader.listed = false;
      if (firesAt !== 0) reader.expire();
    }
    if (this.#listed.size === 0) this.#stop();
  }

  #stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#tick = 1000;
    this.#lastTimeout = -1;
  }
}

const deadlines = new Deadlines();
