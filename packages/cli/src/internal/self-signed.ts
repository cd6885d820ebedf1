/** `--tls-self-signed`: a throwaway certificate for local development, made with `openssl`. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../command-line.js';
import { checkTlsMaterial, type TlsMaterial } from './files.js';

/** The names the certificate is valid for. */
export const SELF_SIGNED_NAMES = ['localhost', '127.0.0.1', '::1'];

/** A generated certificate: its material, the files that hold it (for workers), and cleanup. */
export interface SelfSigned {
  material: TlsMaterial;
  certFile: string;
  keyFile: string;
  /** Removes the private temporary folder holding the files (also done at process exit). */
  remove(): void;
}

// A config file rather than `-addext`: LibreSSL (macOS) has no `-addext`.
const CONFIG = `[req]
distinguished_name = dn
x509_extensions = v3
prompt = no
[dn]
CN = localhost
O = httpstack self-signed (development only)
[v3]
subjectAltName = DNS:localhost,IP:127.0.0.1,IP:::1
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
`;

/**
 * createSelfSigned makes an ECDSA P-256 certificate for localhost, 127.0.0.1 and ::1, valid
 * for 7 days, in a new private (0700) temporary folder, by running the `openssl` command.
 * Throws `UsageError` when `openssl` is missing or fails.
 *
 * **Security:** the certificate is trusted by nobody; clients must pin its fingerprint or
 * skip verification. Use it on your own machine only.
 */
export function createSelfSigned(): SelfSigned {
  const dir = mkdtempSync(join(tmpdir(), 'httpstack-tls-'));
  const remove = () => {
    rmSync(dir, { recursive: true, force: true });
    process.off('exit', remove);
  };
  process.on('exit', remove); // also when a second Ctrl-C exits at once
  try {
    const certFile = join(dir, 'cert.pem');
    const keyFile = join(dir, 'key.pem');
    writeFileSync(join(dir, 'openssl.cnf'), CONFIG, { mode: 0o600 });
    runOpenssl(['req', '-x509', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
      '-nodes', '-sha256', '-days', '7', '-config', join(dir, 'openssl.cnf'),
      '-keyout', keyFile, '-out', certFile]);
    const material = checkTlsMaterial(readFileSync(certFile), readFileSync(keyFile), undefined, 'self-signed');
    return { material, certFile, keyFile, remove };
  } catch (error) {
    remove();
    throw error;
  }
}

function runOpenssl(args: string[]): void {
  const result = spawnSync('openssl', args, { encoding: 'utf8', timeout: 30_000, stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.error) {
    const missing = (result.error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new UsageError(missing
      ? '--tls-self-signed needs the openssl command; install it, or pass --tls-cert and --tls-key'
      : `openssl failed: ${result.error.message}`);
  }
  if (result.status !== 0) {
    const detail = result.stderr.trim().split('\n').pop() ?? `exit code ${result.status}`;
    throw new UsageError(`openssl could not make a self-signed certificate: ${detail}`);
  }
}
