/** `Accept-Encoding` negotiation for precompressed siblings (RFC 9110 §12.5.3). */
import { trimOWS } from '@httpstack/basehttpserver';

/** A content coding this server can send: from a sibling file or compressed on the fly. */
export type Coding = 'br' | 'zstd' | 'gzip' | 'identity';

/** Sibling file suffix of each coding, in order of preference at equal quality. */
export const SIBLINGS: ReadonlyArray<readonly ['br' | 'gzip', string]> = [
  ['br', '.br'],
  ['gzip', '.gz'],
];

/** Codings other than identity, in order of preference at equal quality. */
const PREFERENCE = ['br', 'zstd', 'gzip'] as const;

/**
 * Picks the coding to send from `header` among the available ones: the highest q-value
 * wins; at equal quality `br` beats `zstd` beats `gzip`, and all beat `identity` (which
 * competes only when listed). `q=0` refuses
 * a coding; `*` stands for codings not listed. No header (or an empty one) means identity.
 * When identity is refused and no coding is acceptable, identity is sent anyway (a 406
 * helps nobody, RFC 9110 §12.5.3 allows either).
 */
export function negotiateEncoding(
  header: string | undefined,
  available: Partial<Record<'br' | 'zstd' | 'gzip', boolean>>,
): Coding {
  if (header === undefined || (!available.br && !available.gzip && !available.zstd)) return 'identity';
  const q = parseAcceptEncoding(header);
  const star = q.get('*');
  const quality = (coding: string) => q.get(coding) ?? star ?? 0;
  // implicit identity is acceptable but does not compete; only a listed one does
  const identity = q.get('identity') ?? 0;
  let best: Coding = 'identity';
  let bestQ = 0;
  for (const coding of PREFERENCE) {
    if (!available[coding]) continue;
    const value = coding === 'gzip' ? Math.max(quality('gzip'), q.get('x-gzip') ?? 0) : quality(coding);
    if (value > bestQ) [best, bestQ] = [coding, value];
  }
  return bestQ <= 0 || bestQ < identity ? 'identity' : best;
}

/** Parses `Accept-Encoding` into coding → q-value (lower-cased codings; invalid q skipped). */
export function parseAcceptEncoding(header: string): Map<string, number> {
  const result = new Map<string, number>();
  for (const item of header.split(',')) {
    const [name = '', ...params] = item.split(';');
    const coding = trimOWS(name).toLowerCase();
    if (coding === '') continue;
    let q = 1;
    for (const param of params) {
      const [key = '', value = ''] = param.split('=');
      if (trimOWS(key).toLowerCase() === 'q') q = parseQ(trimOWS(value));
    }
    if (!Number.isNaN(q)) result.set(coding, q);
  }
  return result;
}

// qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), RFC 9110 §12.4.2
const QVALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/;

function parseQ(value: string): number {
  return QVALUE.test(value) ? Number(value) : Number.NaN;
}
