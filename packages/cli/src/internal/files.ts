/** Reads and checks what the command line names: the folder to serve and the TLS files. */
import { X509Certificate } from 'node:crypto';
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createSecureContext } from 'node:tls';
import type { BasicCredentials } from '@httpstack/basehttpserver';
import { UsageError, type CommandLine } from '../command-line.js';

/** A certificate and key ready for `node:tls`, with the certificate's SHA-256 fingerprint. */
export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  passphrase?: string;
  /** `AB:CD:…`, as browsers and `openssl x509 -fingerprint -sha256` show it. */
  fingerprint: string;
}

/** The absolute path of the folder to serve; throws `UsageError` if it is not a readable folder. */
export function checkDirectory(directory: string): string {
  const path = resolve(directory);
  try {
    if (!statSync(path).isDirectory()) throw Object.assign(new Error(), { code: 'ENOTDIR' });
    accessSync(path, constants.R_OK | constants.X_OK);
  } catch (error) {
    throw new UsageError(`cannot serve directory '${directory}': ${reason(error)}`);
  }
  return path;
}

/**
 * Loads `--tls-cert`, `--tls-key` and `--tls-password-file` and proves they work together by
 * building a TLS context; any failure is a `UsageError` naming the file. Without `--tls-key`
 * the key is read from the certificate file (Python's `load_cert_chain(certfile)`).
 */
export function loadTlsFiles(line: CommandLine): TlsMaterial | undefined {
  if (!line.tlsCert) return undefined;
  const cert = readOrFail('certificate', line.tlsCert);
  const key = line.tlsKey ? readOrFail('key', line.tlsKey) : cert;
  // Python strips the password file's text (`f.read().strip()`).
  const passphrase = line.tlsPasswordFile
    ? readOrFail('password', line.tlsPasswordFile).toString('utf8').trim()
    : undefined;
  return checkTlsMaterial(cert, key, passphrase, line.tlsCert);
}

/** Builds a TLS context from `cert` and `key` to check them; returns them with their fingerprint. */
export function checkTlsMaterial(cert: Buffer, key: Buffer, passphrase: string | undefined, name: string): TlsMaterial {
  try {
    createSecureContext(passphrase === undefined ? { cert, key } : { cert, key, passphrase });
  } catch (error) {
    throw new UsageError(`cannot use TLS certificate '${name}': ${reason(error)}`);
  }
  const material: TlsMaterial = { cert, key, fingerprint: new X509Certificate(cert).fingerprint256 };
  if (passphrase !== undefined) material.passphrase = passphrase;
  return material;
}

function readOrFail(what: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new UsageError(`cannot read TLS ${what} file '${file}': ${reason(error)}`);
  }
}

/** A short reason for a file or OpenSSL error: `no such file or directory`, `bad decrypt`. */
export function reason(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException;
  const known: Record<string, string> = {
    ENOENT: 'no such file or directory',
    EACCES: 'permission denied',
    ENOTDIR: 'not a directory',
    EISDIR: 'is a directory',
  };
  if (code && known[code]) return known[code];
  // OpenSSL messages look like `error:1E08010C:DECODER routines::unsupported`.
  return String(message ?? error)
    .replace(/^error:[0-9A-F]+:[^:]*:[^:]*:/, '')
    .split('\n')[0]!;
}

/**
 * When httpstack runs as root, CGI scripts run as `nobody` (as in Python): returns a
 * warning naming the first folder on the way to `directory` that others cannot enter
 * (a clone under a 0700 temporary folder, a home folder), or `undefined`.
 */
export function cgiAsNobodyWarning(directory: string): string | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (let dir = directory; ; dir = dirname(dir)) {
    const mode = statSync(dir).mode;
    if ((mode & 0o001) === 0) {
      return `running as root, CGI scripts run as nobody, who cannot enter ${dir} (mode ${(mode & 0o777).toString(8)}); scripts will fail with 500`;
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * The accounts of `--auth` or `--auth-file` (lines `USER:PASSWORD` or `USER:$scrypt$…`), or
 * `undefined` without either; a file that cannot be read or holds a malformed line is a
 * `UsageError` naming it.
 */
export async function loadCredentials(line: CommandLine): Promise<BasicCredentials | undefined> {
  if (line.auth === undefined && line.authFile === undefined) return undefined;
  const { BasicCredentials } = await import('@httpstack/basehttpserver'); // the layers load once the line is valid
  if (line.auth !== undefined) return BasicCredentials.parse(line.auth);
  let text: string;
  try {
    text = readFileSync(line.authFile!, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read --auth-file '${line.authFile}': ${reason(error)}`);
  }
  try {
    const credentials = BasicCredentials.parse(text);
    if (credentials.size === 0) throw new SyntaxError('no USER:PASSWORD line');
    return credentials;
  } catch (error) {
    throw new UsageError(`invalid --auth-file '${line.authFile}': ${(error as Error).message}`);
  }
}
