/** `Range: bytes=…` parsing and evaluation against a file size (RFC 9110 §14). */
import { trimOWS } from '@httpstack/basehttpserver';

/** An inclusive byte range of a representation. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * What a `Range` header asks of a representation of `size` bytes: the whole of it (no,
 * unknown, invalid or refused header), nothing satisfiable (416), or ranges (206).
 */
export type RangeResult = { type: 'full' } | { type: 'unsatisfiable' } | { type: 'partial'; ranges: ByteRange[] };

/** Ranges beyond this many make the request a plain 200. */
export const MAX_RANGES = 16;

const FULL: RangeResult = { type: 'full' };
const UNSATISFIABLE: RangeResult = { type: 'unsatisfiable' };
const SPEC = /^(\d*)-(\d*)$/;

/**
 * Evaluates `header` (a `Range` value) against a representation of `size` bytes.
 *
 * Single ranges, suffix ranges (`-N`) and open ranges (`N-`) are honoured; ranges past the
 * end are clipped; ranges starting past the end are dropped, and if none is left the result
 * is `unsatisfiable`. A header that is not `bytes=`, or is malformed, is ignored.
 *
 * **Security:** the Apache many-ranges attack (CVE-2011-3192) is refused: more than
 * `maxRanges` ranges, or overlapping ones, make the whole header ignored (a plain 200), as
 * RFC 9110 §14.2 allows.
 */
export function parseRange(header: string | undefined, size: number, maxRanges = MAX_RANGES): RangeResult {
  if (header === undefined) return FULL;
  const equals = header.indexOf('=');
  if (equals === -1 || trimOWS(header.slice(0, equals)).toLowerCase() !== 'bytes') return FULL;
  const specs = header.slice(equals + 1).split(',');
  const ranges: ByteRange[] = [];
  let count = 0;
  for (const item of specs) {
    const spec = trimOWS(item);
    if (spec === '') continue; // RFC 9110 §5.6.1: empty list elements are allowed
    if (++count > maxRanges) return FULL;
    const match = SPEC.exec(spec);
    if (!match || (match[1] === '' && match[2] === '')) return FULL;
    const range = resolve(match[1]!, match[2]!, size);
    if (range === null) return FULL;
    if (range !== undefined) ranges.push(range);
  }
  if (count === 0) return FULL;
  if (ranges.length === 0) return UNSATISFIABLE;
  if (ranges.length > 1 && overlapping(ranges)) return FULL;
  return { type: 'partial', ranges };
}

/** One range spec: a range, `undefined` when unsatisfiable, `null` when invalid. */
function resolve(first: string, last: string, size: number): ByteRange | undefined | null {
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return undefined;
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? Infinity : Number(last);
  if (end < start) return null; // RFC 9110 §14.1.1: invalid
  if (start >= size) return undefined;
  return { start, end: Math.min(end, size - 1) };
}

function overlapping(ranges: ByteRange[]): boolean {
  const sorted = [...ranges].sort((a, b) => a.start - b.start);
  for (let i = 1; i < sorted.length; i++) if (sorted[i]!.start <= sorted[i - 1]!.end) return true;
  return false;
}

/** The `Content-Range` value of a range: `bytes 0-99/1000`. */
export function contentRange(range: ByteRange, size: number): string {
  return `bytes ${range.start}-${range.end}/${size}`;
}

/** The `Content-Range` value of a 416: `bytes *\/1000`. */
export function unsatisfiedRange(size: number): string {
  return `bytes */${size}`;
}
