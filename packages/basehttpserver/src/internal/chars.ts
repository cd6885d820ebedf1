/** Byte classes of RFC 9110 / RFC 9112, as lookup tables indexed by byte value. */

/** `tchar` of RFC 9110 §5.6.2: the bytes a token (method, field name) may hold. */
export const TOKEN: Uint8Array = table(
  (c) =>
    (c >= 0x30 && c <= 0x39) ||
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x61 && c <= 0x7a) ||
    "!#$%&'*+-.^_`|~".includes(String.fromCharCode(c)),
);

/** Bytes a field value may hold: HTAB, SP, VCHAR, obs-text (RFC 9110 §5.5). No CTL, no DEL. */
export const FIELD_VALUE: Uint8Array = table((c) => c === 0x09 || (c >= 0x20 && c !== 0x7f));

/** Bytes a request-target may hold: VCHAR and obs-text (no SP, no CTL, no DEL). */
export const TARGET: Uint8Array = table((c) => c > 0x20 && c !== 0x7f);

export const CR = 0x0d;
export const LF = 0x0a;
export const SP = 0x20;
export const HTAB = 0x09;
export const COLON = 0x3a;

function table(accept: (c: number) => boolean): Uint8Array {
  const bytes = new Uint8Array(256);
  for (let c = 0; c < 256; c++) bytes[c] = accept(c) ? 1 : 0;
  return bytes;
}

/** True if `text` is a non-empty token (RFC 9110 §5.6.2). */
export function isToken(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0xff || TOKEN[c] === 0) return false;
  }
  return true;
}

/** True if `text` may be sent as a field value or reason phrase: no CR, LF, NUL or other CTL, all Latin-1. */
export function isFieldValue(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0xff || FIELD_VALUE[c] === 0) return false;
  }
  return true;
}

const latin1Slice = (Buffer.prototype as unknown as { latin1Slice(this: Buffer, start: number, end: number): string })
  .latin1Slice;

/** Decodes `buf[start, end)` as ISO-8859-1 (a string copy; the buffer is not retained). */
export function latin1(buf: Buffer, start: number, end: number): string {
  return latin1Slice.call(buf, start, end);
}

/** True when `buf[start, end)` holds exactly the (latin1) characters of `text`. */
export function matches(buf: Buffer, start: number, end: number, text: string): boolean {
  if (end - start !== text.length) return false;
  for (let i = 0; i < text.length; i++) if (buf[start + i] !== text.charCodeAt(i)) return false;
  return true;
}
