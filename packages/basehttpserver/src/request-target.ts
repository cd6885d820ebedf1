/**
 * The request target as path segments (RFC 9112 §3.2, RFC 3986 §3.3): the one parser the
 * static and CGI layers map paths with, their differences given as options. Python's
 * `translate_path` and `_url_collapse_path`, made strict.
 */

/** A request target split into safe path segments, or the status that refuses it. */
export type RequestTarget =
  | {
      ok: true;
      /** Decoded path segments; empty for the root itself. */
      segments: string[];
      /** The same segments still percent-encoded as received (for `Location`). */
      rawSegments: string[];
      /** Whether the path (before the query) ended with `/`. */
      trailingSlash: boolean;
      /** The query with its `?`, or `''`. */
      query: string;
    }
  | { ok: false; status: 400 | 404; reason: string };

/** The policies of `parseRequestTarget`. */
export interface RequestTargetOptions {
  /**
   * A `..` segment (plain or encoded): `'refuse'` (404, the default: the static layer) or
   * `'collapse'` (removes the segment before it, as Python's `_url_collapse_path`; one that
   * climbs above the root is refused: the CGI layer).
   */
  dotDot?: 'refuse' | 'collapse';
  /** An absolute-form target (`http://host/path`): `'path'` (its path, the default) or `'refuse'` (400). */
  absoluteForm?: 'path' | 'refuse';
  /**
   * A `\` inside a segment: `'refuse'` (404, the default) or `'name'` (an ordinary character
   * of a POSIX file name: the static layer; still refused on Windows, where it separates).
   */
  backslash?: 'refuse' | 'name';
  /**
   * The name of a segment whose percent-decoded bytes are not UTF-8, or `undefined` to
   * refuse it (400). Without it every such segment is refused; the static layer names them
   * as Python's `surrogateescape` does, so files whose names are not UTF-8 can be served.
   */
  decodeBytes?: (bytes: Uint8Array) => string | undefined;
}

// `C:`, `c:foo`: a drive letter means an absolute path on Windows.
const DRIVE = /^[A-Za-z]:/;
// absolute-form request target, RFC 9112 §3.2.2: `http://host:port` before the path.
const ABSOLUTE_FORM = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/;
const WINDOWS = process.platform === 'win32';

/**
 * Splits a request target into safe path segments: drops the query and fragment, drops
 * empty and `.` segments, percent-decodes each segment once, and refuses anything that
 * could name a file outside a root.
 *
 * **Security:** refusals: malformed percent-encoding or UTF-8 (overlong forms, lone
 * surrogates; other bytes that are not UTF-8 unless `decodeBytes` names them) and NUL → 400;
 * `..` (plain or encoded; with `dotDot: 'collapse'` only above the root), an encoded `/`,
 * a `\` (unless `backslash: 'name'`), a drive letter → 404. Decoding happens once, so
 * `%252e%252e` is the literal name `%2e%2e`. Symlinks are for the caller to check,
 * against the real path.
 */
export function parseRequestTarget(target: string, options: RequestTargetOptions = {}): RequestTarget {
  let path = target;
  if (path.charCodeAt(0) !== 0x2f) {
    const match = options.absoluteForm === 'refuse' ? null : ABSOLUTE_FORM.exec(path);
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
    const name = decodeSegment(raw, options.decodeBytes);
    if (name === undefined) return refuse(400, 'malformed percent-encoding');
    if (name === '..' && options.dotDot === 'collapse') {
      if (segments.pop() === undefined) return refuse(404, 'parent segment above the root');
      rawSegments.pop();
      continue;
    }
    const refusal = checkSegment(name, options.backslash === 'name' && !WINDOWS);
    if (refusal) return refusal;
    if (name === '.') continue;
    segments.push(name);
    rawSegments.push(raw);
  }
  return { ok: true, segments, rawSegments, trailingSlash: path.endsWith('/'), query };
}

function decodeSegment(raw: string, decodeBytes: RequestTargetOptions['decodeBytes']): string | undefined {
  if (!raw.includes('%')) return raw;
  try {
    return decodeURIComponent(raw); // throws on overlong UTF-8, lone surrogates, bad %xx
  } catch {
    if (decodeBytes === undefined) return undefined;
    const bytes = percentBytes(raw);
    return bytes === undefined ? undefined : decodeBytes(bytes);
  }
}

/** The bytes a segment percent-encodes (other characters as UTF-8); `undefined` for a malformed `%`. */
function percentBytes(raw: string): Uint8Array | undefined {
  const bytes: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] !== '%') {
      for (const byte of Buffer.from(raw[i]!, 'utf8')) bytes.push(byte);
      continue;
    }
    const hex = raw.slice(i + 1, i + 3);
    if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return undefined;
    bytes.push(Number.parseInt(hex, 16));
    i += 2;
  }
  return Uint8Array.from(bytes);
}

function checkSegment(name: string, backslashIsName: boolean): RequestTarget | undefined {
  if (name.includes('\0')) return refuse(400, 'NUL in path');
  if (name === '..') return refuse(404, 'parent segment');
  if (name.includes('/') || (!backslashIsName && name.includes('\\'))) return refuse(404, 'separator inside a segment');
  if (DRIVE.test(name) || (WINDOWS && name.includes(':'))) return refuse(404, 'drive letter or stream name');
  return undefined;
}

function refuse(status: 400 | 404, reason: string): RequestTarget {
  return { ok: false, status, reason };
}

/**
 * The path of a request target: the target itself for origin-form, the path and query of
 * an absolute-form target (RFC 9112 §3.2.2); a leading `//` reduced to `/` as Python does
 * (gh-87389: no open redirect through a scheme-relative path).
 */
export function requestPath(target: string): string {
  let path = target;
  if (path.charCodeAt(0) !== 0x2f) {
    const scheme = path.indexOf('://');
    if (scheme > 0 && /^[a-z][a-z0-9+.-]*$/i.test(path.slice(0, scheme))) {
      const slash = path.indexOf('/', scheme + 3);
      const query = path.indexOf('?', scheme + 3);
      path =
        slash !== -1 && (query === -1 || slash < query)
          ? path.slice(slash)
          : `/${query === -1 ? '' : path.slice(query)}`;
    }
  }
  if (path.charCodeAt(0) === 0x2f && path.charCodeAt(1) === 0x2f) path = `/${path.replace(/^\/+/, '')}`;
  return path;
}

/**
 * Whether `target` has one of the four forms of RFC 9112 §3.2: origin-form (starts with
 * `/`), absolute-form (`scheme://…`), authority-form for CONNECT, asterisk-form for
 * OPTIONS. **Differs from Python:** a target without a leading slash (`GET dir/file`),
 * which Python's layers read inconsistently, is refused with 400 in every layer.
 */
export function isTargetForm(method: string, target: string): boolean {
  if (target.charCodeAt(0) === 0x2f) return true;
  if (method === 'CONNECT') return true;
  if (target === '*') return method === 'OPTIONS';
  return /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(target);
}
