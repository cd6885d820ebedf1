/**
 * Optional whitespace of RFC 9110 §5.6.3 (`OWS = *( SP / HTAB )`): the one trim every
 * layer uses on header values and list elements. No Python counterpart (Python's
 * `str.strip()` has the flaw this avoids).
 */

const SP = 0x20;
const HTAB = 0x09;

function isOWS(c: number): boolean {
  return c === SP || c === HTAB;
}

/**
 * `text` without leading and trailing SP and HTAB — and nothing else.
 *
 * **Security:** `String.prototype.trim()` also strips U+00A0, U+0085, VT, FF and other
 * Unicode spaces; header bytes are decoded as Latin-1, so `Transfer-Encoding: \xa0chunked`
 * would read as `chunked` here while nginx, HAProxy and lighttpd refuse it — two parsers
 * framing one request differently (HTTP Garden). Use this, never `trim()`, on wire text.
 */
export function trimOWS(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isOWS(text.charCodeAt(start))) start++;
  while (end > start && isOWS(text.charCodeAt(end - 1))) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

/**
 * The elements of a comma-separated list (RFC 9110 §5.6.1), each trimmed of OWS only;
 * empty elements are kept (as `''`) so a caller can refuse them.
 */
export function splitList(text: string, separator = ','): string[] {
  return text.split(separator).map(trimOWS);
}
