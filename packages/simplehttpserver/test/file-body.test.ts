import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileBody, FileChangedError, readRange, readWhole } from '../src/file-body.js';

let dir: string;
const content = Buffer.from(Array.from({ length: 1000 }, (_, i) => i & 0xff));
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'httpstack-file-body-'));
  writeFileSync(join(dir, 'f.bin'), content);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Opens f.bin and counts the reads made on it. */
async function counted(): Promise<{ handle: FileHandle; reads: () => number }> {
  const handle = await open(join(dir, 'f.bin'));
  let reads = 0;
  const read = handle.read.bind(handle) as (...args: unknown[]) => Promise<unknown>;
  (handle as unknown as { read: unknown }).read = (...args: unknown[]) => {
    reads++;
    return read(...args);
  };
  return { handle, reads: () => reads };
}

describe('readRange', () => {
  it.for([
    [0, 1000, 100],
    [0, 1000, 4096],
    [10, 11, 100],
    [999, 1000, 7],
    [250, 750, 33],
  ] as const)('yields [%d, %d) in reads of %d', async ([start, end, size]) => {
    const { handle } = await counted();
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of readRange(handle, 'f.bin', start, end, size)) chunks.push(chunk);
      expect(Buffer.concat(chunks).equals(content.subarray(start, end))).toBe(true);
      expect(chunks.every((chunk) => chunk.length <= size)).toBe(true);
    } finally {
      await handle.close();
    }
  });

  it('reads at most one chunk ahead of its consumer (backpressure)', async () => {
    const { handle, reads } = await counted();
    try {
      const iterator = readRange(handle, 'f.bin', 0, 1000, 100)[Symbol.asyncIterator]();
      await iterator.next();
      await new Promise((resolve) => setImmediate(resolve));
      expect(reads()).toBe(2);
      await iterator.next();
      expect(reads()).toBe(3);
      await iterator.return?.(undefined);
    } finally {
      await handle.close();
    }
  });

  it('throws FileChangedError when the file ends early', async () => {
    writeFileSync(join(dir, 'short.bin'), content);
    const handle = await open(join(dir, 'short.bin'));
    try {
      const iterator = readRange(handle, 'short.bin', 0, 1000, 100)[Symbol.asyncIterator]();
      await iterator.next();
      truncateSync(join(dir, 'short.bin'), 150);
      await expect(
        (async () => {
          for (let step = await iterator.next(); !step.done; step = await iterator.next());
        })(),
      ).rejects.toBeInstanceOf(FileChangedError);
      await expect(readWhole(handle, 'short.bin', 1000)).rejects.toBeInstanceOf(FileChangedError);
    } finally {
      await handle.close();
    }
  });
});

describe('FileBody.copyTo', () => {
  /** A writer that keeps the chunks it is given, uncopied, as a socket does until it sends them. */
  const holdingWriter = (writableLength: number) => {
    const held: Buffer[] = [];
    return { held, socket: { writableLength }, write: async (chunk: Buffer) => void held.push(chunk), flush: () => {} };
  };

  /** How many distinct memory regions the chunks lie in. */
  const regions = (chunks: Buffer[]) => {
    const seen = new Map<ArrayBufferLike, Set<number>>();
    for (const chunk of chunks) {
      if (!seen.has(chunk.buffer)) seen.set(chunk.buffer, new Set());
      seen.get(chunk.buffer)!.add(chunk.byteOffset);
    }
    return [...seen.values()].reduce((sum, offsets) => sum + offsets.size, 0);
  };

  it('reuses its read buffers only once the socket holds nothing', async () => {
    const handle = await open(join(dir, 'f.bin'));
    try {
      const busy = holdingWriter(1);
      await new FileBody(handle, 'f.bin', [[0, 1000]], 100).copyTo(busy);
      expect(Buffer.concat(busy.held).equals(content)).toBe(true);
      expect(regions(busy.held)).toBe(10);

      const idle = holdingWriter(0);
      await new FileBody(handle, 'f.bin', [Buffer.from('['), [0, 1000], Buffer.from(']')], 100).copyTo(idle);
      expect(idle.held.length).toBe(12);
      expect(regions(idle.held.slice(1, -1))).toBeLessThanOrEqual(3);
    } finally {
      await handle.close();
    }
  });

  it('reads at most two slices at a time until the peer has shown it reads, then up to readSize', async () => {
    const mib = 1024 * 1024;
    const big = Buffer.alloc(16 * mib, 3);
    writeFileSync(join(dir, 'big16.bin'), big);
    const handle = await open(join(dir, 'big16.bin'));
    let reads = 0;
    const readv = handle.readv.bind(handle);
    (handle as unknown as { readv: typeof readv }).readv = (buffers, position) => {
      reads++;
      return readv(buffers, position);
    };
    try {
      const taking = holdingWriter(0); // the socket takes everything, so no 'drain' proves the peer
      await new FileBody(handle, 'big16.bin', [[0, big.length]]).copyTo(taking);
      expect(Buffer.concat(taking.held).equals(big)).toBe(true);
      // The first 8 MiB in reads of at most 128 KiB (≥ 64 reads); the rest in 1 MiB reads (≤ 8 + a ramp).
      expect(reads).toBeGreaterThanOrEqual(64);
      expect(reads).toBeLessThan(64 + 16);
    } finally {
      await handle.close();
    }
  });

  it('throws FileChangedError when the file ends early', async () => {
    writeFileSync(join(dir, 'short2.bin'), content.subarray(0, 500));
    const handle = await open(join(dir, 'short2.bin'));
    try {
      await expect(
        new FileBody(handle, 'short2.bin', [[0, 1000]], 100).copyTo(holdingWriter(0)),
      ).rejects.toBeInstanceOf(FileChangedError);
    } finally {
      await handle.close();
    }
  });
});

describe('FileBody', () => {
  it('yields literal parts and file ranges in order, and knows its length', async () => {
    const handle = await open(join(dir, 'f.bin'));
    const body = new FileBody(handle, 'f.bin', [Buffer.from('<'), [0, 3], Buffer.from('>'), [997, 1000]], 2);
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(chunk);
    await body.close();
    await body.close();
    expect(
      Buffer.concat(chunks).equals(
        Buffer.concat([Buffer.from('<'), content.subarray(0, 3), Buffer.from('>'), content.subarray(997)]),
      ),
    ).toBe(true);
    expect(body.length).toBe(8);
  });
});
