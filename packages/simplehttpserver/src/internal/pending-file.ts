/**
 * An upload on its way to disk: a temporary file beside its destination, written with
 * backpressure, moved into place only once complete.
 */
import { randomBytes } from 'node:crypto';
import { link, open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

/** Bytes gathered before one `writev(2)`: few system calls, bounded memory. */
const BATCH_SIZE = 1024 * 1024;

/** What `commit` did: made the file, replaced one, or found the name taken (nothing written). */
export type CommitOutcome = 'created' | 'replaced' | 'exists';

/**
 * PendingFile writes one upload to `.upload-<random>` in the destination directory
 * (a dotfile: never listed or served unless dotfiles are). At most one write is in flight
 * and at most `BATCH_SIZE` bytes wait behind it, so a fast client is slowed to the disk's
 * pace through the socket's own flow control. `discard()` removes the temporary file;
 * after a successful `commit()` it does nothing.
 */
export class PendingFile {
  /** Bytes written so far (and waiting to be). */
  size = 0;
  readonly tempPath: string;
  #handle: FileHandle | undefined;
  #batch: Buffer[] = [];
  #batchSize = 0;
  #inFlight: Promise<unknown> | undefined;

  private constructor(tempPath: string, handle: FileHandle) {
    this.tempPath = tempPath;
    this.#handle = handle;
  }

  /** Creates a temporary file in the (real, checked) directory `directory`. */
  static async create(directory: string): Promise<PendingFile> {
    // not derived from the final name: a 255-byte name would make the temporary one too long
    const tempPath = join(directory, `.upload-${randomBytes(8).toString('hex')}`);
    // 'wx': never an existing file or a link planted under the random name; 0o644: never executable
    const handle = await open(tempPath, 'wx', 0o644);
    return new PendingFile(tempPath, handle);
  }

  /** Queues `piece`; resolves when the caller may read more (the previous batch is on disk). */
  async write(piece: Buffer): Promise<void> {
    this.#batch.push(piece);
    this.#batchSize += piece.length;
    this.size += piece.length;
    if (this.#batchSize < BATCH_SIZE) return;
    await this.#inFlight;
    this.#flush();
  }

  /** Writes what is left and closes the file. */
  async finish(): Promise<void> {
    await this.#inFlight;
    this.#flush();
    await this.#inFlight;
    await this.#handle!.close();
    this.#handle = undefined;
  }

  #flush(): void {
    if (this.#batchSize === 0) return;
    const pieces = this.#batch;
    this.#batch = [];
    this.#batchSize = 0;
    this.#inFlight = writeAll(this.#handle!, pieces);
  }

  /**
   * Moves the finished file to `destination`. Without `overwrite` the move is a `link(2)`,
   * which fails when the name exists: of concurrent uploads of one name exactly one wins,
   * and an existing file is never replaced. With `overwrite` it is a `rename(2)`: readers see
   * the old file or the new one, never a mix.
   */
  async commit(destination: string, overwrite: boolean): Promise<CommitOutcome> {
    if (overwrite) {
      const existed = await link(this.tempPath, destination).then(
        () => false,
        (error: NodeJS.ErrnoException) => {
          if (error.code !== 'EEXIST') throw error;
          return true;
        },
      );
      if (existed) await rename(this.tempPath, destination);
      return existed ? 'replaced' : 'created';
    }
    try {
      await link(this.tempPath, destination);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return 'exists';
      throw error;
    }
    return 'created';
  }

  /** Closes and removes the temporary file (after a `link` commit, the extra name). */
  async discard(): Promise<void> {
    await this.#inFlight?.catch(() => {});
    await this.#handle?.close().catch(() => {});
    this.#handle = undefined;
    await unlink(this.tempPath).catch(() => {}); // gone already after a rename
  }
}

async function writeAll(handle: FileHandle, pieces: Buffer[]): Promise<void> {
  let left = pieces;
  while (left.length > 0) {
    const { bytesWritten } = await handle.writev(left);
    left = skipBytes(left, bytesWritten);
  }
}

/** `pieces` without their first `n` bytes. */
function skipBytes(pieces: Buffer[], n: number): Buffer[] {
  let i = 0;
  let rest = n;
  while (i < pieces.length && rest >= pieces[i]!.length) rest -= pieces[i++]!.length;
  const left = pieces.slice(i);
  if (rest > 0 && left.length > 0) left[0] = left[0]!.subarray(rest);
  return left;
}
