/**
 * Every cache of the static layer, in one place. Each holds facts of the file system or of
 * a pure function — never a value read from a field or hook a subclass may override — and
 * `clearCaches()` empties them all (tests).
 */
import type { Stats } from 'node:fs';
import { statSync } from 'node:fs';
import { fsPath } from './file-names.js';
import { FileCache, type FileCacheOptions } from './file-cache.js';

// --- file caches -------------------------------------------------------------------------
// Small files answered from memory with one stat(2) and no other I/O: static 1 KiB is
// 5.45× sirv on the quiet run of docs/benchmarks.md ("Static files"); without the cache
// every request opens and reads its file.

/** What picks a file cache: its limits and what decided that a path may be served from it. */
export interface FileCacheKey {
  directory: string;
  followExternalSymlinks: boolean;
  fileCache: FileCacheOptions | false;
}

const NO_CACHE = {};
let fileCaches = new WeakMap<object, Map<string, FileCache>>();

/**
 * The file cache for these limits (`fileCache`, one cache per options object) and this
 * root and symlink policy: an entry is made after the containment check, so handlers that
 * check differently never share one. Read per request, so a change takes effect at once.
 */
export function fileCacheFor(key: FileCacheKey): FileCache {
  const options = key.fileCache === false ? NO_CACHE : key.fileCache;
  let byRoot = fileCaches.get(options);
  if (byRoot === undefined) fileCaches.set(options, (byRoot = new Map()));
  const root = key.followExternalSymlinks ? `+${key.directory}` : `-${key.directory}`;
  let cache = byRoot.get(root);
  if (cache === undefined) {
    cache = new FileCache(options === NO_CACHE ? { maxFileSize: 0, maxEntries: 0 } : options);
    byRoot.set(root, cache);
  }
  return cache;
}

// --- stats shared by one event-loop turn ---------------------------------------------------
// Under load many requests for one file are read in one turn and one stat(2) serves them:
// +25 % req/s on static 1 KiB in an A/B under load (docs/benchmarks.md, "Static files").

let turnStats = new Map<string, Stats | null>();
let forgetting = false;

/** `stat(2)` that answers `undefined` for any failure (missing, not a directory, no access). */
export function statNow(path: string): Stats | undefined {
  try {
    return statSync(fsPath(path), { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

/**
 * The stat of `path` as of this turn of the event loop: taken by the first call in the
 * turn, shared by the later ones, forgotten when the turn ends (at its `setImmediate`
 * phase). A request read in a later turn than an edit always sees the edit.
 */
export function statThisTurn(path: string): Stats | undefined {
  const hit = turnStats.get(path);
  if (hit !== undefined) return hit ?? undefined;
  const stat = statNow(path);
  turnStats.set(path, stat ?? null);
  if (!forgetting) {
    forgetting = true;
    setImmediate(forgetTurnStats);
  }
  return stat;
}

function forgetTurnStats(): void {
  turnStats = new Map();
  forgetting = false;
}

// --- MIME database answers -------------------------------------------------------------------
// `mime-db` lookups by extension, a pure function of the extension; the extensionsMap and
// guessType() hooks are consulted before it on every request. Keeps guessType() off the
// static 1 KiB profile now that it runs per request (docs/benchmarks.md, "Static files").

const MIME_MEMO_SIZE = 256;
let mimeMemo = new Map<string, string>();

/** The remembered database answer for `ext`, or what `lookup` gives (remembered, bounded). */
export function memoMime(ext: string, lookup: (ext: string) => string): string {
  let type = mimeMemo.get(ext);
  if (type === undefined) {
    type = lookup(ext);
    if (mimeMemo.size >= MIME_MEMO_SIZE) mimeMemo.clear();
    mimeMemo.set(ext, type);
  }
  return type;
}

/** Empties every cache above: file caches, the turn's stats, MIME answers. For tests. */
export function clearCaches(): void {
  fileCaches = new WeakMap();
  forgetTurnStats();
  mimeMemo = new Map();
}
