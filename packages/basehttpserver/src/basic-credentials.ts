/** Accounts for HTTP Basic authentication (RFC 7617): plain or scrypt-hashed passwords. */
import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/** scrypt cost of `hashPassword` (N, r, p): about 16 MiB and tens of ms per check. */
const COST = { N: 16384, r: 8, p: 1 };
const KEY_LENGTH = 32;
const HASHED = /^\$scrypt\$N=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/;
/** Checks of a hashed password remembered after they succeed (each costs tens of ms). */
const MAX_REMEMBERED = 256;

type Secret =
  | { kind: 'plain'; digest: Buffer }
  | { kind: 'scrypt'; N: number; r: number; p: number; salt: Buffer; hash: Buffer };

/**
 * BasicCredentials holds user names and their passwords, each given in plain text or as a
 * `$scrypt$N=…,r=…,p=…$salt$hash` entry made by `BasicCredentials.hashPassword()`.
 * `verify()` is what `BaseHTTPRequestHandler.authenticate()` consults by default.
 *
 * **Security:** passwords are compared in constant time (SHA-256 digests through
 * `timingSafeEqual`), and an unknown user costs the same comparison as a known one. A
 * hashed entry is checked with `scrypt` off the event loop; a successful check is
 * remembered (by a SHA-256 of user and password) so a browser's many requests do not each
 * pay for it.
 */
export class BasicCredentials {
  #accounts = new Map<string, Secret>();
  #remembered = new Set<string>();

  /**
   * Reads `user:password` lines (a password may hold `:`; blank lines and lines starting
   * with `#` are skipped). Throws `SyntaxError` naming the line of a malformed entry.
   */
  static parse(text: string): BasicCredentials {
    const credentials = new BasicCredentials();
    text.split(/\r?\n/).forEach((line, index) => {
      if (line.trim() === '' || line.startsWith('#')) return;
      const colon = line.indexOf(':');
      if (colon <= 0) throw new SyntaxError(`line ${index + 1}: expected USER:PASSWORD`);
      credentials.add(line.slice(0, colon), line.slice(colon + 1));
    });
    return credentials;
  }

  /** A `$scrypt$…` entry for `password`, with a fresh random salt, to store instead of the password. */
  static async hashPassword(password: string): Promise<string> {
    const salt = randomBytes(16);
    const hash = await scryptAsync(password, salt, COST.N, COST.r, COST.p);
    return `$scrypt$N=${COST.N},r=${COST.r},p=${COST.p}$${salt.toString('base64')}$${hash.toString('base64')}`;
  }

  /** Adds (or replaces) `user` with `secret`: a password, or a `$scrypt$…` entry. */
  add(user: string, secret: string): void {
    if (user === '' || user.includes(':')) throw new SyntaxError('a user name must be non-empty and hold no ":"');
    if (secret === '') throw new SyntaxError(`the password of ${user} is empty`);
    const hashed = HASHED.exec(secret);
    if (hashed === null) {
      this.#accounts.set(user, { kind: 'plain', digest: sha256(secret) });
      return;
    }
    const [, N, r, p, salt, hash] = hashed;
    this.#accounts.set(user, {
      kind: 'scrypt',
      N: Number(N),
      r: Number(r),
      p: Number(p),
      salt: Buffer.from(salt!, 'base64'),
      hash: Buffer.from(hash!, 'base64'),
    });
  }

  /** Whether `password` is the password of `user`. Synchronous for plain entries. */
  verify(user: string, password: string): boolean | Promise<boolean> {
    const secret = this.#accounts.get(user);
    if (secret === undefined || secret.kind === 'plain') {
      const matches = timingSafeEqual(sha256(password), secret?.digest ?? UNKNOWN_USER);
      return matches && secret !== undefined;
    }
    const key = sha256(`${user}\0${password}`).toString('base64');
    if (this.#remembered.has(key)) return true;
    return scryptAsync(password, secret.salt, secret.N, secret.r, secret.p).then(
      (hash) => {
        if (hash.length !== secret.hash.length || !timingSafeEqual(hash, secret.hash)) return false;
        if (this.#remembered.size >= MAX_REMEMBERED) this.#remembered.clear();
        this.#remembered.add(key);
        return true;
      },
      () => false,
    );
  }

  /** How many users there are. */
  get size(): number {
    return this.#accounts.size;
  }
}

const UNKNOWN_USER = randomBytes(32);

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

function scryptAsync(password: string, salt: Buffer, N: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, KEY_LENGTH, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}
