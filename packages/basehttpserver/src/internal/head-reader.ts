/**
 * Reads one request head from `rfile` into a finished `RequestHead`: straight from the
 * buffered bytes when the whole head is there (no promise, no copy), line by line as bytes
 * arrive otherwise, under the head deadline and the keep-alive idle timeout.
 */
import type { BufferedReader } from '@httpstack/socketserver';
import type { HTTPMessage } from '../http-message.js';
import { CR, LF } from './chars.js';
import { RequestHead, type HeadLimits } from './head-parser.js';

/** What one read of a head is bounded by: the size limits, the deadlines, the server's state. */
export interface HeadPolicy extends HeadLimits {
  readonly headTimeout: number;
  readonly keepAliveTimeout: number;
  readonly server: { readonly shuttingDown: boolean };
}

/** Where the search for a request line ended. */
type LineState = 'line' | 'eof' | 'too-long' | 'incomplete';

/** The head timed out: `partial` when some of it had arrived. */
export class HeadTimeout extends Error {
  constructor(readonly partial: boolean) {
    super(partial ? 'request head timed out' : 'keep-alive connection idle');
    this.name = 'HeadTimeout';
  }
}

/**
 * HeadReader reads the heads of successive requests of one connection. `readHead()`
 * returns the finished `RequestHead` — refused, with `error` holding the status to answer,
 * when a limit or a rule is broken — or `undefined` when the connection ended before a
 * request. It keeps nothing of a request once its head is returned.
 */
export class HeadReader {
  readonly #rfile: BufferedReader;
  /** Requests begun on this connection (the first waits under the head deadline only). */
  requests = 0;
  /** When the armed timer fires (ms since the epoch); 0 while none is armed. */
  firesAt = 0;
  /** Whether `deadlines` lists this reader (it may stay listed, unarmed, until its next sweep). */
  listed = false;
  #timerIdle = false;
  #deadline = 0;
  #timedOut = false;

  constructor(rfile: BufferedReader) {
    this.#rfile = rfile;
  }

  /** The next request's head, parsed into a new `RequestHead` over `message`. */
  readHead(policy: HeadPolicy, message: HTTPMessage): RequestHead | undefined | Promise<RequestHead | undefined> {
    const head = new RequestHead(message);
    const read = this.#readBuffered(head, policy);
    if (read === 'done') return head;
    return read === 'fields' ? this.#readFieldsSlow(head, policy) : this.#readSlow(head, policy);
  }

  /**
   * Parses the head from the buffered bytes, consuming what it parsed: `'done'` when the
   * head (or its refusal) is complete, else where the line-by-line reading must go on.
   */
  #readBuffered(head: RequestHead, policy: HeadPolicy): 'done' | 'line' | 'fields' {
    const rfile = this.#rfile;
    if (rfile.buffered === 0) return 'line';
    const buf = rfile.peek();
    let pos = 0;
    // RFC 9112 §2.2: empty lines before the request line are ignored.
    for (;;) {
      if (buf[pos] === LF) pos += 1;
      else if (buf[pos] === CR && buf[pos + 1] === LF) pos += 2;
      else break;
    }
    const lf = buf.indexOf(LF, pos);
    const max = policy.maxRequestLineSize;
    if (lf === -1 || lf - pos - (buf[lf - 1] === CR ? 1 : 0) > max) {
      if (lf !== -1 || buf.length - pos > max + 1) return tooLong(head);
      if (pos > 0) rfile.consume(pos);
      return 'line';
    }
    if (!head.parseRequestLine(buf, pos, lf) || head.version === 'HTTP/0.9') {
      rfile.consume(lf + 1);
      return 'done';
    }
    return this.#parseBufferedFields(head, policy, buf, lf + 1);
  }

  #parseBufferedFields(head: RequestHead, policy: HeadPolicy, buf: Buffer, pos: number): 'done' | 'fields' {
    for (;;) {
      const lf = buf.indexOf(LF, pos);
      if (lf === -1) break;
      const state = head.parseFieldLine(buf, pos, lf, policy);
      pos = lf + 1;
      if (state !== 'field') {
        this.#rfile.consume(pos);
        return 'done';
      }
    }
    const rest = buf.length - pos;
    this.#rfile.consume(pos);
    if (rest > policy.maxHeaderLineSize + 1) return (head.refuse(431, 'Line too long'), 'done');
    if (head.size + rest > policy.maxHeadSize) return (head.refuse(431, 'Request header block too large'), 'done');
    return 'fields';
  }

  /** The request line and fields as their bytes arrive. */
  async #readSlow(head: RequestHead, policy: HeadPolicy): Promise<RequestHead | undefined> {
    const state = await this.#readRequestLineSlow(head, policy);
    if (state === 'eof') return undefined;
    if (state === 'too-long') return (tooLong(head), head);
    if (state === 'incomplete') return (head.refuse(400, 'Incomplete request line'), head);
    if (head.error !== undefined || head.version === 'HTTP/0.9') return head;
    return this.#readFieldsSlow(head, policy);
  }

  async #readRequestLineSlow(head: RequestHead, policy: HeadPolicy): Promise<LineState> {
    const rfile = this.#rfile;
    const max = policy.maxRequestLineSize;
    const limit = max + 2;
    if (this.#deadline === 0) this.#deadline = Date.now() + policy.headTimeout;
    for (;;) {
      const line = rfile.tryReadline(limit);
      if (line === undefined) {
        if (policy.server.shuttingDown && rfile.buffered === 0) return 'eof';
        await this.#wait(policy, rfile.buffered > 0);
        continue;
      }
      const n = line.length;
      if (n === 0) return 'eof';
      if (line[n - 1] !== LF) return n >= limit ? 'too-long' : 'incomplete';
      if (n === 1 || (n === 2 && line[0] === CR)) continue;
      if (n - 1 - (line[n - 2] === CR ? 1 : 0) > max) return 'too-long';
      head.parseRequestLine(line, 0, n - 1);
      return 'line';
    }
  }

  async #readFieldsSlow(head: RequestHead, policy: HeadPolicy): Promise<RequestHead> {
    const rfile = this.#rfile;
    const limit = policy.maxHeaderLineSize + 2;
    if (this.#deadline === 0) this.#deadline = Date.now() + policy.headTimeout;
    for (;;) {
      const line = rfile.tryReadline(limit);
      if (line === undefined) {
        await this.#wait(policy, true);
        continue;
      }
      const n = line.length;
      if (n === 0 || line[n - 1] !== LF) {
        head.refuse(n >= limit ? 431 : 400, n >= limit ? 'Line too long' : 'Incomplete request head');
        return head;
      }
      if (head.parseFieldLine(line, 0, n - 1, policy) !== 'field') return head;
    }
  }

  /**
   * Waits, without a promise, for the first bytes of the next request: under the keep-alive
   * idle timeout between requests, under the head deadline before the first. `onBytes`
   * runs when bytes arrive, the connection ends or fails, or time is up (`timedOut`).
   */
  awaitRequest(policy: HeadPolicy, onBytes: () => void): void {
    const now = Date.now(); // once: a clock read is a measurable part of a keep-alive request
    this.#deadline = now + policy.headTimeout;
    this.#arm(policy, true, now);
    this.#rfile.whenReadable(onBytes);
  }

  /** True once a timer of this reader has fired (the connection is then done). */
  get timedOut(): boolean {
    return this.#timedOut;
  }

  /**
   * Waits for more bytes under the head deadline, or the keep-alive idle timeout while
   * nothing of the next request has arrived. Throws `HeadTimeout` when time is up.
   */
  async #wait(policy: HeadPolicy, begun: boolean): Promise<void> {
    this.#arm(policy, !begun);
    try {
      await this.#rfile.wait();
    } catch (error) {
      if (!this.#timedOut) throw error;
    }
    if (this.#timedOut) throw new HeadTimeout(begun || this.#rfile.buffered > 0);
  }

  /** Arms the idle timer (`idle`, after a first request) or the head deadline timer. */
  #arm(policy: HeadPolicy, idle: boolean, now = Date.now()): void {
    const remaining = Math.max(0, this.#deadline - now);
    const useIdle = idle && this.requests > 0 && policy.keepAliveTimeout < remaining;
    if (this.firesAt !== 0 && this.#timerIdle === useIdle) return;
    this.#timerIdle = useIdle;
    const ms = useIdle ? policy.keepAliveTimeout : remaining;
    this.firesAt = now + ms;
    deadlines.watch(this, ms);
  }

  /** Called by the timer: fails the reader's pending and future waits. */
  expire(): void {
    this.firesAt = 0;
    this.#timedOut = true;
    this.#rfile.destroy(Object.assign(new Error('request head timed out'), { code: 'ETIMEDOUT' }));
  }

  /** Ends one request: clears timers. */
  reset(): void {
    this.clearTimer();
    this.#deadline = 0;
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

/** Refuses `head` for a request line longer than the limit (Python: 414). */
function tooLong(head: RequestHead): 'done' {
  head.error = { status: 414 };
  return 'done';
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
