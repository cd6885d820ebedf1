/** The listing answer of a directory without an index page (Python's `list_directory`). */
import { corsLines } from './cors.js';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  applySort,
  parseSort,
  prefersJson,
  renderListingHtml,
  renderListingJson,
  sortEntries,
  type ListingEntry,
} from './listing.js';
import { decodeEscaped, fsPath } from './file-names.js';
import { contained, type EntrySource } from './open-entry.js';
import { isServableName, translateTarget } from './translate.js';
import { renderUploadForm } from './upload-form-html.js';

/** What a listing needs from the handler. */
export interface ListingResponder extends EntrySource {
  path: string;
  dotfiles: boolean;
  upload: boolean;
  cacheControl: string | null;
  cors: string | null;
  headers: { get(name: string): string | undefined };
  sendResponse(code: number, message?: string): void;
  sendHeader(keyword: string, value: string): void;
  endHeaders(): void;
  sendError(code: number, message?: string, explain?: string): void;
}

/** Sends the head of the listing of `path` and returns its body (see `listDirectory`). */
export async function listDirectory(h: ListingResponder, path: string): Promise<Buffer | undefined> {
  const entries = await readEntries(h, path);
  if (entries === undefined) {
    h.sendError(404, 'No permission to list directory');
    return undefined;
  }
  const target = translateTarget(h.path, { dotfiles: h.dotfiles });
  const displayPath = target.ok ? `/${target.segments.map((s) => `${s}/`).join('')}` : '/';
  const json = prefersJson(h.headers.get('accept'));
  const sort = parseSort(target.ok ? target.query : '');
  const page = json
    ? renderListingJson(displayPath, applySort(entries, sort))
    : renderListingHtml(displayPath, entries, { sort, extraHtml: listingExtras(h) });
  const body = Buffer.from(page, 'utf8');
  h.sendResponse(200);
  h.sendHeader('Content-Type', json ? 'application/json' : 'text/html; charset=utf-8');
  h.sendHeader('Content-Length', String(body.length));
  h.sendHeader('Vary', 'Accept');
  if (h.cacheControl !== null) h.sendHeader('Cache-Control', h.cacheControl);
  for (const [name, value] of corsLines(h.cors)) h.sendHeader(name, value);
  h.endHeaders();
  return body;
}

/**
 * Trusted HTML for the listing page after its table: none yet. The seam for content that
 * belongs on a listing (an upload form): it reads the handler for each page, never cached.
 */
function listingExtras(h: ListingResponder): string {
  return h.upload ? renderUploadForm() : '';
}

async function readEntries(h: ListingResponder, path: string): Promise<ListingEntry[] | undefined> {
  let dirents;
  try {
    dirents = await readdir(fsPath(path), { withFileTypes: true, encoding: 'buffer' });
  } catch {
    return undefined;
  }
  const entries = await Promise.all(
    dirents.map(async (dirent): Promise<ListingEntry | undefined> => {
      const name = decodeEscaped(dirent.name);
      if (!isServableName(name, h.dotfiles)) return undefined;
      const full = join(path, name);
      const isSymbolicLink = dirent.isSymbolicLink();
      if (isSymbolicLink && (await contained(h, full)) === undefined) return undefined;
      try {
        const info = await stat(fsPath(full));
        return { name, isDirectory: info.isDirectory(), isSymbolicLink, size: info.size, mtimeMs: info.mtimeMs };
      } catch {
        return undefined; // vanished, or a broken link
      }
    }),
  );
  return sortEntries(entries.filter((entry): entry is ListingEntry => entry !== undefined));
}
