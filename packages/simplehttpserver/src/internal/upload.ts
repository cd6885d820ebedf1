/** Uploads by `PUT`: where a file may be written, and the streamed write itself. */
import { lstat, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { HTTPRequestError, type HTTPMessage } from '@httpstack/basehttpserver';
import { contained, type EntrySource } from './open-entry.js';
import { PendingFile, type CommitOutcome } from './pending-file.js';
import { translateTarget } from './translate.js';

/** What an upload needs from the handler. */
export interface UploadHandler extends EntrySource {
  path: string;
  command: string;
  dotfiles: boolean;
  uploadOverwrite: boolean;
  maxUploadSize: number;
  closeConnection: boolean;
  rfile: { highWaterMark: number };
  headers: HTTPMessage;
  translatePath(path: string): string | undefined;
  isUploadAllowed(path: string): boolean | Promise<boolean>;
  body(): AsyncGenerator<Buffer, void, undefined>;
  sendResponse(code: number, message?: string): void;
  sendHeader(keyword: string, value: string): void;
  endHeaders(): void;
  sendError(code: number, message?: string, explain?: string): void;
  wfile: { write(data: Buffer): unknown };
}

/** A checked directory to write into: its real path and its URL (encoded, ending in `/`). */
export interface UploadDirectory {
  real: string;
  url: string;
}

/** Socket bytes buffered while an upload is read (the reader's usual 64 KiB makes small pieces). */
const UPLOAD_BUFFER = 1024 * 1024;
/** The longest file name accepted, in UTF-8 bytes (`NAME_MAX` of common file systems). */
const NAME_MAX = 255;
// C0 controls and DEL: never part of a name a user meant to give.
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * Why `name` cannot be the name of an uploaded file, or `undefined` when it can.
 * **Security:** refuses `/`, `\`, NUL and other control characters, `.` and `..`, an
 * empty name, a name longer than 255 bytes, and (unless `dotfiles`) a leading `.`.
 */
export function refuseName(name: string, dotfiles: boolean): string | undefined {
  if (name === '') return 'the file name is empty';
  if (name.includes('/') || name.includes('\\')) return 'the file name contains a path separator';
  if (CONTROL.test(name)) return 'the file name contains a control character';
  if (name === '.' || name === '..') return 'the file name is a relative path';
  if (name.startsWith('.') && !dotfiles) return 'the file name starts with a dot (dotfiles are not served)';
  if (Buffer.byteLength(name) > NAME_MAX) return 'the file name is longer than 255 bytes';
  return undefined;
}

/**
 * The directory behind the URL path `segments` (checked by `translateTarget`) once it is
 * resolved: it must exist, be a directory, lie inside the root with every symlink
 * resolved, and be allowed by `isUploadAllowed`. Sends the error and resolves `undefined`
 * otherwise.
 */
export async function uploadDirectory(
  h: UploadHandler,
  path: string,
  rawSegments: string[],
): Promise<UploadDirectory | undefined> {
  const real = await contained(h, path);
  const info = real === undefined ? undefined : await stat(real).catch(() => undefined);
  if (real === undefined || !info?.isDirectory()) {
    h.sendError(404, 'No such directory to upload into');
    return undefined;
  }
  const url = `/${rawSegments.map((s) => `${s}/`).join('')}`;
  return { real, url };
}

/**
 * Serves a `PUT`: checks the target, refuses a name that exists (409, unless
 * `uploadOverwrite`) or a declared length over `maxUploadSize` (413) before reading the
 * body, streams the body to a temporary file and moves it into place; 201 with `Location`
 * for a new file, 204 for a replaced one.
 */
export async function receivePut(h: UploadHandler): Promise<void> {
  const target = translateTarget(h.path, { dotfiles: h.dotfiles });
  if (!target.ok) return h.sendError(400, `Refused upload path: ${target.reason}`);
  const name = target.segments.at(-1);
  if (name === undefined || target.trailingSlash)
    return h.sendError(400, 'Refused upload path: PUT needs a file name, not a directory');
  const reason = refuseName(name, h.dotfiles);
  if (reason !== undefined) return h.sendError(400, `Refused upload name: ${reason}`);
  const path = h.translatePath(h.path);
  if (path === undefined) return h.sendError(400, 'Refused upload path');
  const directory = await uploadDirectory(h, dirname(path), target.rawSegments.slice(0, -1));
  if (directory === undefined) return;
  const destination = join(directory.real, name);
  if (!(await h.isUploadAllowed(destination))) return h.sendError(403, 'Uploads are not allowed in this directory');
  if (!(await checkFree(h, destination))) return;
  const declared = Number(h.headers.get('content-length') ?? 0);
  if (declared > h.maxUploadSize) return tooLarge(h);
  const file = await PendingFile.create(directory.real);
  try {
    await receiveBody(h, (piece) => file.write(piece));
    await file.finish();
    // the body reader fails a short body already; this makes the rule visible where it matters
    if (h.headers.get('content-length') !== undefined && file.size !== declared)
      throw new HTTPRequestError(400, 'Incomplete upload');
    const outcome = await file.commit(destination, h.uploadOverwrite);
    answerCommit(h, outcome, `${directory.url}${target.rawSegments.at(-1)}`);
  } finally {
    await file.discard();
  }
}

/**
 * Whether `destination` may be written: a regular file only with `uploadOverwrite` (409
 * otherwise), never a directory, link or other kind of file. Sends the 409 itself.
 */
export async function checkFree(h: UploadHandler, destination: string): Promise<boolean> {
  const info = await lstat(destination).catch(() => undefined);
  if (info === undefined) return true;
  if (info.isFile() && h.uploadOverwrite) return true;
  h.sendError(
    409,
    info.isFile() ? 'The file exists (uploads do not overwrite)' : 'The name exists and is not a regular file',
  );
  return false;
}

/** Reads the request body through `sink`, bounded by the handler's `bodyLimit()` (`maxUploadSize`). */
export async function receiveBody(h: UploadHandler, sink: (piece: Buffer) => Promise<void>): Promise<void> {
  const bufferSize = h.rfile.highWaterMark;
  h.rfile.highWaterMark = Math.max(bufferSize, UPLOAD_BUFFER); // fewer, larger pieces
  try {
    for await (const piece of h.body()) await sink(piece);
  } finally {
    h.rfile.highWaterMark = bufferSize;
  }
}

/** 413 before any of the body is read; the connection is closed (the body is not drained). */
export function tooLarge(h: UploadHandler): void {
  h.closeConnection = true;
  h.sendError(413, `The upload exceeds the limit of ${h.maxUploadSize} bytes`);
}

function answerCommit(h: UploadHandler, outcome: CommitOutcome, location: string): void {
  if (outcome === 'exists') return h.sendError(409, 'The file exists (uploads do not overwrite)');
  const body = Buffer.from(outcome === 'created' ? `Created ${location}\n` : '', 'utf8');
  h.sendResponse(outcome === 'created' ? 201 : 204);
  h.sendHeader('Location', location);
  if (outcome === 'created') {
    h.sendHeader('Content-Type', 'text/plain; charset=utf-8');
    h.sendHeader('Content-Length', String(body.length));
  }
  h.endHeaders();
  if (body.length > 0) h.wfile.write(body);
}
