/** `multipart/byteranges` bodies for multiple-range requests (RFC 9110 §14.6). */
import { randomBytes } from 'node:crypto';
import type { BodyPart } from '../file-body.js';
import { contentRange, type ByteRange } from './range.js';

/** A multipart body laid out: its content type (with boundary), parts and total length. */
export interface Multipart {
  contentType: string;
  parts: BodyPart[];
  length: number;
}

/** Lays out a `multipart/byteranges` body of `ranges` of a `size`-byte representation. */
export function multipartByteranges(ranges: ByteRange[], size: number, contentType: string): Multipart {
  const boundary = randomBytes(12).toString('hex');
  const parts: BodyPart[] = [];
  let length = 0;
  ranges.forEach((range, index) => {
    const head = Buffer.from(
      `${index === 0 ? '' : '\r\n'}--${boundary}\r\nContent-Type: ${contentType}\r\n` +
        `Content-Range: ${contentRange(range, size)}\r\n\r\n`,
      'latin1',
    );
    parts.push(head, [range.start, range.end + 1]);
    length += head.length + range.end + 1 - range.start;
  });
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`, 'latin1');
  parts.push(tail);
  length += tail.length;
  return { contentType: `multipart/byteranges; boundary=${boundary}`, parts, length };
}

/** Materialises `parts` from an in-memory file `body`. */
export function joinParts(parts: readonly BodyPart[], body: Buffer): Buffer {
  return Buffer.concat(parts.map((part) => (Buffer.isBuffer(part) ? part : body.subarray(part[0], part[1]))));
}
