// A small GET client over node:http / node:https that reports what the tests check.
import * as http from 'node:http';
import * as https from 'node:https';
import type { TLSSocket } from 'node:tls';

export interface Got {
  status: number;
  httpVersion: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** True when the request went over a connection kept from an earlier one. */
  reusedSocket: boolean;
  /** The server certificate's SHA-256 fingerprint (HTTPS only). */
  fingerprint: string | undefined;
}

export type GetOptions = https.RequestOptions;

/** GETs `url` (or `options.socketPath`) and reads the whole body (10 s bound). */
export function get(url: string, options: GetOptions = {}): Promise<Got> {
  const client = url.startsWith('https:') ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.get(url, { timeout: 10_000, ...options }, (response) => {
      const socket = response.socket as TLSSocket;
      const fingerprint =
        typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate().fingerprint256 : undefined;
      let body = '';
      response.setEncoding('utf8').on('data', (text: string) => (body += text));
      response.on('error', reject).on('end', () =>
        resolve({
          status: response.statusCode!,
          httpVersion: response.httpVersion,
          headers: response.headers,
          body,
          reusedSocket: request.reusedSocket,
          fingerprint,
        }),
      );
    });
    request.on('timeout', () => request.destroy(new Error(`GET ${url} timed out`))).on('error', reject);
  });
}
