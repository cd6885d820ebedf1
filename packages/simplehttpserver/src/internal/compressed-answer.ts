/**
 * The bytes of a compressible file in a coding made on the fly: small files compressed
 * whole and kept beside their identity bytes in the file cache; large ones left open, to
 * be compressed as they are sent (`CompressedBody`).
 */
import type { Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { compressWhole } from './compression.js';
import type { Coding } from './encoding.js';
import type { FileCache, FileEntry } from './file-cache.js';
import { openEntry, type EntrySource } from './open-entry.js';

/** A representation compressed on the fly: its entry (own ETag) and bytes, or the open file for a large one. */
export type Encoded =
  | { entry: FileEntry; body: Buffer; handle?: undefined }
  | { entry: FileEntry; handle: FileHandle; body?: undefined };

/**
 * The entry of `identity` compressed as `coding`: the same version, and a
 * strong ETag of its own (`"…-br"`), since its bytes differ (RFC 9110 §8.8.3.3). `body`
 * (the compressed bytes) gives the entry its size; without it (a large file, compressed as
 * it is sent) the size stays the identity size, the bytes to read.
 */
export function encodedEntry(
  identity: FileEntry,
  coding: Exclude<Coding, 'identity'>,
  body: Buffer | undefined,
): FileEntry {
  return {
    path: identity.path,
    version: { ...identity.version, size: body?.length ?? identity.version.size },
    etag: `${identity.etag.slice(0, -1)}-${coding}"`,
    body,
  };
}

/**
 * Opens the file at `path` and returns it compressed as `coding`: a small file's bytes
 * compressed whole (the best setting, and kept in `cache`, when its body may be cached),
 * a large file open for streaming. Resolves `undefined` when the file cannot be served.
 */
export async function encodeFile(
  source: EntrySource,
  cache: FileCache,
  path: string,
  stat: Stats,
  coding: Exclude<Coding, 'identity'>,
): Promise<Encoded | undefined> {
  const opened = await openEntry(source, cache, path, path, cache.get(path, stat));
  if (opened === undefined) return undefined;
  if (opened.handle !== undefined)
    return { entry: encodedEntry(opened.entry, coding, undefined), handle: opened.handle };
  const keep = cache.mayKeepBody(opened.entry.version);
  const body = await compressWhole(coding, opened.body, keep);
  const entry = encodedEntry(opened.entry, coding, body);
  if (keep) cache.keepEncoded(opened.entry, coding, entry);
  return { entry, body };
}
