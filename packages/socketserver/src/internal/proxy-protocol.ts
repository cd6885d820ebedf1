/**
 * A strict parser of the PROXY protocol header, versions 1 (text) and 2 (binary), as
 * HAProxy specifies it (`doc/proxy-protocol.txt`). No Python counterpart.
 */
import { isIPv4, isIPv6 } from 'node:net';

/** The 12-byte signature that opens a version 2 header (spec §2.2). */
export const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
/** A version 1 line is at most 107 bytes, CRLF included (spec §2.1). */
export const V1_MAX_LENGTH = 107;
/** The longest version 2 header accepted: 16 + addresses + TLVs (the spec allows 64 KiB; senders use far less). */
export const V2_MAX_LENGTH = 16 + 4096;

const V1_PREFIX = Buffer.from('PROXY ', 'latin1');
/** Address block sizes for the v2 families INET, INET6, UNIX (spec §2.2). */
const V2_ADDRESS_LENGTH = [0, 12, 36, 216];

/** A parsed header: where the connection really comes from (absent: use the socket's own). */
export interface ProxyHeader {
  /** Bytes the header takes at the start of the stream. */
  length: number;
  /** 1 or 2. */
  version: 1 | 2;
  /** The original client `[host, port]`; absent for LOCAL, UNKNOWN, UNSPEC and UNIX. */
  source?: [string, number];
  /** The address the client connected to; absent when `source` is. */
  destination?: [string, number];
}

/**
 * The result of `parseProxyHeader`: a header, `'incomplete'` (more bytes needed; nothing
 * seen so far is wrong), or an error string saying what is malformed.
 */
export type ProxyParse = ProxyHeader | 'incomplete' | { error: string };

/**
 * Parses the PROXY header at the start of `data` (all bytes received so far). Strict: a
 * wrong byte is an error as soon as it is seen, never a wait for more.
 */
export function parseProxyHeader(data: Buffer): ProxyParse {
  if (data.length === 0) return 'incomplete';
  if (data[0] === V1_PREFIX[0]) return parseV1(data);
  if (data[0] === V2_SIGNATURE[0]) return parseV2(data);
  return { error: 'no PROXY protocol header' };
}

// --- version 1 ---------------------------------------------------------------------------

function parseV1(data: Buffer): ProxyParse {
  const prefix = Math.min(data.length, V1_PREFIX.length);
  if (data.compare(V1_PREFIX, 0, prefix, 0, prefix) !== 0) return { error: 'no PROXY protocol header' };
  const limit = Math.min(data.length, V1_MAX_LENGTH);
  for (let i = 0; i < limit; i++) {
    const byte = data[i]!;
    if (byte === 0x0d) {
      if (i + 2 > V1_MAX_LENGTH) break;
      if (i + 1 === data.length) return 'incomplete';
      if (data[i + 1] !== 0x0a) return { error: 'v1: CR not followed by LF' };
      return parseV1Line(data.toString('latin1', V1_PREFIX.length, i), i + 2);
    }
    if (byte < 0x20 || byte > 0x7e) return { error: 'v1: control or non-ASCII byte' };
  }
  return data.length >= V1_MAX_LENGTH - 1 ? { error: `v1: no CRLF within ${V1_MAX_LENGTH} bytes` } : 'incomplete';
}

/** `TCP4 src dst sport dport`, `TCP6 …` or `UNKNOWN[ anything]` (after "PROXY "). */
function parseV1Line(line: string, length: number): ProxyParse {
  if (line === 'UNKNOWN' || line.startsWith('UNKNOWN ')) return { length, version: 1 };
  const fields = line.split(' ');
  if (fields.length !== 5) return { error: 'v1: expected 5 fields after PROXY' };
  const [family, source, destination, sourcePort, destinationPort] = fields as [string, string, string, string, string];
  const isAddress = family === 'TCP4' ? isIPv4 : family === 'TCP6' ? isIPv6 : undefined;
  if (!isAddress) return { error: `v1: unknown protocol ${JSON.stringify(family)}` };
  if (!isAddress(source) || !isAddress(destination)) return { error: `v1: bad ${family} address` };
  // Zone ids and IPv4 leading zeros pass isIPv6/isIPv4 in some forms: keep the grammar tight.
  if (/[^0-9a-fA-F:.]/.test(source + destination)) return { error: 'v1: bad address characters' };
  const from = port(sourcePort);
  const to = port(destinationPort);
  if (from === undefined || to === undefined) return { error: 'v1: bad port' };
  return { length, version: 1, source: [source, from], destination: [destination, to] };
}

/** A decimal port 0–65535 without sign or leading zero, or undefined. */
function port(text: string): number | undefined {
  if (!/^(0|[1-9][0-9]{0,4})$/.test(text)) return undefined;
  const value = Number(text);
  return value <= 65535 ? value : undefined;
}

// --- version 2 ---------------------------------------------------------------------------

function parseV2(data: Buffer): ProxyParse {
  const prefix = Math.min(data.length, V2_SIGNATURE.length);
  if (data.compare(V2_SIGNATURE, 0, prefix, 0, prefix) !== 0) return { error: 'no PROXY protocol header' };
  if (data.length < 16) {
    if (data.length > 12 && data[12]! >> 4 !== 2) return { error: 'v2: version is not 2' };
    return 'incomplete';
  }
  const versionCommand = data[12]!;
  const familyTransport = data[13]!;
  const length = 16 + data.readUInt16BE(14);
  if (versionCommand >> 4 !== 2) return { error: 'v2: version is not 2' };
  const command = versionCommand & 0x0f;
  if (command > 1) return { error: `v2: unknown command ${command}` };
  const family = familyTransport >> 4;
  const transport = familyTransport & 0x0f;
  if (family > 3 || transport > 2) return { error: 'v2: unknown address family or transport' };
  if (length > V2_MAX_LENGTH) return { error: `v2: header longer than ${V2_MAX_LENGTH} bytes` };
  const addressLength = V2_ADDRESS_LENGTH[family]!;
  if (length - 16 < addressLength) return { error: 'v2: length shorter than the address block' };
  if (data.length < length) return 'incomplete';
  const tlvError = checkTlvs(data, 16 + addressLength, length);
  if (tlvError) return { error: tlvError };
  // LOCAL (health checks), UNSPEC and UNIX: the connection's own address stands (spec §2.2).
  if (command === 0 || (family !== 1 && family !== 2)) return { length, version: 2 };
  if (transport !== 1) return { error: 'v2: PROXY over a stream connection must carry STREAM' };
  return family === 1 ? v2Inet(data, length) : v2Inet6(data, length);
}

function v2Inet(data: Buffer, length: number): ProxyHeader {
  const ip = (at: number) => `${data[at]}.${data[at + 1]}.${data[at + 2]}.${data[at + 3]}`;
  return { length, version: 2, source: [ip(16), data.readUInt16BE(24)], destination: [ip(20), data.readUInt16BE(26)] };
}

function v2Inet6(data: Buffer, length: number): ProxyHeader {
  return {
    length,
    version: 2,
    source: [ipv6(data, 16), data.readUInt16BE(48)],
    destination: [ipv6(data, 32), data.readUInt16BE(50)],
  };
}

/** TLVs must tile the rest of the header exactly: type (1), length (2), value. */
function checkTlvs(data: Buffer, start: number, end: number): string | undefined {
  let at = start;
  while (at < end) {
    if (end - at < 3) return 'v2: truncated TLV';
    at += 3 + data.readUInt16BE(at + 1);
  }
  return at === end ? undefined : 'v2: TLV runs past the header';
}

/** The 16 bytes at `at` as an RFC 5952 IPv6 string (longest zero run compressed). */
export function ipv6(data: Buffer, at: number): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push(data.readUInt16BE(at + 2 * i));
  if (groups.slice(0, 6).every((g, i) => (i < 5 ? g === 0 : g === 0xffff))) {
    return `::ffff:${data[at + 12]}.${data[at + 13]}.${data[at + 14]}.${data[at + 15]}`;
  }
  let best = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) [best, bestLength] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best === -1) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLength).join(':')}`;
}
