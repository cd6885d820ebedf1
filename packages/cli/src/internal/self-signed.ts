/** `--tls-self-signed`: a throwaway certificate for local development. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkTlsMaterial, type TlsMaterial } from './files.js';
import { selfSignedCertificate } from './x509.js';

/** The names the certificate is valid for. */
export const SELF_SIGNED_NAMES = ['localhost', '127.0.0.1', '::1'];
/** How long the certificate is valid, in days. */
export const SELF_SIGNED_DAYS = 7;

/** A generated certificate: its material, the files that hold it (for workers), and cleanup. */
export interface SelfSigned {
  material: TlsMaterial;
  certFile: string;
  keyFile: string;
  /** Removes the private temporary folder holding the files (also done at process exit). */
  remove(): void;
}

/**
 * createSelfSigned makes an ECDSA P-256 certificate for localhost, 127.0.0.1 and ::1, valid
 * for 7 days, with `node:crypto` (no `openssl` needed), and writes it with its key into a
 * new private (0700) temporary folder, for `--workers` to read.
 *
 * **Security:** the certificate is trusted by nobody; clients must pin its fingerprint or
 * skip verification. Use it on your own machine only. The key file is readable by the
 * user only and removed on exit.
 */
export function createSelfSigned(): SelfSigned {
  const { cert, key } = selfSignedCertificate(
    SELF_SIGNED_NAMES,
    SELF_SIGNED_DAYS,
    'httpstack self-signed (development only)',
  );
  const dir = mkdtempSync(join(tmpdir(), 'httpstack-tls-'));
  const remove = () => {
    rmSync(dir, { recursive: true, force: true });
    process.off('exit', remove);
  };
  process.on('exit', remove); // also when a second Ctrl-C exits at once
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  writeFileSync(certFile, cert, { mode: 0o600 });
  writeFileSync(keyFile, key, { mode: 0o600 });
  const material = checkTlsMaterial(Buffer.from(cert), Buffer.from(key), undefined, 'self-signed');
  return { material, certFile, keyFile, remove };
}
