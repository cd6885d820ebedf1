/**
 * The TLS policy of `HTTPSServer` (no Python counterpart: Python takes `ssl`'s defaults),
 * and its answer to plain HTTP sent to the TLS port.
 */
import { constants } from 'node:crypto';
import type { Socket } from 'node:net';
import type { TlsOptions } from 'node:tls';
import { DEFAULT_ERROR_CONTENT_TYPE, DEFAULT_ERROR_MESSAGE } from '../error-message.js';
import { formatNamed, logDate } from './text.js';

/**
 * Forward-secret AEAD suites only, as Mozilla's "intermediate" profile (without DHE, which
 * needs parameters): every TLS 1.3 suite, then ECDHE with AES-GCM or ChaCha20-Poly1305 for
 * TLS 1.2. No RSA key exchange, no CBC, no SHA-1 MAC (LUCKY13, ROBOT).
 */
export const HTTPS_CIPHERS = [
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

/**
 * `tls` with the defaults of `HTTPSServer` under it (any option given wins): ALPN
 * `http/1.1`, TLS 1.2 at least, `HTTPS_CIPHERS`, no renegotiation, and a handshake bounded
 * by `handshakeTimeout` ms.
 */
export function httpsOptions(tls: TlsOptions, handshakeTimeout: number): TlsOptions {
  return {
    ALPNProtocols: ['http/1.1'],
    minVersion: 'TLSv1.2',
    ciphers: HTTPS_CIPHERS,
    honorCipherOrder: true,
    // A client-initiated renegotiation costs the server a full handshake per request.
    secureOptions: constants.SSL_OP_NO_RENEGOTIATION,
    handshakeTimeout,
    ...tls,
  };
}

/** The reason phrase of the answer to plain HTTP on the TLS port (nginx's words). */
export const PLAIN_HTTP_MESSAGE = 'The plain HTTP request was sent to HTTPS port';

/**
 * Answers a connection that sent plain text to the TLS port with a `400` that says so, in
 * clear text (nginx does the same), then hands it to `close` (which half-closes it).
 */
export function answerPlainHTTP(socket: Socket, close: (socket: Socket) => void): void {
  const body = Buffer.from(
    formatNamed(DEFAULT_ERROR_MESSAGE, {
      code: 400,
      message: PLAIN_HTTP_MESSAGE,
      explain: 'Use https:// to reach this port',
    }),
  );
  socket.write(
    `HTTP/1.1 400 ${PLAIN_HTTP_MESSAGE}\r\nConnection: close\r\nContent-Type: ${DEFAULT_ERROR_CONTENT_TYPE}\r\n` +
      `Content-Length: ${body.length}\r\n\r\n`,
    'latin1',
  );
  socket.write(body);
  close(socket);
}

/** The log line for it, in Python's `log_message` format. */
export function plainHTTPLogLine(host: string): string {
  return `${host} - - [${logDate(new Date())}] code 400, message ${PLAIN_HTTP_MESSAGE}\n`;
}
