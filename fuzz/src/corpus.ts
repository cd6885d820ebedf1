/**
 * Known request-smuggling and parser-confusion vectors (PortSwigger's CL.TE / TE.CL /
 * TE.TE research, RFC 9112 §6.3 and §11.2, llhttp's and Go's parser tests), as raw bytes.
 */
import type { DecisionKey } from './decisions.js';

/** One vector: a name and the bytes sent on a fresh connection. */
export interface Vector {
  name: string;
  input: string;
  /** The documented decision that explains a disagreement with llhttp; none: they must agree. */
  expect?: DecisionKey;
}

const GET2 = 'GET /second HTTP/1.1\r\nHost: a\r\n\r\n';
const post = (fields: string, body: string) => `POST /first HTTP/1.1\r\nHost: a\r\n${fields}\r\n${body}`;

/** The smuggling corpus: each input is followed by a second request that must not be misframed. */
export const VECTORS: Vector[] = [
  { name: 'CL.TE', input: post('Content-Length: 6\r\nTransfer-Encoding: chunked\r\n', '0\r\n\r\nG') + GET2 },
  {
    name: 'TE.CL',
    input: post('Transfer-Encoding: chunked\r\nContent-Length: 3\r\n', '8\r\nSMUGGLED\r\n0\r\n\r\n') + GET2,
  },
  { name: 'TE.TE chunked, identity', input: post('Transfer-Encoding: chunked, identity\r\n', '0\r\n\r\n') + GET2 },
  {
    name: 'TE.TE identity, chunked',
    input: post('Transfer-Encoding: identity, chunked\r\n', '0\r\n\r\n') + GET2,
    expect: 'te-codings',
  },
  {
    name: 'TE.TE two fields chunked + identity',
    input: post('Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n', '0\r\n\r\n') + GET2,
  },
  {
    name: 'TE.TE two fields chunked twice',
    input: post('Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n', '0\r\n\r\n') + GET2,
  },
  { name: 'TE.TE chunked with a trailing comma', input: post('Transfer-Encoding: chunked,\r\n', '0\r\n\r\n') + GET2 },
  {
    name: 'TE.TE leading comma',
    input: post('Transfer-Encoding: , chunked\r\n', '0\r\n\r\n') + GET2,
    expect: 'te-codings',
  },
  {
    name: 'TE.TE empty field then chunked',
    input: post('Transfer-Encoding:\r\nTransfer-Encoding: chunked\r\n', '0\r\n\r\n') + GET2,
    expect: 'te-codings',
  },
  { name: 'TE.TE xchunked', input: post('Transfer-Encoding: xchunked\r\n', '0\r\n\r\n') + GET2 },
  { name: 'TE.TE chunkedx', input: post('Transfer-Encoding: chunkedx\r\n', '0\r\n\r\n') + GET2 },
  { name: 'TE.TE upper case CHUNKED', input: post('Transfer-Encoding: CHUNKED\r\n', '0\r\n\r\n') + GET2 },
  { name: 'TE.TE quoted "chunked"', input: post('Transfer-Encoding: "chunked"\r\n', '0\r\n\r\n') + GET2 },
  { name: 'TE.TE space before colon', input: post('Transfer-Encoding : chunked\r\n', '0\r\n\r\n') + GET2 },
  { name: 'TE.TE tab before value', input: post('Transfer-Encoding:\tchunked\r\n', '0\r\n\r\n') + GET2 },
  {
    name: 'TE.TE tab after value',
    input: post('Transfer-Encoding: chunked\t\r\n', '0\r\n\r\n') + GET2,
    expect: 'trailing-htab',
  },
  { name: 'TE.TE \\x0b before value', input: post('Transfer-Encoding:\x0bchunked\r\n', '0\r\n\r\n') + GET2 },
  { name: 'TE.TE \\x0c after value', input: post('Transfer-Encoding: chunked\x0c\r\n', '0\r\n\r\n') + GET2 },
  { name: 'TE.TE obs-fold', input: post('Transfer-Encoding:\r\n chunked\r\n', '0\r\n\r\n') + GET2 },
  { name: 'TE.TE X: y then folded TE', input: post('X: y\r\n Transfer-Encoding: chunked\r\n', '0\r\n\r\n') + GET2 },
  { name: 'TE.TE underscore name', input: post('Transfer_Encoding: chunked\r\n', '0\r\n\r\n') + GET2 },
  {
    name: 'TE on HTTP/1.0',
    input: 'POST /first HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n' + GET2,
    expect: 'te-http10',
  },
  {
    name: 'TE gzip, chunked',
    input: post('Transfer-Encoding: gzip, chunked\r\n', '0\r\n\r\n') + GET2,
    expect: 'te-codings',
  },
  { name: 'CL twice equal', input: post('Content-Length: 3\r\nContent-Length: 3\r\n', 'abc') + GET2 },
  { name: 'CL twice different', input: post('Content-Length: 3\r\nContent-Length: 5\r\n', 'abcde') + GET2 },
  { name: 'CL list 3, 3', input: post('Content-Length: 3, 3\r\n', 'abc') + GET2 },
  { name: 'CL plus sign', input: post('Content-Length: +3\r\n', 'abc') + GET2 },
  { name: 'CL negative', input: post('Content-Length: -3\r\n', 'abc') + GET2 },
  { name: 'CL 0x prefix', input: post('Content-Length: 0x3\r\n', 'abc') + GET2 },
  { name: 'CL leading zeros', input: post('Content-Length: 0003\r\n', 'abc') + GET2 },
  { name: 'CL with space inside', input: post('Content-Length: 1 2\r\n', 'abcdefghijkl') + GET2 },
  { name: 'CL huge', input: post('Content-Length: 99999999999999999999\r\n', 'abc') + GET2 },
  { name: 'CL tab after value', input: post('Content-Length: 3\t\r\n', 'abc') + GET2, expect: 'trailing-htab' },
  { name: 'CL space before colon', input: post('Content-Length : 3\r\n', 'abc') + GET2 },
  { name: 'CL \\x0b in value', input: post('Content-Length: \x0b3\r\n', 'abc') + GET2 },
  { name: 'CL empty', input: post('Content-Length:\r\n', '') + GET2 },
  { name: 'chunk size 0x prefix', input: post('Transfer-Encoding: chunked\r\n', '0x3\r\nabc\r\n0\r\n\r\n') + GET2 },
  { name: 'chunk size plus sign', input: post('Transfer-Encoding: chunked\r\n', '+3\r\nabc\r\n0\r\n\r\n') + GET2 },
  { name: 'chunk size negative', input: post('Transfer-Encoding: chunked\r\n', '-3\r\nabc\r\n0\r\n\r\n') + GET2 },
  {
    name: 'chunk size over-long (overflow)',
    input: post('Transfer-Encoding: chunked\r\n', '10000000000000003\r\nabc\r\n0\r\n\r\n') + GET2,
  },
  {
    name: 'chunk size leading zeros',
    input: post('Transfer-Encoding: chunked\r\n', '0003\r\nabc\r\n0\r\n\r\n') + GET2,
  },
  {
    name: 'chunk size space before CRLF',
    input: post('Transfer-Encoding: chunked\r\n', '3 \r\nabc\r\n0\r\n\r\n') + GET2,
  },
  { name: 'chunk ext token', input: post('Transfer-Encoding: chunked\r\n', '3;a=b\r\nabc\r\n0\r\n\r\n') + GET2 },
  { name: 'chunk ext quoted', input: post('Transfer-Encoding: chunked\r\n', '3;a="b c"\r\nabc\r\n0\r\n\r\n') + GET2 },
  { name: 'chunk ext bare CR', input: post('Transfer-Encoding: chunked\r\n', '3;a\rb\r\nabc\r\n0\r\n\r\n') + GET2 },
  {
    name: 'chunk ext LF only (TE.0 style)',
    input: post('Transfer-Encoding: chunked\r\n', '3;a\nabc\r\n0\r\n\r\n') + GET2,
  },
  { name: 'chunk size line bare LF', input: post('Transfer-Encoding: chunked\r\n', '3\nabc\r\n0\r\n\r\n') + GET2 },
  {
    name: 'chunk data longer than size',
    input: post('Transfer-Encoding: chunked\r\n', '3\r\nabcdef\r\n0\r\n\r\n') + GET2,
  },
  { name: 'chunk data end bare LF', input: post('Transfer-Encoding: chunked\r\n', '3\r\nabc\n0\r\n\r\n') + GET2 },
  { name: 'last chunk without final CRLF', input: post('Transfer-Encoding: chunked\r\n', '0\r\n') + GET2 },
  { name: 'trailer field', input: post('Transfer-Encoding: chunked\r\n', '0\r\nX-T: 1\r\n\r\n') + GET2 },
  { name: 'trailer obs-fold', input: post('Transfer-Encoding: chunked\r\n', '0\r\nX-T: 1\r\n 2\r\n\r\n') + GET2 },
  { name: 'trailer without colon', input: post('Transfer-Encoding: chunked\r\n', '0\r\nX-T\r\n\r\n') + GET2 },
  { name: 'NUL in value', input: 'GET /first HTTP/1.1\r\nHost: a\r\nX: a\x00b\r\n\r\n' + GET2 },
  { name: 'bare CR in value', input: 'GET /first HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n' + GET2 },
  { name: 'bare CR as line end', input: 'GET /first HTTP/1.1\r\nHost: a\rX: b\r\n\r\n' + GET2 },
  { name: '\\x0b in value', input: 'GET /first HTTP/1.1\r\nHost: a\r\nX: a\x0bb\r\n\r\n' + GET2 },
  { name: '\\x0c in value', input: 'GET /first HTTP/1.1\r\nHost: a\r\nX: a\x0cb\r\n\r\n' + GET2 },
  { name: 'DEL in value', input: 'GET /first HTTP/1.1\r\nHost: a\r\nX: a\x7fb\r\n\r\n' + GET2 },
  { name: 'obs-text in value', input: 'GET /first HTTP/1.1\r\nHost: a\r\nX: a\xe9b\r\n\r\n' + GET2 },
  { name: 'obs-fold', input: 'GET /first HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n' + GET2 },
  { name: 'space before colon', input: 'GET /first HTTP/1.1\r\nHost: a\r\nX : a\r\n\r\n' + GET2 },
  { name: 'empty header name', input: 'GET /first HTTP/1.1\r\nHost: a\r\n: a\r\n\r\n' + GET2 },
  { name: 'header line without colon', input: 'GET /first HTTP/1.1\r\nHost: a\r\nXa\r\n\r\n' + GET2 },
  { name: 'bare LF line ends', input: 'GET /first HTTP/1.1\nHost: a\n\n' + GET2, expect: 'bare-lf' },
  { name: 'bare LF at head end', input: 'GET /first HTTP/1.1\r\nHost: a\r\n\n' + GET2, expect: 'bare-lf' },
  { name: 'missing Host', input: 'GET /first HTTP/1.1\r\n\r\n' + GET2, expect: 'host' },
  { name: 'two Host', input: 'GET /first HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n' + GET2, expect: 'host' },
  { name: 'Host with space', input: 'GET /first HTTP/1.1\r\nHost: a b\r\n\r\n' + GET2, expect: 'host' },
  { name: 'Host with slash', input: 'GET /first HTTP/1.1\r\nHost: a/b\r\n\r\n' + GET2, expect: 'host' },
  {
    name: 'request line two spaces',
    input: 'GET  /first HTTP/1.1\r\nHost: a\r\n\r\n' + GET2,
    expect: 'request-line-spaces',
  },
  {
    name: 'request line two spaces after a body',
    input: post('Content-Length: 1\r\n', ' ') + 'GET  /second HTTP/1.1\r\nHost: a\r\n\r\n',
    expect: 'request-line-spaces',
  },
  {
    name: 'request line two spaces on both sides of the target',
    input: 'GET  /first  HTTP/1.1\r\nHost: a\r\n\r\n' + GET2,
    expect: 'request-line-spaces',
  },
  { name: 'request line trailing space', input: 'GET /first HTTP/1.1 \r\nHost: a\r\n\r\n' + GET2 },
  { name: 'request line tab separator', input: 'GET\t/first HTTP/1.1\r\nHost: a\r\n\r\n' + GET2 },
  { name: 'lower-case method', input: 'get /first HTTP/1.1\r\nHost: a\r\n\r\n' + GET2 },
  { name: 'unknown method', input: 'SPAM /first HTTP/1.1\r\nHost: a\r\n\r\n' + GET2 },
  { name: 'lower-case version', input: 'GET /first http/1.1\r\nHost: a\r\n\r\n' + GET2 },
  { name: 'HTTP/1.2', input: 'GET /first HTTP/1.2\r\nHost: a\r\n\r\n' + GET2, expect: 'minor-version' },
  { name: 'HTTP/2.0', input: 'GET /first HTTP/2.0\r\nHost: a\r\n\r\n' + GET2, expect: 'version-major' },
  { name: 'HTTP/0.9 simple request', input: 'GET /first\r\n', expect: 'http09' },
  { name: 'HTTP/1.10', input: 'GET /first HTTP/1.10\r\nHost: a\r\n\r\n' + GET2 },
  { name: 'NUL in target', input: 'GET /fi\x00rst HTTP/1.1\r\nHost: a\r\n\r\n' + GET2 },
  { name: 'DEL in target', input: 'GET /fi\x7frst HTTP/1.1\r\nHost: a\r\n\r\n' + GET2 },
  { name: 'obs-text in target', input: 'GET /fi\xe9rst HTTP/1.1\r\nHost: a\r\n\r\n' + GET2, expect: 'obs-text-target' },
  { name: 'fragment in target', input: 'GET /first#frag HTTP/1.1\r\nHost: a\r\n\r\n' + GET2 },
  { name: 'absolute-form target', input: 'GET http://a/first HTTP/1.1\r\nHost: a\r\n\r\n' + GET2 },
  { name: 'asterisk-form OPTIONS', input: 'OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n' + GET2 },
  {
    name: 'a target that starts with * and goes on',
    input: 'GET */x HTTP/1.1\r\nHost: a\r\n\r\n' + GET2,
    expect: 'asterisk-form',
  },
  { name: 'authority-form CONNECT', input: 'CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n', expect: 'connect' },
  { name: 'leading CRLF before request', input: '\r\n\r\nGET /first HTTP/1.1\r\nHost: a\r\n\r\n' + GET2 },
  {
    name: 'bare CR before the next request line',
    input: 'GET /first HTTP/1.1\r\nHost: a\r\n\r\n\r' + GET2,
    expect: 'bare-cr-before-request',
  },
  { name: 'GET with body by CL', input: 'GET /first HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello' + GET2 },
  { name: 'Expect 100-continue', input: post('Expect: 100-continue\r\nContent-Length: 3\r\n', 'abc') + GET2 },
  {
    name: 'Connection: close with a trailing tab then pipelined',
    input: 'GET /first HTTP/1.1\r\nHost: a\r\nConnection: close\t\r\n\r\n' + GET2,
    expect: 'close-htab',
  },
  {
    name: 'Connection: close then pipelined',
    input: 'GET /first HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n' + GET2,
  },
  { name: 'HTTP/1.0 keep-alive then pipelined', input: 'GET /first HTTP/1.0\r\nConnection: keep-alive\r\n\r\n' + GET2 },
  { name: 'HTTP/1.0 without keep-alive then pipelined', input: 'GET /first HTTP/1.0\r\n\r\n' + GET2 },
  // Only SP and HTAB are optional whitespace (RFC 9110 §5.6.3): NBSP and NEL (obs-text), VT and FF (CTL)
  // around a framing token must never be trimmed into it (HTTP Garden: `\xa0chunked`).
  ...['\xa0', '\x85', '\x0b', '\x0c'].flatMap((byte) => {
    const shown = `\\x${byte.charCodeAt(0).toString(16).padStart(2, '0')}`;
    return [
      {
        name: `TE.TE ${shown} before chunked`,
        input: post(`Transfer-Encoding: ${byte}chunked\r\n`, '0\r\n\r\n') + GET2,
      },
      {
        name: `TE.TE ${shown} after chunked`,
        input: post(`Transfer-Encoding: chunked${byte}\r\n`, '0\r\n\r\n') + GET2,
      },
      { name: `CL ${shown} after value`, input: post(`Content-Length: 3${byte}\r\n`, 'abc') + GET2 },
      {
        name: `Connection: close${shown} then pipelined`,
        input: `GET /first HTTP/1.1\r\nHost: a\r\nConnection: close${byte}\r\n\r\n` + GET2,
      },
      {
        name: `Expect: ${shown}100-continue`,
        input: post(`Expect: ${byte}100-continue\r\nContent-Length: 3\r\n`, 'abc') + GET2,
      },
      {
        name: `X-Forwarded-For ${shown} entry`,
        input: `GET /first HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: ${byte}192.0.2.1\r\n\r\n` + GET2,
      },
    ];
  }),
];
