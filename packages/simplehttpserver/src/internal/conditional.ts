/** Validators and conditional requests (RFC 9110 §8.8, §13): ETag, Last-Modified, If-*. */
import { trimOWS } from '@httpstack/basehttpserver';

/** The validators of one representation. */
export interface Validators {
  /** Strong entity tag with its quotes, e.g. `"1f-5a-18c"`. */
  etag: string;
  /** The file's version; `mtimeMs` is its modification time in ms. */
  version: { mtimeMs: number };
}

/** The conditional request headers that matter here. */
export interface Conditions {
  method: string;
  ifMatch?: string | undefined;
  ifNoneMatch?: string | undefined;
  ifModifiedSince?: string | undefined;
  ifUnmodifiedSince?: string | undefined;
}

/**
 * A strong entity tag from the file's inode, size, modification and change times (µs):
 * any edit (even one that restores the old mtime, which still moves ctime) or a
 * replacement by rename changes it.
 */
export function makeETag(ino: number, size: number, mtimeMs: number, ctimeMs: number): string {
  const micros = (ms: number) => Math.round(ms * 1000).toString(36);
  return `"${ino.toString(36)}-${size.toString(36)}-${micros(mtimeMs)}-${micros(ctimeMs)}"`;
}

/**
 * The result of evaluating preconditions in the order of RFC 9110 §13.2.2: 412 when
 * `If-Match` (strong) or `If-Unmodified-Since` fails; 304 when `If-None-Match` (weak) or,
 * without it, `If-Modified-Since` shows the client's copy is current (GET and HEAD); else 200.
 */
export function evaluateConditions(request: Conditions, validators: Validators): 200 | 304 | 412 {
  const { ifMatch, ifNoneMatch } = request;
  if (ifMatch !== undefined) {
    if (!etagMatches(ifMatch, validators.etag, false)) return 412;
  } else if (request.ifUnmodifiedSince !== undefined) {
    const since = parseHttpDate(request.ifUnmodifiedSince);
    if (since !== undefined && seconds(validators.version.mtimeMs) > since) return 412;
  }
  const safe = request.method === 'GET' || request.method === 'HEAD';
  if (ifNoneMatch !== undefined) {
    if (etagMatches(ifNoneMatch, validators.etag, true)) return safe ? 304 : 412;
  } else if (safe && request.ifModifiedSince !== undefined) {
    const since = parseHttpDate(request.ifModifiedSince);
    if (since !== undefined && seconds(validators.version.mtimeMs) <= since) return 304;
  }
  return 200;
}

/**
 * Whether an `If-Range` value still names the current representation: a strong ETag match,
 * or a date equal to `Last-Modified` (RFC 9110 §13.1.5). Weak tags never match.
 */
export function ifRangeMatches(ifRange: string, validators: Validators): boolean {
  const value = trimOWS(ifRange);
  if (value.startsWith('"') || value.startsWith('W/')) return value === validators.etag;
  const date = parseHttpDate(value);
  return date !== undefined && date === seconds(validators.version.mtimeMs);
}

/**
 * Whether the entity-tag list `header` (or `*`) matches `etag`, by weak comparison
 * (`W/` ignored) or strong comparison (weak tags never match).
 */
export function etagMatches(header: string, etag: string, weak: boolean): boolean {
  if (trimOWS(header) === '*') return true;
  const wanted = etag.startsWith('W/') ? etag.slice(2) : etag;
  if (!weak && wanted !== etag) return false;
  let i = 0;
  while (i < header.length) {
    const char = header.charCodeAt(i);
    if (char === 0x20 || char === 0x09 || char === 0x2c) {
      i++;
      continue;
    }
    let isWeak = false;
    if (header.startsWith('W/', i)) {
      isWeak = true;
      i += 2;
    }
    if (header.charCodeAt(i) !== 0x22) return false; // not a list of entity-tags
    const close = header.indexOf('"', i + 1);
    if (close === -1) return false;
    const tag = header.slice(i, close + 1);
    if (tag === wanted && (weak || !isWeak)) return true;
    i = close + 1;
  }
  return false;
}

/** Parses an HTTP date (IMF-fixdate, RFC 850, asctime) to whole seconds; undefined if invalid. */
export function parseHttpDate(value: string): number | undefined {
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}

function seconds(ms: number): number {
  return Math.floor(ms / 1000);
}
