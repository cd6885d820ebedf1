/**
 * The override contract as a table: every member documented "May be overridden." takes
 * effect on the next response whether a subclass defines it as a field, a hook assigns it on
 * the instance for one request, or a subclass defines it as a getter.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Conn } from './conn.js';
import type { RawResponse } from './responses.js';

/** A handler class, as far as this kit needs to know it. */
export type HandlerClass = new (...args: any[]) => object;

/** The three ways a subclass says what a Python class attribute (or a hook) is. */
export const MODES = ['subclass field', 'assignment in a hook', 'getter'] as const;
export type Mode = (typeof MODES)[number];

/**
 * The hook's request carries these Basic credentials (`hook:hook`), so that it passes a
 * handler whose own `credentials` accept them while the row turns authentication on.
 */
const HOOK_AUTHORIZATION = `Authorization: Basic ${Buffer.from('hook:hook').toString('base64')}`;

/** Request header that makes the hook of `'assignment in a hook'` assign the member. */
export const SET_HEADER = 'X-Override';

/**
 * `Base` with `name` set to `value` the way `mode` says. 'subclass field' defines an own
 * property in the constructor, exactly what an ES2022 class field (`name = value`) does;
 * 'getter' puts an accessor on the subclass's prototype, what `get name()` does;
 * 'assignment in a hook' assigns `this[name] = value` inside `do_GET` when the request
 * carries `SET_HEADER`, then runs the inherited `do_GET`.
 */
export function overridden<T extends HandlerClass>(Base: T, mode: Mode, name: string, value: unknown): T {
  const Parent = Base as unknown as new (...args: any[]) => Record<string, any>;
  if (mode === 'subclass field') {
    return class extends Parent {
      constructor(...args: any[]) {
        super(...args);
        Object.defineProperty(this, name, { value, writable: true, enumerable: true, configurable: true });
      }
    } as unknown as T;
  }
  if (mode === 'getter') {
    const Sub = class extends Parent {};
    Object.defineProperty(Sub.prototype, name, { get: () => value, configurable: true });
    return Sub as unknown as T;
  }
  return class extends Parent {
    do_GET(): unknown {
      if (this.headers.get(SET_HEADER) !== undefined) this[name] = value;
      return super.do_GET();
    }
  } as unknown as T;
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

/** Resolves `'in time'` when `event` settles within `ms`, else `'late'` (a bound, not a wait). */
export async function within(ms: number, event: Promise<unknown>): Promise<'in time' | 'late'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), ms)));
  try {
    return await Promise.race([event.then(() => 'in time' as const), late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * On a new connection to `port`: the hook's request (`GET /` with `SET_HEADER`, which
 * must answer 200), then `before()`, then `probe` on the same connection, which is closed
 * after. Resolves with what the probe saw.
 */
export async function probeAfterHook<T>(
  port: number,
  probe: (c: Conn, first: RawResponse) => Promise<T>,
  before: () => void = () => {},
): Promise<T> {
  const c = await Conn.open(port);
  try {
    const first = await c.exchange(`GET / HTTP/1.1\r\nHost: x\r\n${SET_HEADER}: 1\r\n${HOOK_AUTHORIZATION}\r\n\r\n`);
    if (first.status !== 200) throw new Error(`the hook's request got ${first.status}; want 200`);
    before();
    return await probe(c, first);
  } finally {
    c.close();
  }
}

/** One row of an override-contract table: a member, the value a subclass gives it, and what a response shows then. */
export interface ContractRow<H extends HandlerClass = HandlerClass> {
  name: string;
  value: unknown;
  /** What `observe` resolves to when the member is overridden. */
  want: unknown;
  /** False where the default cannot be waited for (timeouts): no control test. */
  control?: false;
  /** Why the row cannot run here, if it cannot. */
  skip?: string | false;
  /** The handler the row overrides (default: the table's `Base`). */
  handler?: H;
}

/**
 * Registers the override contract of one handler class as tests: every member documented
 * "May be overridden." in `sources` has a row; without an override no row gives its
 * `want` (control); and in each of the `MODES` it does, on the next response.
 * `observe(Handler, row)` serves `Handler` and resolves with what the row's probe saw.
 */
export function describeOverrideContract<H extends HandlerClass, R extends ContractRow<H>>(
  title: string,
  sources: URL[],
  rows: R[],
  Base: H,
  observe: (Handler: H, row: R) => Promise<unknown>,
): void {
  describe(title, () => {
    it('has a row for every member documented "May be overridden."', () => {
      expect(rows.map((row) => row.name).sort()).toEqual(documentedOverridables(...sources));
    });

    it.for(rows.filter((row) => row.control !== false).map((row) => [row.name, row] as const))(
      'without an override, %s does not give the overridden answer (control)',
      async ([, row], { skip }) => {
        if (row.skip) return skip(row.skip);
        expect(await observe(row.handler ?? Base, row)).not.toEqual(row.want);
      },
    );

    it.for(rows.flatMap((row) => MODES.map((mode) => [row.name, mode, row] as const)))(
      '%s as a %s takes effect on the next response',
      async ([name, mode, row], { skip }) => {
        if (row.skip) return skip(row.skip);
        expect(await observe(overridden(row.handler ?? Base, mode, name, row.value), row)).toEqual(row.want);
      },
    );
  });
}
