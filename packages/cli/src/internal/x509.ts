/** A minimal X.509 v3 certificate writer (DER, RFC 5280) for `--tls-self-signed`, on `node:crypto`. */
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';

/** A certificate and its private key, both PEM. */
export interface GeneratedCertificate {
  cert: string;
  key: string;
}

const OID = {
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
};

/**
 * selfSignedCertificate makes an ECDSA P-256 key and a certificate signed by it (SHA-256)
 * for `names` (DNS names and IP addresses, in the subject alternative name), valid from a
 * minute ago for `days` days, with the key usages of a TLS server and `CA:FALSE`.
 *
 * **Security:** for local development only; the key never leaves the returned object.
 */
export function selfSignedCertificate(names: string[], days: number, organization: string): GeneratedCertificate {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const subject = seq(
    set(seq(oid(OID.commonName), utf8(names[0]!))),
    set(seq(oid(OID.organization), utf8(organization))),
  );
  const now = Date.now();
  const tbs = seq(
    tlv(0xa0, integer(Buffer.of(2))), // version v3
    integer(serialNumber()),
    seq(oid(OID.ecdsaWithSha256)),
    subject, // issuer = subject: self-signed
    seq(time(new Date(now - 60_000)), time(new Date(now + days * 86_400_000))),
    subject,
    publicKey.export({ type: 'spki', format: 'der' }),
    tlv(0xa3, seq(...extensions(names))),
  );
  const signature = sign('sha256', tbs, { key: privateKey, dsaEncoding: 'der' });
  const cert = seq(tbs, seq(oid(OID.ecdsaWithSha256)), bitString(signature));
  return { cert: pem('CERTIFICATE', cert), key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

function extensions(names: string[]): Buffer[] {
  const altNames = names.map((name) => {
    if (isIPv4(name)) return tlv(0x87, Buffer.from(name.split('.').map(Number)));
    if (isIPv6(name)) return tlv(0x87, ipv6Bytes(name));
    return tlv(0x82, Buffer.from(name, 'ascii'));
  });
  return [
    extension(OID.subjectAltName, false, seq(...altNames)),
    extension(OID.basicConstraints, true, seq()), // cA defaults to FALSE
    extension(OID.keyUsage, true, tlv(0x03, Buffer.of(0x07, 0x80))), // digitalSignature
    extension(OID.extKeyUsage, false, seq(oid(OID.serverAuth))),
  ];
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return critical ? seq(oid(id), tlv(0x01, Buffer.of(0xff)), tlv(0x04, value)) : seq(oid(id), tlv(0x04, value));
}

/** 16 random bytes, positive and without a leading zero byte (RFC 5280 §4.1.2.2). */
function serialNumber(): Buffer {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x40;
  return bytes;
}

function ipv6Bytes(address: string): Buffer {
  const [head = '', tail = ''] = address.split('::');
  const parts = (text: string) => (text === '' ? [] : text.split(':').map((group) => parseInt(group, 16)));
  const before = parts(head);
  const after = parts(tail);
  const groups = address.includes('::')
    ? [...before, ...Array<number>(8 - before.length - after.length).fill(0), ...after]
    : before;
  const bytes = Buffer.alloc(16);
  for (const [i, group] of groups.entries()) bytes.writeUInt16BE(group, i * 2);
  return bytes;
}

// --- DER (ITU-T X.690) ---------------------------------------------------------------------

function tlv(tag: number, content: Buffer): Buffer {
  const length = content.length;
  if (length < 0x80) return Buffer.concat([Buffer.of(tag, length), content]);
  const lengthBytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) lengthBytes.unshift(rest & 0xff);
  return Buffer.concat([Buffer.of(tag, 0x80 | lengthBytes.length, ...lengthBytes), content]);
}

function seq(...items: Buffer[]): Buffer {
  return tlv(0x30, Buffer.concat(items));
}

function set(...items: Buffer[]): Buffer {
  return tlv(0x31, Buffer.concat(items));
}

function integer(bytes: Buffer): Buffer {
  return tlv(0x02, bytes[0]! & 0x80 ? Buffer.concat([Buffer.of(0), bytes]) : bytes);
}

function bitString(bytes: Buffer): Buffer {
  return tlv(0x03, Buffer.concat([Buffer.of(0), bytes]));
}

function utf8(text: string): Buffer {
  return tlv(0x0c, Buffer.from(text, 'utf8'));
}

function oid(dotted: string): Buffer {
  const [first, second, ...rest] = dotted.split('.').map(Number);
  const bytes = [first! * 40 + second!];
  for (const arc of rest) {
    const groups = [arc & 0x7f];
    for (let value = arc >>> 7; value > 0; value >>>= 7) groups.unshift((value & 0x7f) | 0x80);
    bytes.push(...groups);
  }
  return tlv(0x06, Buffer.from(bytes));
}

/** UTCTime `YYMMDDHHMMSSZ` (dates before 2050, RFC 5280 §4.1.2.5.1). */
function time(date: Date): Buffer {
  const text = date.toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z';
  return tlv(0x17, Buffer.from(text, 'ascii'));
}

function pem(label: string, der: Buffer): string {
  const lines = der
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n');
  return `-----BEGIN ${label}-----\n${lines}\n-----END ${label}-----\n`;
}
