// The override contract as a table: every member documented "May be overridden." takes
// effect on the next response whether a subclass defines it as a field, a hook assigns it on
// the instance for one request, or a subclass defines it as a getter.
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import type { RequestHandlerClass } from '@httpstack/socketserver';
import { parseResponses, type RawResponse } from './helpers.js';

/** The three ways a subclass says what a Python class attribute (or a hook) is. */
export const MODES = ['subclass field', 'assignment in a hook', 'getter'] as const;
export type Mode = (typeof MODES)[number];

/** Request header that makes the hook of `'assignment in a hook'` assign the member. */
export const SET_HEADER = 'X-Override';

/**
 * `Base` with `name` set to `value` the way `mode` says. 'subclass field' defines an own
 * property in the constructor, exactly what an ES2022 class field (`name = value`) does;
 * 'getter' puts an accessor on the subclass's prototype, what `get name()` does;
 * 'assignment in a hook' assigns `this[name] = value` inside `do_GET` when the request
 * carries `SET_HEADER`, then runs the inherited `do_GET`.
 */
export function overridden(Base: RequestHandlerClass, mode: Mode, name: string, value: unknown): RequestHandlerClass {
  const Parent = Base as unknown as new (...args: any[]) => Record<string, any>;
  if (mode === 'subclass field') {
    return class extends Parent {
      constructor(...args: any[]) {
        super(...args);
        Object.defineProperty(this, name, { value, writable: true, enumerable: true, configurable: true });
      }
    } as unknown as RequestHandlerClass;
  }
  if (mode === 'getter') {
    const Sub = class extends Parent {};
    Object.defineProperty(Sub.prototype, name, { get: () => value, configurable: true });
    return Sub as unknown as RequestHandlerClass;
  }
  return class extends Parent {
    do_GET(): unknown {
      if (this.headers.get(SET_HEADER) !== undefined) this[name] = value;
      return super.do_GET();
    }
  } as unknown as RequestHandlerClass;
}

/**
 * The names of the members whose TSDoc says "May be overridden." in `files` (fields of the
 * merged interfaces and methods of the classes alike).
 */
export function documentedOverridables(...files: URL[]): string[] {
  const names = new Set<string>();
  const doc = /\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*\n\s*(?:(?:override|async|protected|get|static)\s+)*(\w+)/g;
  for (const file of files) {
    for (const match of readFileSync(file, 'utf8').matchAll(doc)) {
      if (match[1]!.replace(/\s*\n\s*\*\s*/g, ' ').includes('May be overridden.')) names.add(match[2]!);
    }
  }
  return [...names].sort();
}

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

  static async open(port: number): Promise<Conn> {
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    return new Conn(socket);
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
        return parseResponses(rest.slice(0, complete)).at(-1)!;
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
