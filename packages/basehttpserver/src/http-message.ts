/** Port of `http.client.HTTPMessage` (an `email.message.Message` of header fields). */

/**
 * HTTPMessage holds header fields: names are matched case-insensitively, the order of
 * arrival is kept, and a repeated name keeps every occurrence. Iteration yields
 * `[name, value]` pairs in arrival order (repeated names repeated), names as received.
 *
 * **Differs from Python:** `get(name)` returns `undefined` (not `None`) when absent;
 * `msg[name] = value` is `append(name, value)`; `del msg[name]` is `delete(name)`;
 * `get_all` is `getAll` and returns `[]` rather than `None`. Values are strings decoded
 * as ISO-8859-1, as Python's `http.client.parse_headers` does.
 */
export class HTTPMessage implements Iterable<[string, string]> {
  /** Names and values interleaved: `[name0, value0, name1, value1, …]` (one array, not two). */
  #fields: string[] = [];

  /** Makes a message, optionally filled with `[name, value]` pairs. */
  constructor(fields?: Iterable<readonly [string, string]>) {
    if (fields) for (const [name, value] of fields) this.append(name, value);
  }

  /** Number of header fields (repeated names counted each time). Python's `len(msg)`. */
  get size(): number {
    return this.#fields.length >> 1;
  }

  /** Adds a field after the others; an existing field of that name is kept. */
  append(name: string, value: string): void {
    this.#fields.push(name, value);
  }

  /** Replaces every field named `name` by one field with `value` (added last if absent). */
  set(name: string, value: string): void {
    this.delete(name);
    this.append(name, value);
  }

  /** Removes every field named `name`; returns true if there was one. */
  delete(name: string): boolean {
    const key = name.toLowerCase();
    const fields = this.#fields;
    let kept = 0;
    for (let i = 0; i < fields.length; i += 2) {
      const candidate = fields[i]!;
      if (candidate.length === key.length && candidate.toLowerCase() === key) continue;
      fields[kept++] = candidate;
      fields[kept++] = fields[i + 1]!;
    }
    const removed = fields.length !== kept;
    fields.length = kept;
    return removed;
  }

  /** The value of the first field named `name` (any case), or `fallback` when absent. */
  get(name: string): string | undefined;
  get<T>(name: string, fallback: T): string | T;
  get<T>(name: string, fallback?: T): string | T | undefined {
    const at = this.#indexOf(name, 0);
    return at === -1 ? fallback : this.#fields[at + 1];
  }

  /** Every value of the fields named `name`, in arrival order (`[]` when absent). */
  getAll(name: string): string[] {
    const all: string[] = [];
    for (let at = this.#indexOf(name, 0); at !== -1; at = this.#indexOf(name, at + 2)) all.push(this.#fields[at + 1]!);
    return all;
  }

  /** True if a field named `name` (any case) is present. Python's `name in msg`. */
  has(name: string): boolean {
    return this.#indexOf(name, 0) !== -1;
  }

  /** Field names in arrival order, as received (repeated names repeated). */
  keys(): string[] {
    return this.#fields.filter((_, i) => i % 2 === 0);
  }

  /** Field values in arrival order. */
  values(): string[] {
    return this.#fields.filter((_, i) => i % 2 === 1);
  }

  /** `[name, value]` pairs in arrival order. Python's `msg.items()`. */
  items(): Array<[string, string]> {
    return [...this];
  }

  *[Symbol.iterator](): Iterator<[string, string]> {
    const fields = this.#fields;
    for (let i = 0; i < fields.length; i += 2) yield [fields[i]!, fields[i + 1]!];
  }

  /** The fields as `Name: value` lines, each ending in CRLF, then an empty line. */
  toString(): string {
    let text = '';
    for (const [name, value] of this) text += `${name}: ${value}\r\n`;
    return `${text}\r\n`;
  }

  /** Index in `#fields` of the first name matching `name` at or after `from`, or -1. */
  #indexOf(name: string, from: number): number {
    const fields = this.#fields;
    let key: string | undefined;
    for (let i = from; i < fields.length; i += 2) {
      const candidate = fields[i]!;
      if (candidate.length !== name.length) continue;
      if (candidate === name) return i;
      key ??= name.toLowerCase();
      if (candidate.toLowerCase() === key) return i;
    }
    return -1;
  }
}
