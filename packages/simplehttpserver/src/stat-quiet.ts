/** `stat(2)` for the file layers: quiet on failure, shared by one event-loop turn when asked. */
import type { Stats } from 'node:fs';
import { statNow, statThisTurn } from './internal/caches.js';

/**
 * The `stat` of `path`, or `undefined` for any failure (missing, not a directory, no
 * access). With `shared`, the requests of one event-loop turn share one `stat` per path
 * (see `FileCacheOptions.shareStats`); a request read in a later turn than an edit always
 * sees the edit.
 */
export function statQuiet(path: string, shared = false): Stats | undefined {
  return shared ? statThisTurn(path) : statNow(path);
}
