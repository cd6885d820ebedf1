/** A raw keep-alive connection that takes the responses to its requests one by one. */
import { once } from 'node:events';
import type { Socket } from 'node:net';
import { dial, type Target } from './net.js';
import { parseResponses, type RawResponse } from './responses.js';

/** A raw keep-alive connection: send bytes, take the responses one by one. */
export class Conn {
  readonly socket: Socket;
  readonly closed: Promise<void>;
  #received = '';
  #taken = 0;
  #waiters: Array<() => void> = [];

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.setEncoding('latin1');
    socket.on('data', (data: string) => {
      this.#received += data;
      for (const wake of this.#waiters.splice(0)) wake();
    });
    socket.on('error', () => {});
    this.closed = once(socket, 'close').then(() => {
      for (const wake of this.#waiters.splice(0)) wake();
    });
  }

  static async open(target: Target): Promise<Conn> {
    return new Conn(await dial(target));
  }

  send(raw: string | Buffer): void {
    this.socket.write(typeof raw === 'string' ? Buffer.from(raw, 'latin1') : raw);
  }

  /**
   * The next complete response (Content-Length framed, or ended by the close); with
   * `informational`, a 1xx response too.
   */
  async response(informational = false): Promise<RawResponse> {
    for (;;) {
      const rest = this.#received.slice(this.#taken);
      const complete = this.#complete(rest, informational);
      if (complete !== undefined) {
        this.#taken += complete;
        return decoded(parseResponses(rest.slice(0, complete)).at(-1)!);
      }
      if (this.socket.destroyed || this.socket.readableEnded) {
        if (rest === '') throw new Error('connection closed without a response');
        this.#taken = this.#received.length;
        return parseResponses(rest)[0]!;
      }
      await new Promise<void>((wake) => this.#waiters.push(wake));
    }
  }

  /** Sends `raw` and resolves with its response. */
  async exchange(raw: string): Promise<RawResponse> {
    this.send(raw);
    return this.response();
  }

  /** Length of the first complete response in `text`, if there is one (1xx skipped over). */
  #complete(text: string, informational: boolean): number | undefined {
    let pos = 0;
    for (;;) {
      const end = text.indexOf('\r\n\r\n', pos);
      if (end === -1) return undefined;
      const head = text.slice(pos, end);
      const code = Number(head.slice(9, 12));
      if (code >= 100 && code < 200) {
        if (informational) return end + 4;
        pos = end + 4;
        continue;
      }
      if (/\r\ntransfer-encoding: *chunked/i.test(head)) return chunkedEnd(text, end + 4);
      const length = /\r\ncontent-length: *(\d+)/i.exec(head)?.[1];
      if (length === undefined) return code === 204 || code === 304 ? end + 4 : undefined;
      const total = end + 4 + Number(length);
      return text.length >= total ? total : undefined;
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Where the chunked body that starts at `pos` ends (after its last chunk and trailers), if it has. */
function chunkedEnd(text: string, pos: number): number | undefined {
  for (;;) {
    const eol = text.indexOf('\r\n', pos);
    if (eol === -1) return undefined;
    const size = parseInt(text.slice(pos, eol), 16);
    if (size === 0) {
      const end = text.indexOf('\r\n\r\n', eol);
      return end === -1 ? undefined : end + 4;
    }
    pos = eol + 2 + size + 2;
    if (pos > text.length) return undefined;
  }
}

/** `response` with a chunked body decoded. */
function decoded(response: RawResponse): RawResponse {
  if (!/chunked/i.test(response.header('transfer-encoding') ?? '')) return response;
  let body = '';
  let pos = 0;
  const raw = response.body;
  for (;;) {
    const eol = raw.indexOf('\r\n', pos);
    const size = parseInt(raw.slice(pos, eol), 16);
    if (!(size > 0)) return { ...response, body };
    body += raw.slice(eol + 2, eol + 2 + size);
    pos = eol + 2 + size + 2;
  }
}
