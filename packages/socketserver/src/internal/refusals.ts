/**
 * Connections a listener could not take — over its connection cap, or out of file
 * descriptors — counted per burst so that a flood makes one log line, not thousands.
 * No Python counterpart.
 */
import { readFileSync } from 'node:fs';

/** Why connections were refused. */
export type RefusalReason = 'maxConnections' | 'descriptors';

/** A burst ends after this long without a refusal; its count is then reported. */
export const BURST_MS = 1000;

/**
 * Counts refusals and calls `report(count, reason)` once per burst: at the first refusal
 * of a burst (count 1), then once more when `BURST_MS` pass without another, with the
 * rest of the burst's count (if any).
 */
export class RefusalCounter {
  #count = 0;
  #reason: RefusalReason = 'maxConnections';
  #timer: NodeJS.Timeout | undefined;

  constructor(private readonly report: (count: number, reason: RefusalReason) => void) {}

  note(reason: RefusalReason): void {
    if (this.#timer === undefined) {
      this.report(1, reason);
    } else {
      this.#count++;
      this.#reason = reason;
      this.#timer.refresh();
      return;
    }
    this.#timer = setTimeout(() => this.#flush(), BURST_MS);
    this.#timer.unref();
  }

  #flush(): void {
    this.#timer = undefined;
    const count = this.#count;
    this.#count = 0;
    if (count > 0) this.report(count, this.#reason);
  }

  /** Reports what is pending now (at close). */
  stop(): void {
    if (this.#timer === undefined) return;
    clearTimeout(this.#timer);
    this.#flush();
  }
}

/**
 * The soft limit on open file descriptors (`ulimit -n`), from `/proc/self/limits`;
 * undefined where that file does not exist or says `unlimited`.
 */
export function descriptorLimit(): number | undefined {
  try {
    const line = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'latin1'));
    return line && line[1] !== 'unlimited' ? Number(line[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * How many connections fit under a descriptor limit: the limit less what the process
 * needs besides them (its own descriptors, files being sent, CGI pipes) — an eighth of it,
 * at least 32.
 */
export function connectionsUnderLimit(limit: number): number {
  return Math.max(1, limit - Math.max(32, Math.floor(limit / 8)));
}
