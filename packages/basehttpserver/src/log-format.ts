/** Python's `%`-formatting of log messages (`BaseHTTPRequestHandler.log_message`'s `format % args`). */
import { pyRepr } from './internal/text.js';

/**
 * The format `sendError()` logs its answer with through `logError()`, as Python's
 * `send_error`: `'code %d, message %s'`. A log hook can tell that line apart by it.
 */
export const SEND_ERROR_FORMAT = 'code %d, message %s';

/**
 * Python's `format % args` for `%s`, `%d`, `%i`, `%r` and `%%`: what `logMessage()` does
 * with its arguments. Extra arguments are appended with spaces; missing ones leave the
 * directive as it is.
 */
export function printf(format: string, args: readonly unknown[]): string {
  let next = 0;
  const out = format.replace(/%([sdir%])/g, (whole, kind: string) => {
    if (kind === '%') return '%';
    if (next >= args.length) return whole;
    const arg = args[next++];
    if (kind === 'd' || kind === 'i') return String(Math.trunc(Number(arg)));
    if (kind === 'r') return typeof arg === 'string' ? pyRepr(arg) : String(arg);
    return String(arg);
  });
  return next < args.length ? [out, ...args.slice(next).map(String)].join(' ') : out;
}
