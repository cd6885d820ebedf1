/**
 * A cache of file metadata and small file contents, validated against a `stat` taken for
 * each request (or its event-loop turn) so that an edited, replaced or deleted file is not
 * served stale.
 */
import type { Stats } from 'node:fs';

/** The stat fields that identify one version of a file. */
export interface FileVersion {
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
}

/**
 * What is known about one file: its version, ETag, and maybe its bytes — the file's own
 * facts only. Header values a field or hook decides (type, dates, Cache-Control…) are
 * made for each response.
 */
export interface FileEntry {
  /** The cache key: the path, with `\0br` / `\0gzip` for a precompressed sibling. */
  readonly path: string;
  readonly version: FileVersion;
  readonly etag: string;
  /** The file's bytes, when small and safely cacheable (see `FileCache.mayKeepBody`). */
  body: Buffer | undefined;
  /**
   * The file's bytes compressed on the fly, per coding, each an entry of its own (its
   * `version.size` is the compressed size): kept beside the identity bytes and dropped with them.
   */
  encoded?: Map<string, FileEntry>;
}

/**
 * An edit within this many ms of a file's mtime may leave size and mtime unchanged (coarse
 * timestamps), so bodies of files that recent are not kept: git's "racy clean" rule.
 */
export const RACY_MS = 2000;

/** Limits of a `FileCache`. */
export interface FileCacheOptions {
  /** Largest file whose bytes are kept (default 256 KiB; 0 turns body caching off). */
  maxFileSize?: number;
  /** Total bytes of bodies kept (default 64 MiB). */
  maxBytes?: number;
  /** Entries kept (default 10,000). */
  maxEntries?: number;
  /** Bodies of files changed less than this many ms ago are not kept (default `RACY_MS`). */
  racyMs?: number;
  /**
   * Let the requests answered in one event-loop turn share one `stat` per file (default
   * true); false: one `stat` per request.
   */
  shareStats?: boolean;
}

/** Whether `stat` describes the same version of the file as `version`. */
export function sameVersion(version: FileVersion, stat: FileVersion): boolean {
  return (
    version.ino === stat.ino &&
    version.mtimeMs === stat.mtimeMs &&
    version.size === stat.size &&
    version.ctimeMs === stat.ctimeMs &&
    version.dev === stat.dev
  );
}

/** The identifying fields of a `Stats`. */
export function versionOf(stat: Stats): FileVersion {
  return { dev: stat.dev, ino: stat.ino, size: stat.size, mtimeMs: stat.mtimeMs, ctimeMs: stat.ctimeMs };
}

/**
 * FileCache maps file paths to entries, oldest evicted first. `get(path, stat)` answers
 * only if `stat` (taken by the caller for this request) shows the same version.
 */
export class FileCache {
  readonly maxFileSize: number;
  readonly maxBytes: number;
  readonly maxEntries: number;
  readonly racyMs: number;
  #entries = new Map<string, FileEntry>();
  #bytes = 0;

  constructor(options: FileCacheOptions = {}) {
    this.maxFileSize = options.maxFileSize ?? 256 * 1024;
    this.maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
    this.maxEntries = options.maxEntries ?? 10_000;
    this.racyMs = options.racyMs ?? RACY_MS;
  }

  /** Bytes of bodies held now. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Entries held now. */
  get size(): number {
    return this.#entries.size;
  }

  /** The entry of `path` if it matches `stat`; a stale entry is dropped. */
  get(path: string, stat: FileVersion): FileEntry | undefined {
    const entry = this.#entries.get(path);
    if (entry === undefined) return undefined;
    if (sameVersion(entry.version, stat)) return entry;
    this.delete(path);
    return undefined;
  }

  /** Stores `entry` (replacing any for its path), then evicts the oldest beyond the limits. */
  set(entry: FileEntry): void {
    this.delete(entry.path);
    this.#entries.set(entry.path, entry);
    this.#bytes += entry.body?.length ?? 0;
    this.#evict();
  }

  /** Attaches `body` to `entry` if `mayKeepBody` allows it and the entry is still cached. */
  keepBody(entry: FileEntry, body: Buffer, now = Date.now()): void {
    if (entry.body !== undefined || !this.mayKeepBody(entry.version, now)) return;
    if (this.#entries.get(entry.path) !== entry || body.length !== entry.version.size) return;
    entry.body = body;
    this.#bytes += body.length;
    this.#evict();
  }

  /**
   * Attaches `encoded` (the file's bytes compressed as `coding`) to `entry` if its body
   * could be kept (`mayKeepBody`) and the entry is still cached.
   */
  keepEncoded(entry: FileEntry, coding: string, encoded: FileEntry, now = Date.now()): void {
    if (encoded.body === undefined || !this.mayKeepBody(entry.version, now) || this.#entries.get(entry.path) !== entry)
      return;
    entry.encoded ??= new Map();
    this.#bytes -= entry.encoded.get(coding)?.body?.length ?? 0;
    entry.encoded.set(coding, encoded);
    this.#bytes += encoded.body.length;
    this.#evict();
  }

  /**
   * Whether a body of this version may be kept: small enough, and not "racy" (its mtime
   * and ctime are more than `racyMs` in the past, so a later edit must change them).
   */
  mayKeepBody(version: FileVersion, now = Date.now()): boolean {
    return (
      version.size <= this.maxFileSize &&
      version.size <= this.maxBytes &&
      now - version.mtimeMs > this.racyMs &&
      now - version.ctimeMs > this.racyMs
    );
  }

  /** Forgets `path`. */
  delete(path: string): void {
    const entry = this.#entries.get(path);
    if (entry === undefined) return;
    this.#entries.delete(path);
    this.#bytes -= entry.body?.length ?? 0;
    for (const encoded of entry.encoded?.values() ?? []) this.#bytes -= encoded.body?.length ?? 0;
  }

  /** Forgets everything. */
  clear(): void {
    this.#entries.clear();
    this.#bytes = 0;
  }

  #evict(): void {
    for (const [path] of this.#entries) {
      if (this.#bytes <= this.maxBytes && this.#entries.size <= this.maxEntries) return;
      this.delete(path);
    }
  }
}
