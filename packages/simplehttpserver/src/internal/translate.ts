/**
 * Safe mapping of a request target onto the served directory: the checks behind Python's
 * `SimpleHTTPRequestHandler.translate_path`, made strict.
 */

import { decodeEscaped, hasDisguisedUtf8 } from './file-names.js';

/** A request target mapped to path segments under the root, or the status that refuses it. */
export type Translation =
  | {
      ok: true;
      /** Decoded path segments under the root; empty for the root itself. */
      segments: string[];
      /** The same segments still percent-encoded as received (for `Location`). */
      rawSegments: string[];
      /** Whether the path (before the query) ended with `/`. */
      trailingSlash: boolean;
      /** The query with its `?`, or `''`. */
      query: string;
    }
  | { ok: false; status: 400 | 404; reason: string };

/** Options of `translateTarget`. */
export interface TranslateOptions {
  /** Serve names starting with `.` (default false: they answer 404, except `.well-known`). */
  dotfiles?: boolean;
}

// `C:`, `c:foo`: a drive letter means an absolute path on Windows.
const DRIVE = /^[A-Za-z]:/;
// absolute-form request target, RFC 9112 §3.2.2: `http://host:port` before the path.
const ABSOLUTE_FORM = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/;
const WINDOWS = process.platform === 'win32';

/**
 * Splits a request target into safe path segments: drops the query and fragment, drops
 * empty and `.` segments, percent-decodes each segment once, and refuses anything that could
 * name a file outside the root.
 *
 * **Security:** refusals: malformed percent-encoding, disguised UTF-8 (overlong forms,
 * encoded surrogates) and NUL → 400; `..` (plain or encoded), an encoded `/`, a drive
 * letter, a dotfile (unless allowed), and on Windows any `\` → 404. Decoding happens once,
 * so `%252e%252e` is the literal name `%2e%2e`. Other bytes that are not UTF-8 name a file
 * whose name is not UTF-8 (held as Python's `surrogateescape` does); a `\` is an ordinary
 * character of a POSIX file name. Symlinks are checked separately, against the real path.
 */
export function translateTarget(target: string, options: TranslateOptions = {}): Translation {
  let path = target;
  if (path.charCodeAt(0) !== 0x2f) {
    const match = ABSOLUTE_FORM.exec(path);
    if (!match) return refuse(400, 'request target is not a path');
    path = path.slice(match[0].length);
    if (path.charCodeAt(0) !== 0x2f) path = '/' + path;
  }
  let query = '';
  const hash = path.indexOf('#');
  if (hash !== -1) path = path.slice(0, hash);
  const question = path.indexOf('?');
  if (question !== -1) {
    query = path.slice(question);
    path = path.slice(0, question);
  }
  const segments: string[] = [];
  const rawSegments: string[] = [];
  for (const raw of path.split('/')) {
    if (raw === '' || raw === '.') continue;
    const name = decodeSegment(raw);
    if (name === undefined) return refuse(400, 'malformed percent-encoding');
    const refusal = checkSegment(name, options.dotfiles === true);
    if (refusal) return refusal;
    if (name === '.') continue;
    segments.push(name);
    rawSegments.push(raw);
  }
  return { ok: true, segments, rawSegments, trailingSlash: path.endsWith('/'), query };
}

function decodeSegment(raw: string): string | undefined {
  if (!raw.includes('%')) return raw;
  try {
    return decodeURIComponent(raw); // throws on invalid UTF-8 and bad %xx
  } catch {
    return decodeBytes(raw);
  }
}

/**
 * A segment whose `%XX` bytes are not UTF-8: the name of a file whose name is not UTF-8
 * either, held with escaped bytes (see `file-names.ts`), as Python's `surrogateescape`.
 * Malformed `%` and disguised UTF-8 (overlong forms, encoded surrogates) → `undefined`.
 */
function decodeBytes(raw: string): string | undefined {
  const bytes: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] !== '%') {
      for (const byte of Buffer.from(raw[i]!, 'utf8')) bytes.push(byte);
      continue;
    }
    const hex = raw.slice(i + 1, i + 3);
    if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return undefined;
    bytes.push(parseInt(hex, 16));
    i += 2;
  }
  const array = Uint8Array.from(bytes);
  return hasDisguisedUtf8(array) ? undefined : decodeEscaped(array);
}

/**
 * Whether a request can name the file `name` (a directory entry): the listing leaves out
 * what `translateTarget` would refuse, so it never shows a link the server refuses.
 */
export function isServableName(name: string, dotfiles: boolean): boolean {
  return name !== '.' && checkSegment(name, dotfiles) === undefined;
}

function checkSegment(name: string, dotfiles: boolean): Translation | undefined {
  if (name.includes('\0')) return refuse(400, 'NUL in path');
  if (name === '..') return refuse(404, 'parent segment');
  if (name.includes('/') || (WINDOWS && name.includes('\\'))) return refuse(404, 'separator inside a segment');
  if (DRIVE.test(name) || (WINDOWS && name.includes(':'))) return refuse(404, 'drive letter or stream name');
  if (name.charCodeAt(0) === 0x2e && name !== '.' && !dotfiles && name !== '.well-known') {
    return refuse(404, 'dotfile');
  }
  return undefined;
}

function refuse(status: 400 | 404, reason: string): Translation {
  return { ok: false, status, reason };
}

/** Whether `real` (a resolved path) is `root` or inside it. Both must be real paths. */
export function isInside(root: string, real: string, separator: string): boolean {
  if (real === root) return true;
  const prefix = root.endsWith(separator) ? root : root + separator;
  return real.startsWith(prefix);
}
