// The certificate --tls-self-signed makes: read back by OpenSSL (through node:crypto and node:tls).
import { X509Certificate } from 'node:crypto';
import * as tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import { selfSignedCertificate } from '../src/internal/x509.js';

describe('selfSignedCertificate (--tls-self-signed)', () => {
  const { cert, key } = selfSignedCertificate(['localhost', '127.0.0.1', '::1'], 7, 'httpstack test');
  const x509 = new X509Certificate(cert);

  it('is self-signed, for the names asked, valid for the days asked', () => {
    expect(x509.verify(x509.publicKey)).toBe(true);
    expect(x509.subject).toBe('CN=localhost\nO=httpstack test');
    expect(x509.issuer).toBe(x509.subject);
    expect(x509.subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
    expect(x509.ca).toBe(false);
    expect(x509.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    const days = (Date.parse(x509.validTo) - Date.parse(x509.validFrom)) / 86_400_000;
    expect(Math.round(days)).toBe(7);
    expect(Date.parse(x509.validFrom)).toBeLessThanOrEqual(Date.now());
  });

  it('gets a new key and serial number each time', () => {
    const other = new X509Certificate(selfSignedCertificate(['localhost'], 1, 'x').cert);
    expect(other.serialNumber).not.toBe(x509.serialNumber);
    expect(other.fingerprint256).not.toBe(x509.fingerprint256);
  });

  it.for([
    { name: 'localhost', servername: 'localhost' },
    { name: '127.0.0.1', servername: undefined },
  ])('passes TLS verification for $name by a client that trusts it', async ({ servername }) => {
    const server = tls.createServer({ cert, key }, (socket) => socket.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as { port: number }).port;
      const authorized = await new Promise<boolean>((resolve, reject) => {
        const socket = tls.connect({ port, host: '127.0.0.1', ca: cert, ...(servername ? { servername } : {}) }, () => {
          resolve(socket.authorized);
          socket.destroy();
        });
        socket.on('error', reject);
      });
      expect(authorized).toBe(true);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
