/** `stat(2)` for the static layer: quiet on failure, shared by one event-loop turn when asked. */
import type { Stats } from 'node:fs';
import { statNow, statThisTurn } from './caches.js';

export { statNow, statThisTurn } from './caches.js';

/** `statThisTurn` or `statNow`, as `shared` says. */
export function statQuiet(path: string, shared: boolean): Stats | undefined {
  return shared ? statThisTurn(path) : statNow(path);
}
