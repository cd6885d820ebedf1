// The PROXY protocol parser (src/internal/proxy-protocol.ts): table tests of valid headers
// and hostile bytes, each fed whole and byte by byte (a parser must never wait on a wrong byte).
import { describe, expect, it } from 'vitest';
import { ipv6, parseProxyHeader, V2_SIGNATURE } from '../src/internal/proxy-protocol.js';

/** A v2 header: command/version byte, family/transport byte, then the body (length filled in). */
function v2(versionCommand: number, familyTransport: number, body: number[] | Buffer, lengthDelta = 0): Buffer {
  const head = Buffer.alloc(4);
  head[0] = versionCommand;
  head[1] = familyTransport;
  head.writeUInt16BE(body.length + lengthDelta, 2);
  return Buffer.concat([V2_SIGNATURE, head, Buffer.from(body)]);
}

const inet = [192, 0, 2, 1, 198, 51, 100, 7, 0x30, 0x39, 0x01, 0xbb]; // 192.0.2.1:12345 → 198.51.100.7:443
const inet6 = [
  ...Buffer.from('20010db8000000000000000000000001', 'hex'),
  ...Buffer.from('20010db8000000000000000000000002', 'hex'),
  0xff,
  0xfe,
  0,
  80,
];

const valid: Array<{ name: string; input: Buffer; want: object }> = [
  {
    name: 'v1 TCP4',
    input: Buffer.from('PROXY TCP4 192.0.2.1 198.51.100.7 56324 443\r\n'),
    want: { version: 1, length: 45, source: ['192.0.2.1', 56324], destination: ['198.51.100.7', 443] },
  },
  {
    name: 'v1 TCP6',
    input: Buffer.from('PROXY TCP6 2001:db8::1 ::1 65535 0\r\n'),
    want: { version: 1, source: ['2001:db8::1', 65535], destination: ['::1', 0] },
  },
  { name: 'v1 UNKNOWN', input: Buffer.from('PROXY UNKNOWN\r\n'), want: { version: 1, length: 15 } },
  {
    name: 'v1 UNKNOWN with ignored fields',
    input: Buffer.from('PROXY UNKNOWN ffff::1 ::1 1 2\r\n'),
    want: { version: 1 },
  },
  {
    name: 'v1 of exactly 107 bytes',
    input: Buffer.from(`PROXY UNKNOWN ${'x'.repeat(91)}\r\n`),
    want: { version: 1, length: 107 },
  },
  {
    name: 'v2 PROXY TCP over IPv4',
    input: v2(0x21, 0x11, inet),
    want: { version: 2, length: 28, source: ['192.0.2.1', 12345], destination: ['198.51.100.7', 443] },
  },
  {
    name: 'v2 PROXY TCP over IPv6',
    input: v2(0x21, 0x21, inet6),
    want: { version: 2, length: 52, source: ['2001:db8::1', 65534], destination: ['2001:db8::2', 80] },
  },
  { name: 'v2 LOCAL (health check)', input: v2(0x20, 0x00, []), want: { version: 2, length: 16 } },
  { name: 'v2 LOCAL with an address block', input: v2(0x20, 0x11, inet), want: { version: 2, length: 28 } },
  { name: 'v2 PROXY UNSPEC', input: v2(0x21, 0x00, []), want: { version: 2 } },
  { name: 'v2 PROXY UNIX', input: v2(0x21, 0x31, Buffer.alloc(216)), want: { version: 2, length: 232 } },
  {
    name: 'v2 with TLVs (ALPN, authority)',
    input: v2(0x21, 0x11, [...inet, 0x01, 0, 2, 0x68, 0x32, 0x02, 0, 1, 0x61]),
    want: { version: 2, source: ['192.0.2.1', 12345] },
  },
];

const hostile: Array<{ name: string; input: Buffer; want: RegExp }> = [
  { name: 'plain HTTP', input: Buffer.from('GET / HTTP/1.1\r\n'), want: /no PROXY protocol header/ },
  { name: 'lower-case proxy', input: Buffer.from('proxy TCP4 1.2.3.4 1.2.3.4 1 2\r\n'), want: /no PROXY/ },
  { name: 'PROXY without space', input: Buffer.from('PROXYTCP4'), want: /no PROXY/ },
  { name: 'v1 unknown protocol', input: Buffer.from('PROXY UDP4 1.2.3.4 1.2.3.4 1 2\r\n'), want: /unknown protocol/ },
  { name: 'v1 LF only', input: Buffer.from('PROXY TCP4 1.2.3.4 1.2.3.4 1 2\n'), want: /control/ },
  {
    name: 'v1 CR not followed by LF',
    input: Buffer.from('PROXY TCP4 1.2.3.4 1.2.3.4 1 2\rX'),
    want: /CR not followed by LF/,
  },
  { name: 'v1 double space', input: Buffer.from('PROXY TCP4  1.2.3.4 1.2.3.4 1 2\r\n'), want: /5 fields/ },
  { name: 'v1 missing port', input: Buffer.from('PROXY TCP4 1.2.3.4 1.2.3.4 1\r\n'), want: /5 fields/ },
  { name: 'v1 trailing space', input: Buffer.from('PROXY TCP4 1.2.3.4 1.2.3.4 1 2 \r\n'), want: /5 fields/ },
  { name: 'v1 port over 65535', input: Buffer.from('PROXY TCP4 1.2.3.4 1.2.3.4 65536 2\r\n'), want: /bad port/ },
  { name: 'v1 port with leading zero', input: Buffer.from('PROXY TCP4 1.2.3.4 1.2.3.4 080 2\r\n'), want: /bad port/ },
  { name: 'v1 negative port', input: Buffer.from('PROXY TCP4 1.2.3.4 1.2.3.4 -1 2\r\n'), want: /bad port/ },
  { name: 'v1 IPv6 under TCP4', input: Buffer.from('PROXY TCP4 ::1 ::1 1 2\r\n'), want: /bad TCP4 address/ },
  {
    name: 'v1 IPv4 octet over 255',
    input: Buffer.from('PROXY TCP4 1.2.3.256 1.2.3.4 1 2\r\n'),
    want: /bad TCP4 address/,
  },
  { name: 'v1 host name', input: Buffer.from('PROXY TCP4 localhost 1.2.3.4 1 2\r\n'), want: /bad TCP4 address/ },
  { name: 'v1 IPv6 zone id', input: Buffer.from('PROXY TCP6 fe80::1%eth0 ::1 1 2\r\n'), want: /bad/ },
  { name: 'v1 NUL byte', input: Buffer.from('PROXY TCP4 1.2.3.4\u0000 1.2.3.4 1 2\r\n'), want: /control/ },
  {
    name: 'v1 non-ASCII byte',
    input: Buffer.from('PROXY TCP4 1.2.3.4\u00e9 1.2.3.4 1 2\r\n', 'latin1'),
    want: /non-ASCII/,
  },
  {
    name: 'v1 no CRLF within 107 bytes',
    input: Buffer.from(`PROXY UNKNOWN ${'x'.repeat(92)}\r\n`),
    want: /no CRLF within 107/,
  },
  { name: 'v1 endless line', input: Buffer.from(`PROXY UNKNOWN ${'x'.repeat(200)}`), want: /no CRLF within 107/ },
  {
    name: 'v2 signature broken',
    input: Buffer.from([...V2_SIGNATURE.subarray(0, 11), 0x0b, 0x21, 0x11, 0, 12]),
    want: /no PROXY/,
  },
  { name: 'v2 version 1', input: v2(0x11, 0x11, inet), want: /version is not 2/ },
  { name: 'v2 version 3', input: v2(0x31, 0x11, inet), want: /version is not 2/ },
  { name: 'v2 command 2', input: v2(0x22, 0x11, inet), want: /unknown command/ },
  { name: 'v2 family 4', input: v2(0x21, 0x41, inet), want: /unknown address family/ },
  { name: 'v2 transport 3', input: v2(0x21, 0x13, inet), want: /unknown address family or transport/ },
  {
    name: 'v2 length shorter than IPv4 block',
    input: v2(0x21, 0x11, inet.slice(0, 11)),
    want: /shorter than the address block/,
  },
  { name: 'v2 length shorter than IPv6 block', input: v2(0x21, 0x21, inet), want: /shorter than the address block/ },
  { name: 'v2 DGRAM over a stream', input: v2(0x21, 0x12, inet), want: /must carry STREAM/ },
  { name: 'v2 truncated TLV', input: v2(0x21, 0x11, [...inet, 0x01, 0]), want: /truncated TLV/ },
  { name: 'v2 TLV past the header', input: v2(0x21, 0x11, [...inet, 0x01, 0, 9, 1]), want: /TLV runs past/ },
  { name: 'v2 header of 64 KiB', input: v2(0x21, 0x11, inet, 65535 - 12), want: /longer than/ },
];

describe('parseProxyHeader (PROXY protocol v1 and v2)', () => {
  it.for(valid)('$name: parses whole and byte by byte', ({ input, want }) => {
    const trailing = Buffer.concat([input, Buffer.from('GET / HTTP/1.1\r\n')]);
    const got = parseProxyHeader(trailing);
    expect(got).toMatchObject({ length: input.length, ...want });
    for (let n = 0; n < input.length; n++)
      expect(parseProxyHeader(input.subarray(0, n)), `prefix of ${n} bytes`).toBe('incomplete');
  });

  it.for(hostile)('$name: refused', ({ input, want }) => {
    const got = parseProxyHeader(input);
    expect(got, `got ${JSON.stringify(got)}`).toHaveProperty('error');
    expect((got as { error: string }).error).toMatch(want);
  });

  it.for(hostile)('$name: refused once the first wrong byte is in, never waiting past it', ({ input }) => {
    // Fed byte by byte, the parser may say 'incomplete' only until it has seen a wrong byte.
    let firstError = -1;
    for (let n = 1; n <= input.length && firstError === -1; n++)
      if (parseProxyHeader(input.subarray(0, n)) !== 'incomplete') firstError = n;
    expect(firstError).toBeGreaterThan(0);
    expect(parseProxyHeader(input.subarray(0, firstError))).toHaveProperty('error');
  });

  it.for([
    { hex: '00000000000000000000000000000001', want: '::1' },
    { hex: '20010db8000000000001000000000001', want: '2001:db8::1:0:0:1' },
    { hex: '20010db8000100000000000000000000', want: '2001:db8:1::' },
    { hex: '20010db8000000010001000100010001', want: '2001:db8:0:1:1:1:1:1' },
    { hex: '00000000000000000000ffffc0000201', want: '::ffff:192.0.2.1' },
    { hex: '00000000000000000000000000000000', want: '::' },
  ])('ipv6($hex) is $want (RFC 5952)', ({ hex, want }) => {
    expect(ipv6(Buffer.from(hex, 'hex'), 0)).toBe(want);
  });
});
