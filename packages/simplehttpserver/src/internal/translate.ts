/**
 * Safe mapping of a request target onto the served directory: the checks behind Python's
 * `SimpleHTTPRequestHandler.translate_path`, made strict.
 */
import { parseRequestTarget, type RequestTarget } from '@httpstack/basehttpserver';

/** A request target mapped to path segments under the root, or the status that refuses it. */
export type Translation = RequestTarget;

/** Options of `translateTarget`. */
export interface TranslateOptions {
  /** Serve names starting with `.` (default false: they answer 404, except `.well-known`). */
  dotfiles?: boolean;
}

/**
 * Splits a request target into safe path segments under the root with basehttpserver's
 * `parseRequestTarget` (`..` refused), then refuses dotfiles unless allowed.
 *
 * **Security:** see `parseRequestTarget`; a segment starting with `.` answers 404 (but
 * `.well-known`) unless `dotfiles`. Symlinks are checked separately, against the real path.
 */
export function translateTarget(target: string, options: TranslateOptions = {}): Translation {
  const parsed = parseRequestTarget(target, { dotDot: 'refuse' });
  if (!parsed.ok || options.dotfiles === true) return parsed;
  for (const name of parsed.segments) {
    if (name.charCodeAt(0) === 0x2e && name !== '.well-known') return { ok: false, status: 404, reason: 'dotfile' };
  }
  return parsed;
}

/** Whether `real` (a resolved path) is `root` or inside it. Both must be real paths. */
export function isInside(root: string, real: string, separator: string): boolean {
  if (real === root) return true;
  const prefix = root.endsWith(separator) ? root : root + separator;
  return real.startsWith(prefix);
}
