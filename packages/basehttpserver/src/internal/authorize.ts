/** The Basic authentication step of `parseRequest` (RFC 7617): credentials in, 401 out. */
import type { HTTPMessage } from '../http-message.js';

/** What the check needs from the handler. */
export interface Guarded {
  authRealm: string | null;
  authenticatedUser: string | undefined;
  headers: HTTPMessage;
  command: string;
  requestVersion: string;
  closeConnection: boolean;
  authenticate(user: string, password: string): boolean | Promise<boolean>;
  logError(format: string, ...args: unknown[]): void;
  sendResponse(code: number, message?: string): void;
  sendHeader(keyword: string, value: string | number): void;
  endHeaders(): void;
  wfile: { write(data: Buffer): unknown };
}

const PAGE = Buffer.from('401 Unauthorized: this server asks for a user name and password.\n', 'utf8');

/**
 * Checks the request's `Authorization: Basic` credentials with `authenticate()`. Resolves
 * true and sets `authenticatedUser` when they pass; otherwise sends 401 with
 * `WWW-Authenticate: Basic realm="…", charset="UTF-8"`, logs a failed attempt (the log
 * line starts with the client's address) and resolves false.
 */
export function authorize(h: Guarded, hasBody: boolean): boolean | Promise<boolean> {
  const given = parseBasic(h.headers.get('authorization'));
  if (given === undefined) return challenge(h, hasBody);
  const verdict = h.authenticate(given.user, given.password);
  if (typeof verdict === 'boolean') return settle(h, given.user, verdict, hasBody);
  return verdict.then((ok) => settle(h, given.user, ok, hasBody));
}

function settle(h: Guarded, user: string, ok: boolean, hasBody: boolean): boolean {
  if (ok) {
    h.authenticatedUser = user;
    return true;
  }
  h.logError('Authentication failed for user %r', user);
  return challenge(h, hasBody);
}

function challenge(h: Guarded, hasBody: boolean): false {
  if (hasBody) h.closeConnection = true; // the body is not read
  if (h.requestVersion === 'HTTP/0.9') h.requestVersion = 'HTTP/1.0'; // a status line, as sendError() gives
  const realm = h.authRealm!.replace(/[\\"]/g, '\\$&');
  h.sendResponse(401);
  h.sendHeader('WWW-Authenticate', `Basic realm="${realm}", charset="UTF-8"`);
  h.sendHeader('Content-Type', 'text/plain; charset=utf-8');
  h.sendHeader('Content-Length', PAGE.length);
  h.endHeaders();
  if (h.command !== 'HEAD') h.wfile.write(PAGE);
  return false;
}

/** `Basic <base64(user:password)>` (RFC 7617 §2), or `undefined` when absent or malformed. */
export function parseBasic(value: string | undefined): { user: string; password: string } | undefined {
  if (value === undefined) return undefined;
  const match = /^[ \t]*basic[ \t]+([A-Za-z0-9+/]+={0,2})[ \t]*$/i.exec(value);
  if (match === null) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0 || /[\u0000-\u001f\u007f]/.test(decoded)) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
