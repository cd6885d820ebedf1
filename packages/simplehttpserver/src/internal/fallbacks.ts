/**
 * Answers for paths with no file of their own: clean URLs (`/about` → `about.html`, and
 * `/about.html` redirected to `/about`) and the single-page-app fallback (`index.html`).
 */
import type { Stats } from 'node:fs';
import { extname, join, sep } from 'node:path';
import { splitList, trimOWS } from '@httpstack/basehttpserver';
import { encodeName } from './file-names.js';
import { translateTarget } from './translate.js';
import { statQuiet } from '../stat-quiet.js';

/** What the fallbacks need from the handler. */
export interface FallbackSource {
  path: string;
  command: string;
  directory: string;
  dotfiles: boolean;
  indexPages: readonly string[];
  spa: boolean;
  cleanUrls: boolean;
  headers: { get(name: string): string | undefined };
}

/** A file to serve in place of the missing one. */
export interface Fallback {
  path: string;
  stat: Stats;
}

/**
 * The file to serve for the missing file `path` (a translated path): under `cleanUrls`,
 * `path.html`; under `spa`, for a GET or HEAD of a name without an extension that accepts
 * HTML, the root's index page. **Security:** both are built from the checked path (or the
 * root) and opened like any file, so symlinks are still held to the root.
 */
export function findFallback(h: FallbackSource, path: string, shared: boolean): Fallback | undefined {
  const hasExtension = extname(path) !== '';
  if (h.cleanUrls && !hasExtension && !path.endsWith(sep)) {
    const stat = statQuiet(path + '.html', shared);
    if (stat?.isFile()) return { path: path + '.html', stat };
  }
  if (!h.spa || hasExtension || (h.command !== 'GET' && h.command !== 'HEAD') || !acceptsHtml(h.headers.get('accept')))
    return undefined;
  for (const name of h.indexPages) {
    const index = join(h.directory, name);
    const stat = statQuiet(index, shared);
    if (stat?.isFile()) return { path: index, stat };
  }
  return undefined;
}

/**
 * Under `cleanUrls`, the `Location` that drops `.html` from a request for an existing
 * `name.html` (`/a/index.html` → `/a/`), query kept; else `undefined`. **Security:** the
 * location is rebuilt from the checked, re-encoded segments: one `/`, then a local path.
 */
export function cleanUrlLocation(h: FallbackSource): string | undefined {
  if (!h.cleanUrls) return undefined;
  const target = translateTarget(h.path, { dotfiles: h.dotfiles });
  if (!target.ok || target.trailingSlash || target.segments.length === 0) return undefined;
  const last = target.segments[target.segments.length - 1]!;
  if (!last.endsWith('.html')) return undefined;
  const parents = target.segments
    .slice(0, -1)
    .map((s) => `${encodeName(s)}/`)
    .join('');
  const stem = last === 'index.html' ? '' : encodeName(last.slice(0, -'.html'.length));
  return `/${parents}${stem}${target.query}`;
}

/** Whether `Accept` admits HTML (`text/html`, `text/*` or `*\/*` without `q=0`); no header admits all. */
export function acceptsHtml(accept: string | undefined): boolean {
  if (accept === undefined) return true;
  return splitList(accept).some((item) => {
    const [type = '', ...params] = item.split(';');
    const name = trimOWS(type).toLowerCase();
    if (name !== 'text/html' && name !== 'text/*' && name !== '*/*') return false;
    return !params.some((param) => /^[ \t]*q[ \t]*=[ \t]*0(?:\.0*)?[ \t]*$/i.test(param));
  });
}
