/**
 * The answer for a regular file: precompressed sibling, preconditions, ranges, head, body.
 * The fast path (a cached, unchanged small file) costs one `stat(2)` (shared by the
 * requests of one event-loop turn) and no other I/O.
 */
import type { Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
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
}

/**
 * Sends the head for the file at `path` (whose `stat` the caller took) and returns the
 * body to copy, or `undefined` when the answer is complete (304, 412, 416, 404). A cached
 * file is answered synchronously; anything else opens the file.
 */
export function sendFile(h: FileResponder, path: string, stat: Stats): ResponseBody | undefined | Promise<ResponseBody | undefined> {
  const cache = fileCacheFor(h);
  const siblings = h.precompressed ? negotiate(h, path, stat) : undefined;
  const cached = fromCache(cache, path, stat, siblings);
  return cached !== undefined ? answer(h, cached) : sendOpened(h, cache, path, stat, siblings);
}

/** Whether `h` lets requests of one event-loop turn share their stats (the default). */
export function sharesStats(h: Pick<FileResponder, 'fileCache'>): boolean {
  return h.fileCache !== false && h.fileCache.shareStats !== false;
}

/** The coding chosen for `path` and the stats of its siblings (none when no Accept-Encoding). */
interface Negotiated {
  coding: Coding;
  siblingStat: Stats | undefined;
}

/**
 * Picks the coding by `Accept-Encoding` among the siblings of `path` that are regular
 * files at least as new as it: a sibling older than its file was not made from this
 * version and is never sent.
 */
function negotiate(h: FileResponder, path: string, stat: Stats): Negotiated | undefined {
  const accept = h.headers.get('accept-encoding');
  if (accept === undefined) return undefined;
  const shared = sharesStats(h);
  const br = statQuiet(path + '.br', shared);
  const gz = statQuiet(path + '.gz', shared);
  const current = (sibling: Stats | undefined) => sibling?.isFile() === true && sibling.mtimeMs >= stat.mtimeMs;
  const available = { br: current(br), gzip: current(gz) };
  const coding = negotiateEncoding(accept, available);
  return { coding, siblingStat: coding === 'br' ? br : coding === 'gzip' ? gz : undefined };
}

/** The representation to send when its bytes are cached and current; else `undefined`. */
function fromCache(cache: FileCache, path: string, stat: Stats, negotiated: Negotiated | undefined): Chosen | undefined {
  if (negotiated !== undefined && negotiated.coding !== 'identity') {
    const sibling = cache.get(`${path}\0${negotiated.coding}`, negotiated.siblingStat!);
    return sibling?.body === undefined ? undefined : { path, entry: sibling, body: sibling.body, coding: negotiated.coding };
  }
  const entry = cache.get(path, stat);
  if (entry === undefined) return undefined;
  return entry.body === undefined ? undefined : { path, entry, body: entry.body, coding: 'identity' };
}

async function sendOpened(
  h: FileResponder, cache: FileCache, path: string, stat: Stats, negotiated: Negotiated | undefined,
): Promise<ResponseBody | undefined> {
  const chosen = await open(h, cache, path, stat, negotiated);
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
  h: FileResponder, cache: FileCache, path: string, stat: Stats, negotiated: Negotiated | undefined,
): Promise<Chosen | undefined> {
  const entry = cache.get(path, stat);
  if (negotiated !== undefined && negotiated.coding !== 'identity') {
    const key = `${path}\0${negotiated.coding}`;
    const suffix = SIBLINGS.find(([name]) => name === negotiated.coding)![1];
    const cached = cache.get(key, negotiated.siblingStat!);
    const sibling = await openEntry(h, cache, key, path + suffix, cached);
    if (sibling !== undefined) return { ...sibling, path, coding: negotiated.coding };
  }
  const opened = await openEntry(h, cache, path, path, entry);
  if (opened === undefined) return undefined;
  return { ...opened, path, coding: 'identity' };
}

function answer(h: FileResponder, chosen: Chosen): ResponseBody | undefined {
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
    return undefined;
  }
  if (status === 304) {
    h.sendResponse(304);
    h.sendHeader('ETag', entry.etag);
    sendCommonLines(h);
    h.endHeaders();
    return undefined;
  }
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
  sendCommonLines(h);
}

/**
 * Vary, Cache-Control and CORS: sent with 200, 206 and 304 alike. `Vary: Accept-Encoding`
 * goes with every file while precompressed siblings are looked for: a sibling may appear
 * at any time, and a cache must not have stored the answer as invariant.
 */
function sendCommonLines(h: FileResponder): void {
  if (h.precompressed) h.sendHeader('Vary', 'Accept-Encoding');
  const cacheControl = h.cacheControl;
  if (cacheControl !== null) h.sendHeader('Cache-Control', cacheControl);
  const cors = h.cors;
  if (cors !== null) h.sendHeader('Access-Control-Allow-Origin', cors);
}
