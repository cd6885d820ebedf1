/** Reads the PROXY protocol header off a fresh connection. No Python counterpart. */
import type { Socket } from 'node:net';
import { parseProxyHeader, type ProxyHeader } from './proxy-protocol.js';

/** Why a connection's PROXY header was refused (malformed, missing, late, or cut short). */
export class ProxyHeaderError extends Error {
  override name = 'ProxyHeaderError';
}

/**
 * Resolves with the PROXY header at the start of `socket`, leaving every byte after it
 * unread on the socket (in paused-then-default mode, so the handler's first `'data'`
 * listener gets them). Rejects when the header is malformed, when the connection ends
 * first, or after `timeout` ms; the caller closes the connection then.
 */
export function readProxyHeader(socket: Socket, timeout: number): Promise<ProxyHeader> {
  return new Promise((resolve, reject) => {
    let received: Buffer | undefined;
    const timer = setTimeout(() => fail('no complete PROXY header within the time limit'), timeout);
    const done = () => {
      clearTimeout(timer);
      socket.off('readable', onReadable).off('end', onEnd).off('close', onEnd).off('error', onEnd);
    };
    const fail = (reason: string) => {
      done();
      reject(new ProxyHeaderError(reason));
    };
    const onEnd = () => fail('connection closed before the PROXY header');
    const onReadable = () => {
      for (let chunk: Buffer | null; (chunk = socket.read() as Buffer | null) !== null; ) {
        received = received ? Buffer.concat([received, chunk]) : chunk;
        const result = parseProxyHeader(received);
        if (result === 'incomplete') continue;
        if ('error' in result) return fail(result.error);
        done();
        if (received.length > result.length) socket.unshift(received.subarray(result.length));
        return resolve(result);
      }
    };
    socket.on('readable', onReadable).on('end', onEnd).on('close', onEnd).on('error', onEnd);
  });
}
