/** Text helpers of the HTTP layer: Python's repr, escaping, dates. */
import { trimOWS } from '../optional-whitespace.js';

/** At most this many characters of request text are echoed in a status line, error page or log line. */
export const ECHO_LIMIT = 200;

/**
 * Request text to echo: `text` itself, or its first `ECHO_LIMIT` characters and a marker
 * (`... [64800 more bytes]`). Escape the result as before (`pyRepr`, `escapeControl`).
 *
 * **Security:** an error echoed the whole request line: a 64 KiB line of `\x01` gave a
 * 260 KB status line, page and log line (8× amplification). nginx echoes nothing.
 * **Differs from Python:** Python echoes it whole.
 */
export function capEcho(text: string): string {
  if (text.length <= ECHO_LIMIT) return text;
  return `${text.slice(0, ECHO_LIMIT)}... [${text.length - ECHO_LIMIT} more bytes]`;
}

/** Python's `repr()` of a str: single-quoted, backslash, quote and control characters escaped. */
export function pyRepr(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c) out += '\\\\';
    else if (c === 0x27) out += "\\'";
    else if (c < 0x20 || (c >= 0x7f && c < 0xa0)) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += text[i];
  }
  return `'${out}'`;
}

/**
 * Escapes C0 and C1 control characters as `\xNN` and backslash as `\\`, like Python's
 * `BaseHTTPRequestHandler._control_char_table`, so a log line cannot forge others.
 */
export function escapeControl(text: string): string {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x5c || (c >= 0x7f && c < 0xa0)) return escapeFrom(text, i);
  }
  return text;
}

function escapeFrom(text: string, start: number): string {
  let out = text.slice(0, start);
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c) out += '\\\\';
    else if (c < 0x20 || (c >= 0x7f && c < 0xa0)) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += text[i];
  }
  return out;
}

/** Python's `html.escape(text, quote=False)`: `&`, `<`, `>`. */
export function htmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Python's `template % {name: value}` for `%(name)s` and `%(name)d`, with `%%`. */
export function formatNamed(template: string, values: Record<string, string | number>): string {
  return template.replace(/%(?:\((\w+)\)([sd])|%)/g, (whole, name: string | undefined, kind: string | undefined) => {
    if (name === undefined) return '%';
    const value = values[name];
    if (value === undefined) return whole;
    return kind === 'd' ? String(Math.trunc(Number(value))) : String(value);
  });
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Local time as Python's `log_date_time_string`: `24/Nov/2026 10:00:00`. */
export function logDate(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return (
    `${two(date.getDate())}/${MONTHS[date.getMonth()]}/${String(date.getFullYear()).padStart(4, '0')} ` +
    `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`
  );
}

/** True if the lower-case comma list `list` holds `token`. */
export function hasToken(list: string, token: string): boolean {
  if (list === token) return true;
  for (const item of list.split(',')) if (trimOWS(item) === token) return true;
  return false;
}
