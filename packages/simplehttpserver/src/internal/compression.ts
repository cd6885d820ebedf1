/**
 * On-the-fly compression of compressible files: which types (mime-db's `compressible`
 * flag), which codings (`br`, `gzip`, and `zstd` where the running Node has it), the bytes.
 */
import { once } from 'node:events';
import { createRequire } from 'node:module';
import * as zlib from 'node:zlib';
import type { Coding } from './encoding.js';

/** Files smaller than this are sent as they are: the saving would not pay for the work. */
export const COMPRESS_MIN_SIZE = 1024;

type Compressing = Exclude<Coding, 'identity'>;
type Zlib = typeof zlib & {
  zstdCompress?: (buffer: Buffer, callback: (error: Error | null, result: Buffer) => void) => void;
  createZstdCompress?: () => zlib.Gzip;
};
const z = zlib as Zlib;

/** The codings compressed on the fly by this Node: `zstd` only where `node:zlib` has it (22.15+). */
export const DYNAMIC_CODINGS: Readonly<Record<Compressing, boolean>> = {
  br: true,
  gzip: true,
  zstd: typeof z.zstdCompress === 'function' && typeof z.createZstdCompress === 'function',
};

const db = createRequire(import.meta.url)('mime-db') as Record<string, { compressible?: boolean } | undefined>;
const compressible = new Map<string, boolean>();

/**
 * Whether a `Content-Type` names a compressible type: mime-db's `compressible` flag, else
 * `text/*` and `+json` / `+xml` / `+text` suffixes (so `image/svg+xml`, `application/wasm`,
 * `text/css` are; `image/png`, `application/zip` are not). `application/octet-stream`, the
 * type of files of unknown kind, is not.
 */
export function isCompressible(contentType: string): boolean {
  const type = contentType.split(';', 1)[0]!.trim().toLowerCase();
  let known = compressible.get(type);
  if (known === undefined) {
    // mime-db flags application/octet-stream compressible; here it is what unknown (likely binary) files get
    known =
      type !== 'application/octet-stream' &&
      (db[type]?.compressible ?? (type.startsWith('text/') || /\+(?:json|xml|text)$/.test(type)));
    if (compressible.size < 1000) compressible.set(type, known);
  }
  return known;
}

/**
 * Compresses a whole small file on the thread pool: at the highest setting when the result
 * will be cached (`best`), else at a fast one.
 */
export function compressWhole(coding: Compressing, bytes: Buffer, best: boolean): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const done = (error: Error | null, result: Buffer) => (error ? reject(error) : resolve(result));
    if (coding === 'gzip') zlib.gzip(bytes, { level: best ? 9 : 6 }, done);
    else if (coding === 'zstd') z.zstdCompress!(bytes, done);
    else zlib.brotliCompress(bytes, brotliOptions(best ? 11 : 5, bytes.length), done);
  });
}

function brotliOptions(quality: number, size: number): zlib.BrotliOptions {
  return {
    params: {
      [zlib.constants.BROTLI_PARAM_QUALITY]: quality,
      [zlib.constants.BROTLI_PARAM_SIZE_HINT]: size,
      [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT,
    },
  };
}

/** A compressing stream for a large file, at a setting fast enough to keep a socket busy. */
function compressor(coding: Compressing, size: number): zlib.Gzip | zlib.BrotliCompress {
  if (coding === 'gzip') return zlib.createGzip({ level: 6 });
  if (coding === 'zstd') return z.createZstdCompress!();
  return zlib.createBrotliCompress(brotliOptions(4, size));
}

/**
 * Yields the compressed bytes of `source` (a file's chunks, read as they are wanted):
 * `source` is written into the compressor only while it wants more, and the compressor is
 * read only as fast as the caller consumes, so neither side buffers more than a chunk.
 * If `source` throws (the file shrank), so does this.
 */
export async function* compressChunks(
  coding: Compressing,
  size: number,
  source: AsyncIterable<Buffer>,
): AsyncGenerator<Buffer> {
  const stream = compressor(coding, size);
  const pump = (async () => {
    for await (const chunk of source) {
      if (stream.destroyed) return;
      if (!stream.write(chunk)) await Promise.race([once(stream, 'drain'), once(stream, 'close')]);
    }
    stream.end();
  })();
  pump.catch((error: Error) => stream.destroy(error));
  try {
    for await (const chunk of stream) yield chunk as Buffer;
    await pump;
  } finally {
    stream.destroy();
    await pump.catch(() => {});
  }
}
