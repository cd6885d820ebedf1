/**
 * Slices for file responses, cut from large slabs: a slice is reused by the next response
 * that needs one, and a slab with no slice in use for a second is let go. Slabs are larger
 * than glibc's largest dynamic mmap threshold (32 MiB), so each is mapped on its own and
 * its memory returns to the system when it is collected (1,000 slow readers' worth of
 * small buffers would stay in the allocator's heap); only the pages of slices actually
 * used become resident.
 */

/** Bytes per slab: above glibc's `DEFAULT_MMAP_THRESHOLD_MAX`, so never taken from the heap. */
const SLAB_SIZE = 33 * 1024 * 1024;

/** An empty slab is let go after this long unused. */
const IDLE_MS = 1000;

interface Slab {
  free: Buffer[];
  used: number;
  emptySince: number;
}

/**
 * SlicePool hands out `size`-byte slices. `give()` returns one for reuse; `abandon()` one
 * the socket may still refer to (it is never handed out again).
 */
export class SlicePool {
  readonly #slabs: Slab[] = [];
  readonly #owner = new WeakMap<Buffer, Slab>();
  #sweep: NodeJS.Timeout | undefined;

  constructor(readonly size: number) {}

  take(): Buffer {
    let slab = this.#slabs.find((candidate) => candidate.free.length > 0);
    if (slab === undefined) slab = this.#newSlab();
    slab.used++;
    return slab.free.pop()!;
  }

  give(slice: Buffer): void {
    const slab = this.#owner.get(slice);
    if (slab === undefined) return;
    slab.free.push(slice);
    this.#release(slab);
  }

  abandon(slice: Buffer): void {
    const slab = this.#owner.get(slice);
    if (slab === undefined) return;
    this.#owner.delete(slice);
    this.#release(slab);
  }

  #newSlab(): Slab {
    const memory = Buffer.allocUnsafeSlow(Math.floor(SLAB_SIZE / this.size) * this.size);
    const slab: Slab = { free: [], used: 0, emptySince: 0 };
    for (let at = memory.length - this.size; at >= 0; at -= this.size) {
      const slice = memory.subarray(at, at + this.size);
      this.#owner.set(slice, slab);
      slab.free.push(slice); // popped from the start of the slab first: its pages fill in order
    }
    this.#slabs.push(slab);
    return slab;
  }

  #release(slab: Slab): void {
    if (--slab.used > 0) return;
    slab.emptySince = Date.now();
    this.#sweep ??= setInterval(() => this.#dropIdle(), IDLE_MS).unref();
  }

  #dropIdle(): void {
    const now = Date.now();
    for (let i = this.#slabs.length - 1; i >= 0; i--) {
      const slab = this.#slabs[i]!;
      if (slab.used === 0 && now - slab.emptySince >= IDLE_MS) this.#slabs.splice(i, 1);
    }
    if (this.#slabs.length === 0) {
      clearInterval(this.#sweep);
      this.#sweep = undefined;
    }
  }
}
