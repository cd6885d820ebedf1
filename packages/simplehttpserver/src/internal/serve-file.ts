/**
 * The answer for a regular file: precompressed sibling, preconditions, ranges, head, body.
 * The fast path (a cached, unchanged small file) costs one `stat(2)` (shared by the
 * requests of one event-loop turn) and no other I/O.
 */
import type { Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { CompressedBody } from './compressed-body.js';
import { encodeFile } from './compressed-answer.js';
import { COMPRESS_MIN_SIZE, DYNAMIC_CODINGS, isCompressible } from './compression.js';
import { corsLines } from './cors.js';
import { evaluateConditions, ifRangeMatches } from './conditional.js';
import { negotiateEncoding, SIBLINGS, type Coding } from './encoding.js';
import { FileBody } from '../file-body.js';
import type { FileCache, FileCacheOptions, FileEntry } from './file-cache.js';
import { joinParts, multipartByteranges } from './multipart.js';
import { fileCacheFor } from './caches.js';
import { openEntry, type EntrySource } from './open-entry.js';
import { statQuiet } from '../stat-quiet.js';
import { contentRange, parseRange, unsatisfiedRange, type ByteRange } from './range.js';

/** The bytes that follow a response head: in memory, or read from an open file. */
export type ResponseBody = Buffer | FileBody;

/** What serving a file needs from the handler. */
export interface FileResponder extends EntrySource {
  command: string;
  headers: { get(name: string): string | undefined };
  precompressed: boolean;
  compress: boolean;
  requestVersion: string;
  protocolVersion: string;
  cacheControl: string | null;
  cors: string | null;
  readSize: number;
  maxRanges: number;
  fileCache: FileCacheOptions | false;
  guessType(path: string): string;
  dateTimeString(timestamp?: Date | number): string;
  sendResponse(code: number, message?: string): void;
  sendHeader(keyword: string, value: string): void;
  endHeaders(): void;
  sendError(code: number, message?: string, explain?: string): void;
}

/** The chosen representation: the file or a precompressed sibling, with its bytes. */
interface Chosen {
  /** The file asked for (a precompressed sibling has its content type). */
  path: string;
  entry: FileEntry;
  coding: Coding;
  body?: Buffer | undefined;
  handle?: FileHandle | undefined;
  /** Whether another `Accept-Encoding` could have had another answer (`Vary: Accept-Encoding`). */
  vary: boolean;
}

/**
 * Sends the head for the file at `path` (whose `stat` the caller took) and returns the
 * body to copy, or `undefined` when the answer is complete (304, 412, 416, 404). A cached
 * file is answered synchronously; anything else opens the file.
 */
export function sendFile(
  h: FileResponder,
  path: string,
  stat: Stats,
): ResponseBody | undefined | Promise<ResponseBody | undefined> {
  const cache = fileCacheFor(h);
  const accept = h.headers.get('accept-encoding');
  // without Accept-Encoding no sibling can be chosen: no stats of siblings on that path
  const siblings = h.precompressed && accept !== undefined ? negotiate(h, path, stat, accept) : undefined;
  const dynamic =
    siblings?.coding === 'br' || siblings?.coding === 'gzip' ? undefined : dynamicCoding(h, path, stat, accept);
  if (dynamic !== undefined && dynamic !== 'identity') return sendEncoded(h, cache, path, stat, dynamic);
  const vary = siblings?.vary === true || dynamic !== undefined;
  const cached = fromCache(cache, path, stat, siblings, vary);
  return cached !== undefined ? answer(h, cached) : sendOpened(h, cache, path, stat, siblings, vary);
}

/**
 * The coding to compress `path` in on the fly, `'identity'` when this request takes it as
 * it is (a `Range` is answered from the identity bytes), `undefined` when the file is never
 * compressed (`compress` off, a type that is not compressible, under `COMPRESS_MIN_SIZE`).
 */
function dynamicCoding(h: FileResponder, path: string, stat: Stats, accept: string | undefined): Coding | undefined {
  if (!h.compress || stat.size < COMPRESS_MIN_SIZE) return undefined;
  if (!isCompressible(h.guessType(path))) return undefined;
  if (h.command === 'GET' && h.headers.get('range') !== undefined) return 'identity';
  return negotiateEncoding(accept, DYNAMIC_CODINGS);
}

/** The answer compressed on the fly: from the cache at once, else compressed (or streamed) first. */
function sendEncoded(
  h: FileResponder,
  cache: FileCache,
  path: string,
  stat: Stats,
  coding: Exclude<Coding, 'identity'>,
): ResponseBody | undefined | Promise<ResponseBody | undefined> {
  const hit = cache.get(path, stat)?.encoded?.get(coding);
  if (hit?.body !== undefined) return answer(h, { path, entry: hit, body: hit.body, coding, vary: true });
  return encodeFile(h, cache, path, stat, coding).then(async (encoded) => {
    if (encoded === undefined) {
      h.sendError(404, 'File not found');
      return undefined;
    }
    if (encoded.body !== undefined)
      return answer(h, { path, entry: encoded.entry, body: encoded.body, coding, vary: true });
    return answerStreamed(h, path, encoded.entry, encoded.handle, coding);
  });
}

/**
 * The answer of a large file compressed as it is sent: no `Content-Length`; chunked on
 * HTTP/1.1, ended by the connection's close on HTTP/1.0. Closes `handle` unless the body
 * it returns owns it.
 */
async function answerStreamed(
  h: FileResponder,
  path: string,
  entry: FileEntry,
  handle: FileHandle,
  coding: Exclude<Coding, 'identity'>,
): Promise<ResponseBody | undefined> {
  const chosen: Chosen = { path, entry, handle, coding, vary: true };
  if (preconditionsAnswered(h, chosen)) {
    await handle.close().catch(() => {});
    return undefined;
  }
  const chunked = h.requestVersion >= 'HTTP/1.1' && h.protocolVersion >= 'HTTP/1.1';
  h.sendResponse(200);
  h.sendHeader('Content-Type', h.guessType(path));
  if (chunked) h.sendHeader('Transfer-Encoding', 'chunked');
  sendValidators(h, chosen);
  h.endHeaders();
  return new CompressedBody(handle, entry.path, entry.version.size, coding, chunked, h.readSize);
}

/** Whether `h` lets requests of one event-loop turn share their stats (the default). */
export function sharesStats(h: Pick<FileResponder, 'fileCache'>): boolean {
  return h.fileCache !== false && h.fileCache.shareStats !== false;
}

/** The coding chosen for `path`, the stat of that sibling, and whether any sibling is current. */
interface Negotiated {
  coding: Coding;
  siblingStat: Stats | undefined;
  vary: boolean;
}

/**
 * Picks the coding by `Accept-Encoding` among the siblings of `path` that are regular
 * files at least as new as it: a sibling older than its file was not made from this
 * version and is never sent.
 */
function negotiate(h: FileResponder, path: string, stat: Stats, accept: string): Negotiated {
  const shared = sharesStats(h);
  const br = statQuiet(path + '.br', shared);
  const gz = statQuiet(path + '.gz', shared);
  const current = (sibling: Stats | undefined) => sibling?.isFile() === true && sibling.mtimeMs >= stat.mtimeMs;
  const available = { br: current(br), gzip: current(gz) };
  const coding = negotiateEncoding(accept, available);
  const vary = available.br || available.gzip;
  return { coding, siblingStat: coding === 'br' ? br : coding === 'gzip' ? gz : undefined, vary };
}

/** The representation to send when its bytes are cached and current; else `undefined`. */
function fromCache(
  cache: FileCache,
  path: string,
  stat: Stats,
  negotiated: Negotiated | undefined,
  vary: boolean,
): Chosen | undefined {
  if (negotiated !== undefined && negotiated.coding !== 'identity') {
    const sibling = cache.get(`${path}\0${negotiated.coding}`, negotiated.siblingStat!);
    return sibling?.body === undefined
      ? undefined
      : { path, entry: sibling, body: sibling.body, coding: negotiated.coding, vary };
  }
  const entry = cache.get(path, stat);
  if (entry === undefined) return undefined;
  return entry.body === undefined ? undefined : { path, entry, body: entry.body, coding: 'identity', vary };
}

async function sendOpened(
  h: FileResponder,
  cache: FileCache,
  path: string,
  stat: Stats,
  negotiated: Negotiated | undefined,
  vary: boolean,
): Promise<ResponseBody | undefined> {
  const chosen = await open(h, cache, path, stat, negotiated, vary);
  if (chosen === undefined) {
    h.sendError(404, 'File not found');
    return undefined;
  }
  try {
    const body = answer(h, chosen);
    if (body instanceof FileBody) chosen.handle = undefined; // the body owns it now
    return body;
  } finally {
    await chosen.handle?.close().catch(() => {});
  }
}

async function open(
  h: FileResponder,
  cache: FileCache,
  path: string,
  stat: Stats,
  negotiated: Negotiated | undefined,
  vary: boolean,
): Promise<Chosen | undefined> {
  const entry = cache.get(path, stat);
  if (negotiated !== undefined && negotiated.coding !== 'identity') {
    const key = `${path}\0${negotiated.coding}`;
    const suffix = SIBLINGS.find(([name]) => name === negotiated.coding)![1];
    const cached = cache.get(key, negotiated.siblingStat!);
    const sibling = await openEntry(h, cache, key, path + suffix, cached);
    if (sibling !== undefined) return { ...sibling, path, coding: negotiated.coding, vary };
  }
  const opened = await openEntry(h, cache, path, path, entry);
  if (opened === undefined) return undefined;
  return { ...opened, path, coding: 'identity', vary };
}

/** Sends 412 or 304 when the request's preconditions say so (RFC 9110 §13.2.2); true when it did. */
function preconditionsAnswered(h: FileResponder, chosen: Chosen): boolean {
  const { entry } = chosen;
  const status = evaluateConditions(
    {
      method: h.command,
      ifMatch: h.headers.get('if-match'),
      ifNoneMatch: h.headers.get('if-none-match'),
      ifModifiedSince: h.headers.get('if-modified-since'),
      ifUnmodifiedSince: h.headers.get('if-unmodified-since'),
    },
    entry,
  );
  if (status === 412) {
    h.sendError(412);
    return true;
  }
  if (status === 304) {
    h.sendResponse(304);
    h.sendHeader('ETag', entry.etag);
    sendCommonLines(h, chosen.vary);
    h.endHeaders();
    return true;
  }
  return false;
}

function answer(h: FileResponder, chosen: Chosen): ResponseBody | undefined {
  const { entry } = chosen;
  if (preconditionsAnswered(h, chosen)) return undefined;
  const size = entry.version.size;
  const range = rangeOf(h, entry, size);
  if (range.type === 'unsatisfiable') {
    h.sendResponse(416);
    h.sendHeader('Content-Range', unsatisfiedRange(size));
    h.sendHeader('Content-Length', '0');
    h.endHeaders();
    return undefined;
  }
  if (range.type === 'partial') return sendPartial(h, chosen, range.ranges);
  h.sendResponse(200);
  sendHeadLines(h, chosen);
  h.endHeaders();
  return bodyOf(h, chosen, [[0, size]]);
}

function rangeOf(h: FileResponder, entry: FileEntry, size: number): ReturnType<typeof parseRange> {
  const header = h.command === 'GET' ? h.headers.get('range') : undefined;
  if (header === undefined) return { type: 'full' };
  const ifRange = h.headers.get('if-range');
  if (ifRange !== undefined && !ifRangeMatches(ifRange, entry)) return { type: 'full' };
  return parseRange(header, size, h.maxRanges);
}

function sendPartial(h: FileResponder, chosen: Chosen, ranges: ByteRange[]): ResponseBody | undefined {
  const { entry } = chosen;
  const size = entry.version.size;
  h.sendResponse(206);
  if (ranges.length === 1) {
    const [range] = ranges as [ByteRange];
    h.sendHeader('Content-Type', h.guessType(chosen.path));
    h.sendHeader('Content-Range', contentRange(range, size));
    h.sendHeader('Content-Length', String(range.end + 1 - range.start));
    sendValidators(h, chosen);
    h.endHeaders();
    return bodyOf(h, chosen, [[range.start, range.end + 1]]);
  }
  const multipart = multipartByteranges(ranges, size, h.guessType(chosen.path));
  h.sendHeader('Content-Type', multipart.contentType);
  h.sendHeader('Content-Length', String(multipart.length));
  sendValidators(h, chosen);
  h.endHeaders();
  return bodyOf(h, chosen, multipart.parts);
}

function bodyOf(h: FileResponder, chosen: Chosen, parts: ConstructorParameters<typeof FileBody>[2]): ResponseBody {
  if (chosen.body !== undefined) {
    const only = parts.length === 1 ? parts[0]! : undefined;
    if (only !== undefined && !Buffer.isBuffer(only)) {
      return only[0] === 0 && only[1] === chosen.body.length ? chosen.body : chosen.body.subarray(only[0], only[1]);
    }
    return joinParts(parts, chosen.body);
  }
  return new FileBody(chosen.handle!, chosen.entry.path, parts, h.readSize);
}

/**
 * Content-Type, Content-Length, then the validators and the common headers of a 200
 * answer, built for each request: the cached entry holds the file's facts only, and every
 * field or hook these lines come from is read again.
 */
function sendHeadLines(h: FileResponder, chosen: Chosen): void {
  h.sendHeader('Content-Type', h.guessType(chosen.path));
  h.sendHeader('Content-Length', String(chosen.entry.version.size));
  sendValidators(h, chosen);
}

/** Last-Modified, ETag, Accept-Ranges, Content-Encoding, then the common headers. */
function sendValidators(h: FileResponder, chosen: Chosen): void {
  h.sendHeader('Last-Modified', h.dateTimeString(chosen.entry.version.mtimeMs));
  h.sendHeader('ETag', chosen.entry.etag);
  h.sendHeader('Accept-Ranges', 'bytes');
  if (chosen.coding !== 'identity') h.sendHeader('Content-Encoding', chosen.coding);
  sendCommonLines(h, chosen.vary);
}

/**
 * Vary, Cache-Control and CORS, read from the handler for each answer: sent with 200, 206
 * and 304 alike. `Vary: Accept-Encoding` only when another `Accept-Encoding` could get
 * other bytes: a compressible file, or (asked with `Accept-Encoding`) one with a current
 * precompressed sibling.
 */
function sendCommonLines(h: Pick<FileResponder, 'cacheControl' | 'cors' | 'sendHeader'>, vary: boolean): void {
  if (vary) h.sendHeader('Vary', 'Accept-Encoding');
  const cacheControl = h.cacheControl;
  if (cacheControl !== null) h.sendHeader('Cache-Control', cacheControl);
  for (const [name, value] of corsLines(h.cors)) h.sendHeader(name, value);
}
