/**
 * File names that are not valid UTF-8, as Python's `surrogateescape` holds them: each byte
 * that is not part of a valid UTF-8 sequence becomes the lone surrogate U+DC80–U+DCFF, so a
 * name is a string everywhere and turns back into its exact bytes at the file system.
 */

const FATAL = new TextDecoder('utf-8', { fatal: true });
// with the `u` flag a surrogate pair is one code point, so this finds lone surrogates only
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** Whether `text` has no lone surrogate (ES2024's `isWellFormed`). */
function wellFormed(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}

/** The path to give `node:fs`: `path` itself, or its bytes when it holds escaped bytes. */
export function fsPath(path: string): string | Buffer {
  return wellFormed(path) ? path : escapedBytes(path);
}

/** The bytes of `name`, escaped bytes (lone U+DC80–U+DCFF) written back as themselves. */
export function escapedBytes(name: string): Buffer {
  const bytes: number[] = [];
  for (const char of name) {
    const code = char.codePointAt(0)!;
    if (code >= 0xdc80 && code <= 0xdcff) bytes.push(code - 0xdc00);
    else for (const byte of Buffer.from(char, 'utf8')) bytes.push(byte);
  }
  return Buffer.from(bytes);
}

/** Decodes file-name or URL bytes as UTF-8, escaping every byte of an invalid sequence (Python's `surrogateescape`). */
export function decodeEscaped(bytes: Uint8Array): string {
  try {
    return FATAL.decode(bytes);
  } catch {
    let text = '';
    for (let i = 0; i < bytes.length; ) {
      const length = sequenceLength(bytes, i);
      if (length === 0) text += String.fromCharCode(0xdc00 + bytes[i++]!);
      else text += FATAL.decode(bytes.subarray(i, (i += length)));
    }
    return text;
  }
}

/** The length of the valid UTF-8 sequence at `bytes[i]` (RFC 3629 §4), or 0. */
function sequenceLength(bytes: Uint8Array, i: number): number {
  const lead = bytes[i]!;
  if (lead < 0x80) return 1;
  const [length, low, high] =
    lead >= 0xc2 && lead <= 0xdf
      ? [2, 0x80, 0xbf]
      : lead === 0xe0
        ? [3, 0xa0, 0xbf]
        : lead === 0xed
          ? [3, 0x80, 0x9f]
          : lead >= 0xe1 && lead <= 0xef
            ? [3, 0x80, 0xbf]
            : lead === 0xf0
              ? [4, 0x90, 0xbf]
              : lead === 0xf4
                ? [4, 0x80, 0x8f]
                : lead >= 0xf1 && lead <= 0xf3
                  ? [4, 0x80, 0xbf]
                  : [0, 0, 0];
  if (length === 0 || i + length > bytes.length) return 0;
  const second = bytes[i + 1]!;
  if (second < low || second > high) return 0;
  for (let k = 2; k < length; k++) if ((bytes[i + k]! & 0xc0) !== 0x80) return 0;
  return length;
}

/**
 * Whether `bytes` hold an overlong form or an encoded surrogate (`%C0%AE`, `%ED%A0%80`…):
 * disguises of other characters, refused rather than taken as raw bytes.
 */
export function hasDisguisedUtf8(bytes: Uint8Array): boolean {
  for (let i = 0; i + 1 < bytes.length; i++) {
    const [a, b] = [bytes[i]!, bytes[i + 1]!];
    if ((b & 0xc0) !== 0x80) continue;
    if (a === 0xc0 || a === 0xc1 || (a === 0xe0 && b < 0xa0) || (a === 0xf0 && b < 0x90) || (a === 0xed && b >= 0xa0))
      return true;
  }
  return false;
}

/** Percent-encodes `name` for a URL path segment; escaped bytes become `%XX` of the raw byte. */
export function encodeName(name: string): string {
  if (wellFormed(name)) return encodeURIComponent(name);
  let encoded = '';
  for (const char of name) {
    const code = char.codePointAt(0)!;
    encoded +=
      code >= 0xdc80 && code <= 0xdcff ? `%${(code - 0xdc00).toString(16).toUpperCase()}` : encodeURIComponent(char);
  }
  return encoded;
}

/**
 * `name` for reading: each escaped byte shown as its Latin-1 character (the likeliest
 * legacy encoding), so `latin\xe9.txt` reads `latiné.txt`; `onRaw` may mark those
 * characters and `onText` escapes the rest.
 */
export function readableName(
  name: string,
  onRaw: (char: string, byte: number) => string = (char) => char,
  onText: (text: string) => string = (text) => text,
): string {
  if (wellFormed(name)) return onText(name);
  let text = '';
  for (const char of name) {
    const code = char.codePointAt(0)!;
    text += code >= 0xdc80 && code <= 0xdcff ? onRaw(String.fromCharCode(code - 0xdc00), code - 0xdc00) : onText(char);
  }
  return text;
}
