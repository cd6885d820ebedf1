/**
 * The request body as a CGI script gets it: a known length and the bytes. Replaces the
 * `rfile.read(nbytes)` of Python's `run_cgi`, which could not take a chunked body.
 */
import { createReadStream } from 'node:fs';
import { open, unlink, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** A body ready for a script: its length for `CONTENT_LENGTH` and a one-shot source. */
export interface ScriptBody {
  /** Bytes the script will read (`undefined`: the request has no body). */
  length: number | undefined;
  /** The bytes, in order; iterate once. */
  chunks(): AsyncIterable<Buffer>;
  /** Frees what holds the body (its temporary file). */
  dispose(): Promise<void>;
}

/** No body at all: CONTENT_LENGTH is not set. */
export const NO_BODY: ScriptBody = {
  length: undefined,
  chunks: async function* () {},
  dispose: async () => {},
};

/**
 * A body whose length the request declared (`Content-Length`): streamed from the
 * connection as the script reads it, never held whole.
 */
export function streamedBody(length: number, source: () => AsyncIterable<Buffer>): ScriptBody {
  return { length, chunks: source, dispose: async () => {} };
}

/**
 * Reads a body of unknown length (chunked) to the end, so that the script can be told
 * its length: in memory up to `memoryLimit` bytes, beyond that in an unlinked temporary
 * file (as lighttpd's `mod_cgi` does), so memory stays bounded whatever the size.
 */
export async function bufferedBody(source: AsyncIterable<Buffer>, memoryLimit: number): Promise<ScriptBody> {
  const pieces: Buffer[] = [];
  let length = 0;
  let file: FileHandle | undefined;
  try {
    for await (const piece of source) {
      length += piece.length;
      if (file === undefined && length <= memoryLimit) {
        pieces.push(piece);
        continue;
      }
      file ??= await spillFile();
      for (const held of pieces.splice(0)) await file.write(held);
      await file.write(piece);
    }
  } catch (error) {
    await file?.close();
    throw error;
  }
  if (file === undefined)
    return {
      length,
      chunks: async function* () {
        yield* pieces;
      },
      dispose: async () => {},
    };
  const handle = file;
  return {
    length,
    chunks: () => createReadStream('', { fd: handle.fd, start: 0, autoClose: false }),
    dispose: () => handle.close(),
  };
}

/** Opens a temporary file only this process can reach, already unlinked: nothing is left behind. */
async function spillFile(): Promise<FileHandle> {
  const path = join(tmpdir(), `httpstack-cgi-body-${randomBytes(8).toString('hex')}`);
  const file = await open(path, 'wx+', 0o600);
  await unlink(path);
  return file;
}
