/**
 * Safe mapping of a request target onto the served directory: the checks behind Python's
 * `SimpleHTTPRequestHandler.translate_path`, made strict.
 */
import { parseRequestTarget, type RequestTarget, type RequestTargetOptions } from '@httpstack/basehttpserver';
import { decodeEscaped, encodeName, hasDisguisedUtf8 } from './file-names.js';

/** A request target mapped to path segments under the root, or the status that refuses it. */
export type Translation = RequestTarget;

/** Options of `translateTarget`. */
export interface TranslateOptions {
  /** Serve names starting with `.` (default false: they answer 404, except `.well-known`). */
  dotfiles?: boolean;
}

/** The static layer's policy for request targets (see `translateTarget`). */
const STATIC_POLICY: RequestTargetOptions = {
  dotDot: 'refuse',
  backslash: 'name',
  decodeBytes: (bytes) => (hasDisguisedUtf8(bytes) ? undefined : decodeEscaped(bytes)),
};

/**
 * Splits a request target into safe path segments under the root with basehttpserver's
 * `parseRequestTarget` (`..` refused), then refuses dotfiles unless allowed.
 *
 * **Security:** see `parseRequestTarget`, with the static layer's policy: `..` refused, a
 * `\` an ordinary character of a POSIX file name, bytes that are not UTF-8 the name of a
 * file whose name is not UTF-8 either (held as Python's `surrogateescape` does; disguised
 * UTF-8 — overlong forms, encoded surrogates — still 400). A segment starting with `.`
 * answers 404 (but `.well-known`) unless `dotfiles`. Symlinks are checked separately,
 * against the real path.
 */
export function translateTarget(target: string, options: TranslateOptions = {}): Translation {
  const parsed = parseRequestTarget(target, STATIC_POLICY);
  if (!parsed.ok || options.dotfiles === true) return parsed;
  for (const name of parsed.segments) {
    if (name.charCodeAt(0) === 0x2e && name !== '.well-known') return { ok: false, status: 404, reason: 'dotfile' };
  }
  return parsed;
}

/**
 * Whether a request can name the file `name` (a directory entry): the listing leaves out
 * what `translateTarget` would refuse, so it never shows a link the server refuses.
 */
export function isServableName(name: string, dotfiles: boolean): boolean {
  if (name === '.' || name === '..') return false;
  const target = translateTarget(`/${encodeName(name)}`, { dotfiles });
  return target.ok && target.segments.length === 1 && target.segments[0] === name;
}

/** Whether `real` (a resolved path) is `root` or inside it. Both must be real paths. */
export function isInside(root: string, real: string, separator: string): boolean {
  if (real === root) return true;
  const prefix = root.endsWith(separator) ? root : root + separator;
  return real.startsWith(prefix);
}
