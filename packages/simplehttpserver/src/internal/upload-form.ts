/** Uploads by a `multipart/form-data` `POST` to a directory (the listing's upload form). */
import { once } from 'node:events';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import busboy, { type Busboy } from 'busboy';
import { escapeHtml } from './listing.js';
import { PendingFile } from './pending-file.js';
import { translateTarget } from './translate.js';
import {
  checkFree,
  receiveBody,
  refuseName,
  tooLarge,
  uploadDirectory,
  type UploadDirectory,
  type UploadHandler,
} from './upload.js';

/** Most files in one form. */
const MAX_FILES = 1000;

/** One file part of the form on its way to disk. */
interface FormFile {
  name: string;
  destination: string;
  file: PendingFile | undefined;
  done: Promise<void>;
}

/** A refusal found while the form is parsed: answered once the body stops. */
class FormRefusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Serves a `multipart/form-data` `POST` to a directory: every file part is streamed to its
 * own temporary file as it arrives (never held in memory; the parser's backpressure slows
 * the socket), and all are moved into place once the whole body is in. A refused name
 * (400), a name that exists (409) or a body over `maxUploadSize` (413) leaves no file.
 * Answers 201 with an HTML page linking the new files, `Location` naming the first.
 */
export async function receiveForm(h: UploadHandler): Promise<void> {
  const type = h.headers.get('content-type') ?? '';
  if (!/^multipart\/form-data\s*;/i.test(type)) return h.sendError(415, 'Uploads by POST must be multipart/form-data');
  const target = translateTarget(h.path, { dotfiles: h.dotfiles });
  const path = target.ok ? h.translatePath(h.path) : undefined;
  if (!target.ok || path === undefined)
    return h.sendError(400, `Refused upload path: ${target.ok ? 'refused' : target.reason}`);
  const directory = await uploadDirectory(h, path, target.rawSegments);
  if (directory === undefined) return;
  if (Number(h.headers.get('content-length') ?? 0) > h.maxUploadSize) return tooLarge(h);
  const files: FormFile[] = [];
  try {
    await parseForm(h, type, directory, files);
    if (files.length === 0) return h.sendError(400, 'The form holds no file');
    await commitAll(h, files, directory);
  } catch (error) {
    if (!(error instanceof FormRefusal)) throw error;
    h.closeConnection = true; // the rest of the body is not read
    h.sendError(error.status, error.message);
  } finally {
    await Promise.all(
      files.map(async (f) => {
        await f.done.catch(() => {});
        await f.file?.discard();
      }),
    );
  }
}

/** Feeds the body to the parser, waiting on its backpressure; resolves when every part is on disk. */
async function parseForm(h: UploadHandler, type: string, directory: UploadDirectory, files: FormFile[]): Promise<void> {
  let parser: Busboy;
  try {
    parser = busboy({
      headers: { 'content-type': type },
      preservePath: true,
      defParamCharset: 'utf8',
      limits: { files: MAX_FILES, fieldSize: 64 * 1024, fields: 100 },
    });
  } catch {
    throw new FormRefusal(400, 'Malformed multipart/form-data content type');
  }
  let failure: Error | undefined;
  let fail!: (error: Error) => void;
  const failed = new Promise<never>((_, reject) => (fail = (error) => reject((failure ??= error))));
  failed.catch(() => {});
  parser.on('error', (error: Error) => fail(new FormRefusal(400, `Malformed form: ${error.message}`)));
  parser.on('filesLimit', () => fail(new FormRefusal(413, `More than ${MAX_FILES} files in one form`)));
  parser.on('file', (_field: string, stream: Readable, info: { filename: string }) => {
    const part = startFile(h, stream, info.filename, directory, files);
    part.done.catch(fail); // the first refusal ends the upload
    files.push(part);
  });
  const closed = once(parser, 'close');
  await receiveBody(h, async (piece) => {
    if (failure !== undefined) throw failure;
    let more: boolean;
    try {
      more = parser.write(piece);
    } catch (error) {
      throw new FormRefusal(400, `Malformed form: ${(error as Error).message}`); // thrown, not emitted, for a bad part header
    }
    if (!more) await Promise.race([once(parser, 'drain'), failed]);
  });
  parser.end();
  await Promise.race([closed, failed]);
  await Promise.race([Promise.all(files.map((f) => f.done)), failed]);
}

/** Checks one file part's name and streams it to a temporary file. */
function startFile(
  h: UploadHandler,
  stream: Readable,
  filename: string,
  directory: UploadDirectory,
  files: FormFile[],
): FormFile {
  const part: FormFile = {
    name: filename,
    destination: join(directory.real, filename),
    file: undefined,
    done: Promise.resolve(),
  };
  part.done = (async () => {
    try {
      const reason = filename === '' ? 'a file part has no file name' : refuseName(filename, h.dotfiles);
      if (reason !== undefined) throw new FormRefusal(400, `Refused upload name: ${reason}`);
      if (files.some((f) => f !== part && f.name === filename))
        throw new FormRefusal(400, `The form names ${filename} twice`);
      if (!(await h.isUploadAllowed(part.destination)))
        throw new FormRefusal(403, 'Uploads are not allowed in this directory');
      part.file = await PendingFile.create(directory.real);
      for await (const chunk of stream) await part.file.write(chunk as Buffer);
      await part.file.finish();
    } finally {
      stream.resume(); // a refused part is read to its end, so the parser goes on
    }
  })();
  return part;
}

/** Moves every file into place (each refused when its name exists) and answers 201. */
async function commitAll(h: UploadHandler, files: FormFile[], directory: UploadDirectory): Promise<void> {
  for (const f of files) {
    if (!(await checkFree(h, f.destination))) return;
  }
  const taken: string[] = [];
  for (const f of files) {
    if ((await f.file!.commit(f.destination, h.uploadOverwrite)) === 'exists') taken.push(f.name);
  }
  if (taken.length > 0) return h.sendError(409, `The file exists (uploads do not overwrite): ${taken.join(', ')}`);
  const links = files.map((f) => {
    const href = `${directory.url}${encodeURIComponent(f.name)}`;
    return `<li><a href="${escapeHtml(href)}">${escapeHtml(f.name)}</a></li>`;
  });
  const body = Buffer.from(
    `<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8"><title>Uploaded</title></head>\n<body>\n` +
      `<h1>Uploaded</h1>\n<ul>\n${links.join('\n')}\n</ul>\n<p><a href="${escapeHtml(directory.url)}">Back to ${escapeHtml(directory.url)}</a></p>\n</body>\n</html>\n`,
    'utf8',
  );
  h.sendResponse(201);
  h.sendHeader('Location', `${directory.url}${encodeURIComponent(files[0]!.name)}`);
  h.sendHeader('Content-Type', 'text/html; charset=utf-8');
  h.sendHeader('Content-Length', String(body.length));
  h.endHeaders();
  h.wfile.write(body);
}
