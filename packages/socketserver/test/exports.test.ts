// The public names of the package (test_socketserver.MiscTestCase.test_all): a change to
// this list is an API change, visible in review, with a changeset and a mapping entry.
import { expect, it } from 'vitest';
import * as socketserver from '../src/index.js';

it('exports exactly these runtime names', () => {
  expect(Object.keys(socketserver).sort()).toEqual([
    'BaseRequestHandler',
    'BaseServer',
    'BrokenPipeError',
    'BufferedReader',
    'BytesWriter',
    'DatagramRequestHandler',
    'ForkingMixIn',
    'ForkingTCPServer',
    'ForkingUDPServer',
    'ForkingUnixStreamServer',
    'SocketWriter',
    'StreamRequestHandler',
    'TCPServer',
    'UDPServer',
    'UnixStreamServer',
  ]);
});
