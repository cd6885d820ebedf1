/** The slow path of a file answer: check containment, open, fstat, build and cache the entry. */
import { constants, type Stats } from 'node:fs';
import { open, realpath, type FileHandle } from 'node:fs/promises';
import { sep } from 'node:path';
import { makeETag } from './conditional.js';
import { sameVersion, versionOf, type FileCache, type FileEntry } from './file-cache.js';
import { readWhole } from '../file-body.js';
import { decodeEscaped, fsPath } from './file-names.js';
import { isInside } from './translate.js';

/** What the slow path needs from the handler. */
export interface EntrySource {
  directory: string;
  followExternalSymlinks: boolean;
}

/** An entry with the bytes to send: in memory, or an open file (the caller closes it). */
export type Opened =
  | { entry: FileEntry; body: Buffer; handle?: undefined }
  | { entry: FileEntry; handle: FileHandle; body?: undefined };

// O_NONBLOCK: a file swapped for a FIFO after the stat must not block a pool thread on open
// (regular files ignore the flag); O_NOFOLLOW: the checked real path must not become a link.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);
const OPEN_REAL_FLAGS = OPEN_FLAGS | (constants.O_NOFOLLOW ?? 0);

/**
 * Whether `path` really lies inside the served directory once every symlink is resolved.
 * **Security:** this is what keeps a symlink from leading out of the root.
 */
export async function contained(source: EntrySource, path: string): Promise<string | undefined> {
  try {
    const real = decodeEscaped(await realpath(fsPath(path), { encoding: 'buffer' }));
    if (source.followExternalSymlinks) return real;
    return isInside(await realpath(source.directory), real, sep) ? real : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Opens the file behind `key` (its cache key) at `path` and returns its entry and bytes:
 * small files are read whole (and their bytes cached when safe), large ones stay open. A
 * cached entry is reused when the opened file is still that version. Resolves `undefined`
 * when the file is gone, unreadable, not a regular file, or outside the root.
 */
export async function openEntry(
  source: EntrySource,
  cache: FileCache,
  key: string,
  path: string,
  cached: FileEntry | undefined,
): Promise<Opened | undefined> {
  let handle: FileHandle | undefined;
  try {
    let entry = cached;
    if (entry !== undefined) {
      handle = await open(fsPath(path), OPEN_FLAGS);
      if (!sameVersion(entry.version, versionOf(await handle.stat()))) entry = undefined;
    }
    if (entry === undefined) {
      await handle?.close();
      handle = undefined;
      const real = await contained(source, path);
      if (real === undefined) return undefined;
      handle = await open(fsPath(real), OPEN_REAL_FLAGS);
      const stat = await handle.stat();
      if (!stat.isFile()) return undefined;
      entry = makeEntry(key, stat);
      cache.set(entry);
    }
    if (entry.version.size > cache.maxFileSize) {
      const opened: Opened = { entry, handle: handle! };
      handle = undefined; // the caller owns it now
      return opened;
    }
    const body = await readWhole(handle!, path, entry.version.size);
    cache.keepBody(entry, body);
    return { entry, body };
  } catch {
    return undefined;
  } finally {
    await handle?.close().catch(() => {});
  }
}

/** The file's own facts: its version and ETag (never a value a hook decides). */
function makeEntry(key: string, stat: Stats): FileEntry {
  return {
    path: key,
    version: versionOf(stat),
    etag: makeETag(stat.ino, stat.size, stat.mtimeMs, stat.ctimeMs),
    body: undefined,
  };
}
