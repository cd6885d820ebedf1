// Trusted forwarding headers: X-Forwarded-For / X-Forwarded-Proto and Forwarded (RFC 7239)
// set clientAddress (and so the access log) only for requests from `trustedProxies`.
import { once } from 'node:events';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { HTTPMessage, HTTPServer, type HTTPServerOptions } from '../src/index.js';
import { forwardedClient, trustedProxyList, isTrusted } from '../src/internal/forwarded.js';
import { logs, QuietHandler, serve } from './helpers.js';

const PROXIES = trustedProxyList(['127.0.0.1', '10.0.0.0/8', 'fd00::/8']);
const trusted = (host: string) => isTrusted(PROXIES, host);

describe('forwardedClient (rightmost untrusted hop)', () => {
  it.for([
    {
      name: 'one hop',
      fields: [['X-Forwarded-For', '203.0.113.7']],
      want: { address: ['203.0.113.7', 0], proto: undefined },
    },
    {
      name: 'spoofed left part ignored',
      fields: [['X-Forwarded-For', '6.6.6.6, 203.0.113.7']],
      want: { address: ['203.0.113.7', 0] },
    },
    {
      name: 'trusted hops skipped',
      fields: [['X-Forwarded-For', '198.51.100.1, 203.0.113.7, 10.1.2.3, 10.9.9.9']],
      want: { address: ['203.0.113.7', 0] },
    },
    {
      name: 'repeated header lines joined in order',
      fields: [
        ['X-Forwarded-For', '6.6.6.6'],
        ['X-Forwarded-For', '203.0.113.8, 10.0.0.1'],
      ],
      want: { address: ['203.0.113.8', 0] },
    },
    {
      name: 'all hops trusted: the leftmost',
      fields: [['X-Forwarded-For', '10.0.0.5, 10.0.0.6']],
      want: { address: ['10.0.0.5', 0] },
    },
    {
      name: 'garbage stops the walk at the last trusted hop',
      fields: [['X-Forwarded-For', '203.0.113.7, evil, 10.0.0.6']],
      want: { address: ['10.0.0.6', 0] },
    },
    {
      name: 'garbage next to the peer: nothing',
      fields: [['X-Forwarded-For', '203.0.113.7, not-an-ip']],
      want: undefined,
    },
    {
      name: 'IPv4 with a port',
      fields: [['X-Forwarded-For', '203.0.113.7:4711']],
      want: { address: ['203.0.113.7', 4711] },
    },
    { name: 'IPv6', fields: [['X-Forwarded-For', '2001:db8::7']], want: { address: ['2001:db8::7', 0] } },
    {
      name: 'bracketed IPv6 with a port',
      fields: [['X-Forwarded-For', '[2001:db8::7]:80']],
      want: { address: ['2001:db8::7', 80] },
    },
    { name: 'IPv6 zone id refused', fields: [['X-Forwarded-For', 'fe80::1%eth0']], want: undefined },
    { name: 'empty', fields: [['X-Forwarded-For', '']], want: undefined },
    {
      name: 'proto https',
      fields: [
        ['X-Forwarded-For', '203.0.113.7'],
        ['X-Forwarded-Proto', 'HTTPS'],
      ],
      want: { proto: 'https' },
    },
    {
      name: 'proto: the last value',
      fields: [
        ['X-Forwarded-For', '203.0.113.7'],
        ['X-Forwarded-Proto', 'https, http'],
      ],
      want: { proto: 'http' },
    },
    {
      name: 'proto other than http(s) ignored',
      fields: [
        ['X-Forwarded-For', '203.0.113.7'],
        ['X-Forwarded-Proto', 'gopher'],
      ],
      want: { proto: undefined },
    },
    { name: 'Forwarded sent by the client is ignored', fields: [['Forwarded', 'for=6.6.6.6']], want: undefined },
  ])('X-Forwarded-For: $name', ({ fields, want }) => {
    const got = forwardedClient(new HTTPMessage(fields as Array<[string, string]>), 'x-forwarded-for', trusted);
    if (want === undefined) expect(got).toBeUndefined();
    else expect(got).toMatchObject(want);
  });

  it.for([
    { name: 'RFC 7239 example', value: 'for=192.0.2.43, for=198.51.100.17', want: { address: ['198.51.100.17', 0] } },
    {
      name: 'quoted IPv6 with port',
      value: 'for="[2001:db8:cafe::17]:4711"',
      want: { address: ['2001:db8:cafe::17', 4711] },
    },
    {
      name: 'proto and by',
      value: 'for=192.0.2.60;proto=https;by=203.0.113.43',
      want: { address: ['192.0.2.60', 0], proto: 'https' },
    },
    {
      name: 'case-insensitive keys',
      value: 'For=192.0.2.60;Proto=http',
      want: { address: ['192.0.2.60', 0], proto: 'http' },
    },
    {
      name: 'trusted hop skipped',
      value: 'for=192.0.2.60;proto=https, for=10.0.0.2;proto=http',
      want: { address: ['192.0.2.60', 0], proto: 'https' },
    },
    {
      name: 'unknown stops the walk',
      value: 'for=192.0.2.60, for=unknown, for=10.0.0.2',
      want: { address: ['10.0.0.2', 0] },
    },
    { name: 'obfuscated identifier', value: 'for=_hidden', want: undefined },
    {
      name: 'quoted comma inside a value',
      value: 'for=192.0.2.1;ext="a,b", for=198.51.100.9',
      want: { address: ['198.51.100.9', 0] },
    },
    { name: 'escaped quote', value: 'ext="a\\"b";for=198.51.100.9', want: { address: ['198.51.100.9', 0] } },
    { name: 'unterminated quote: ignored', value: 'for="192.0.2.1, for=198.51.100.9', want: undefined },
    { name: 'pair without =: ignored', value: 'for, for=198.51.100.9', want: undefined },
    {
      name: 'IPv6 without brackets (invalid in RFC 7239, accepted as an IP)',
      value: 'for="2001:db8::9"',
      want: { address: ['2001:db8::9', 0] },
    },
    { name: 'brackets around IPv4 refused', value: 'for="[192.0.2.1]"', want: undefined },
    { name: 'port over 65535 refused', value: 'for="192.0.2.1:70000"', want: undefined },
  ])('Forwarded: $name', ({ value, want }) => {
    const got = forwardedClient(
      new HTTPMessage([
        ['Forwarded', value],
        ['X-Forwarded-For', '6.6.6.6'],
      ]),
      'forwarded',
      trusted,
    );
    if (want === undefined) expect(got).toBeUndefined();
    else expect(got).toMatchObject(want);
  });

  it.for(['1.2.3.4/33', 'fd00::/129', 'example.com', '10.0.0.0/8/8', '10.0.0.0/x', ''])(
    'trustedProxyList(%j) throws TypeError',
    (entry) => {
      expect(() => trustedProxyList([entry])).toThrow(TypeError);
    },
  );

  it('IPv4-mapped IPv6 peers match IPv4 entries', () => {
    expect(trusted('::ffff:127.0.0.1')).toBe(true);
    expect(trusted('::ffff:192.0.2.1')).toBe(false);
    expect(trusted('fd12::1')).toBe(true);
  });
});

/** Answers `<clientAddress JSON> <peerAddress JSON> <forwardedProto>`, keep-alive. */
class WhoHandler extends QuietHandler {
  override protocolVersion = 'HTTP/1.1';
  async do_GET(): Promise<void> {
    const body = Buffer.from(
      `${JSON.stringify(this.clientAddress)} ${JSON.stringify(this.peerAddress)} ${this.forwardedProto ?? '-'}`,
    );
    this.sendResponse(200);
    this.sendHeader('Content-Length', body.length);
    this.endHeaders();
    await this.wfile.write(body);
  }
}

/** Sends `requests` on one connection and resolves with the bodies of the answers. */
async function ask(port: number, requests: string[]): Promise<string[]> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  let text = '';
  socket.on('data', (data: Buffer) => (text += data.toString('latin1')));
  socket.end(requests.join(''));
  await once(socket, 'close');
  return text
    .split(/HTTP\/1\.1 200 OK\r\n/)
    .slice(1)
    .map((answer) => answer.slice(answer.indexOf('\r\n\r\n') + 4));
}

const get = (headers = '') => `GET / HTTP/1.1\r\nHost: x\r\n${headers}\r\n`;

async function serveWho(options: HTTPServerOptions): Promise<number> {
  return (await serve(WhoHandler, options)).port;
}

describe('HTTPServer.trustedProxies over a real socket', () => {
  it('not configured (the default): forwarding headers are never believed', async () => {
    const port = await serveWho({});
    const [answer] = await ask(port, [get('X-Forwarded-For: 203.0.113.7\r\nForwarded: for=203.0.113.8\r\n')]);
    expect(answer).toMatch(/^\["127\.0\.0\.1",\d+\] \["127\.0\.0\.1",\d+\] -$/);
  });

  it('from a trusted peer: clientAddress, forwardedProto and the access log name the client', async () => {
    const port = await serveWho({ trustedProxies: ['127.0.0.0/8'] });
    const [answer] = await ask(port, [get('X-Forwarded-For: 6.6.6.6, 203.0.113.7\r\nX-Forwarded-Proto: https\r\n')]);
    expect(answer).toMatch(/^\["203\.0\.113\.7",0\] \["127\.0\.0\.1",\d+\] https$/);
    expect(logs.at(-1)).toMatch(/^203\.0\.113\.7 - - \[/);
  });

  it('each request on a kept-alive proxy connection names its own client', async () => {
    const port = await serveWho({ trustedProxies: ['127.0.0.1'] });
    const answers = await ask(port, [
      get('X-Forwarded-For: 203.0.113.1\r\n'),
      get(),
      get('X-Forwarded-For: 203.0.113.3\r\n'),
    ]);
    expect(answers.map((answer) => answer.split(' ')[0])).toEqual([
      '["203.0.113.1",0]',
      expect.stringMatching(/^\["127\.0\.0\.1",\d+\]$/),
      '["203.0.113.3",0]',
    ]);
  });

  it("forwardedHeader 'forwarded': RFC 7239 is read and X-Forwarded-For ignored", async () => {
    const port = await serveWho({ trustedProxies: ['127.0.0.1'], forwardedHeader: 'forwarded' });
    const [answer] = await ask(port, [
      get('X-Forwarded-For: 6.6.6.6\r\nForwarded: for="[2001:db8::5]:4711";proto=https\r\n'),
    ]);
    expect(answer).toMatch(/^\["2001:db8::5",4711\] \["127\.0\.0\.1",\d+\] https$/);
  });

  it('a peer outside the list: headers ignored', async () => {
    const port = await serveWho({ trustedProxies: ['10.0.0.0/8'] });
    const [answer] = await ask(port, [get('X-Forwarded-For: 203.0.113.7\r\n')]);
    expect(answer).toMatch(/^\["127\.0\.0\.1",\d+\]/);
  });

  it('a bad entry or header name fails serverBind() with TypeError', async () => {
    await expect(
      new HTTPServer(['127.0.0.1', 0], WhoHandler, { trustedProxies: ['localhost'] }).serverBind(),
    ).rejects.toThrow(TypeError);
    const options = { forwardedHeader: 'x-real-ip' } as unknown as HTTPServerOptions;
    await expect(new HTTPServer(['127.0.0.1', 0], WhoHandler, options).serverBind()).rejects.toThrow(/forwardedHeader/);
  });
});
