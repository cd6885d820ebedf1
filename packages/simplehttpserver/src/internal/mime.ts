/** Content types from file names: Python's `guess_type` on the `mime-db` database. */
import { extname } from 'node:path';
import mimeTypes from 'mime-types';
import { memoMime } from './caches.js';

/** Python's `SimpleHTTPRequestHandler.extensions_map` defaults (compressed files stay opaque). */
export const DEFAULT_EXTENSIONS_MAP: Readonly<Record<string, string>> = {
  '.gz': 'application/gzip',
  '.Z': 'application/octet-stream',
  '.bz2': 'application/x-bzip2',
  '.xz': 'application/x-xz',
};

const FALLBACK = 'application/octet-stream';

/**
 * The content type of `path`: `extensionsMap` first (exact extension, then lower-cased),
 * then the `mime-db` database with `; charset=utf-8` added for text types, then
 * `application/octet-stream`. A value from `extensionsMap` is used exactly as given.
 */
export function guessMimeType(path: string, extensionsMap: Readonly<Record<string, string>>): string {
  const ext = extname(path);
  const mapped = extensionsMap[ext] ?? extensionsMap[ext.toLowerCase()];
  if (mapped !== undefined) return mapped;
  if (ext === '') return FALLBACK;
  return memoMime(ext, databaseType);
}

/** The `mime-db` type of `ext`, with its charset, else `application/octet-stream`. */
function databaseType(ext: string): string {
  const type = mimeTypes.lookup(ext);
  return type === false ? FALLBACK : withCharset(type);
}

/** `type` with `; charset=utf-8` when the database says it is UTF-8 text. */
export function withCharset(type: string): string {
  const charset = mimeTypes.charset(type);
  return charset ? `${type}; charset=${charset.toLowerCase()}` : type;
}
