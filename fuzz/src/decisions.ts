/**
 * Where our parser and llhttp (Node's `node:http`, strict defaults) knowingly disagree:
 * each decision names the rule, which side is stricter and why. `classify` explains an
 * observed disagreement by one of them, or returns undefined: an unexplained finding.
 * `docs/security.md` ("Differential fuzzing") lists the same table.
 */
import { trimOWS } from '@httpstack/basehttpserver';
import type { Echo } from './echo.js';
import type { Comparison } from './wire.js';

/** One documented disagreement. */
export interface Decision {
  /** `ours`: we refuse what llhttp accepts; `node`: llhttp refuses what we accept. */
  stricter: 'ours' | 'node';
  why: string;
}

/** The documented disagreements, by key. */
export const DECISIONS = {
  'te-codings': {
    stricter: 'ours',
    why: 'a transfer coding other than chunked (`identity, chunked`, `gzip, chunked`): 501 — we decode no other coding; llhttp passes the body through undecoded. An empty `Transfer-Encoding` or an empty list element (`chunked,`, `, chunked`, an empty field and a `chunked` one): 400, as Go and nginx do; llhttp ignores an empty value and some empty elements (it refuses `chunked,`). A coding with NBSP or NEL next to it (`chunked\\xa0`) is an unknown coding, not `chunked`: only SP and HTAB are optional whitespace (RFC 9110 §5.6.3); llhttp reads `chunked\\xa0, chunked` as chunked',
  },
  'te-http10': {
    stricter: 'ours',
    why: '`Transfer-Encoding` in an HTTP/1.0 request: 400 (RFC 9112 §6.1 says treat as faulty); llhttp decodes it',
  },
  host: {
    stricter: 'ours',
    why: 'HTTP/1.1 `Host` missing, repeated, or with bytes outside RFC 3986: 400 (RFC 9112 §3.2); node:http checks only presence, after parsing',
  },
  'request-line-spaces': {
    stricter: 'ours',
    why: 'more than one SP between request-line parts: 400 (RFC 9112 §3); llhttp skips extra spaces',
  },
  'bare-cr-before-request': {
    stricter: 'ours',
    why: 'a lone CR (not CRLF) before a request line: 400 — RFC 9112 §2.2 lets a server skip empty lines (CRLF) there, not a bare CR; llhttp skips it',
  },
  'version-major': {
    stricter: 'ours',
    why: 'a major version other than 1 (`HTTP/2.0`): 505; llhttp parses it and node:http closes the connection after it',
  },
  'bare-lf': {
    stricter: 'node',
    why: 'a head line ended by a bare LF: accepted (RFC 9112 §2.2 allows it; Python, Go and nginx do too); llhttp refuses. Chunk framing lines still need CRLF',
  },
  'minor-version': {
    stricter: 'node',
    why: '`HTTP/1.2`–`HTTP/1.9`: served as HTTP/1.1 (RFC 9110 §2.5: a higher minor version is processed as the highest one implemented); llhttp refuses',
  },
  'obs-text-target': {
    stricter: 'node',
    why: 'bytes 0x80–0xFF in the request target: accepted as Latin-1 (Python does); the target ends at SP, so framing is unaffected; llhttp refuses',
  },
  'target-form': {
    stricter: 'node',
    why: 'an absolute-form target whose scheme holds digits, `+`, `-` or `.` (valid in RFC 3986): accepted as Python does and handed to the handler as `path`; it ends at SP, so framing is unaffected; llhttp refuses. (A target in none of the four forms of RFC 9112 §3.2, `!/` or `a`, is refused by both)',
  },
  'asterisk-form': {
    stricter: 'ours',
    why: 'the asterisk-form target `*` with a method other than OPTIONS, or a target that starts with `*` and goes on (`*/x`: in none of the four forms of RFC 9112 §3.2): 400 (RFC 9112 §3.2.4: `*` only for a server-wide OPTIONS); llhttp accepts both for any method',
  },
  'trailing-htab': {
    stricter: 'node',
    why: '`Transfer-Encoding: chunked` or `Content-Length: 3` followed by HTAB: the tab is optional whitespace, trimmed as RFC 9110 §5.5 says (Go does the same), so the value is `chunked` / `3`; llhttp refuses both (it accepts a trailing SP). Both frame the body the same way when they accept',
  },
  'close-htab': {
    stricter: 'ours',
    why: '`Connection: close` followed by HTAB: the tab is trimmed (RFC 9110 §5.5), so we close after the response; llhttp does not see `close` and reads the next request',
  },
  'chunk-ext': {
    stricter: 'node',
    why: 'a chunk extension is checked for its bytes only (no CTL, so no CR or LF inside), not for its grammar (`0;` with no name is accepted) and BWS before `;` is allowed as RFC 9112 §7.1.1 writes it, as Go and nginx do; llhttp checks the grammar. The size line still ends at its CRLF on both sides',
  },
  http09: {
    stricter: 'node',
    why: 'the HTTP/0.9 simple request `GET /path`: served as Python does (no header lines read, then close); llhttp refuses it, or (with a version-less line) reads header lines after it and closes',
  },
  connect: {
    stricter: 'node',
    why: '`CONNECT` is dispatched to `do_CONNECT` like any method; node:http hands the socket to a `connect` listener (none here) and closes',
  },
  'unknown-method': {
    stricter: 'ours',
    why: 'not a disagreement in effect: a method token llhttp does not know is refused by both (llhttp 400, we 501 when no `do_` method exists)',
  },
} as const satisfies Record<string, Decision>;

export type DecisionKey = keyof typeof DECISIONS;

const HOST_OK = /^[A-Za-z0-9\-._~!$&'()*+,;=:[\]%]*$/;

function hostProblem(echo: Echo): boolean {
  const hosts = echo.headers.filter((field) => field.startsWith('host:'));
  return echo.version === '1.1'
    ? hosts.length !== 1 || !HOST_OK.test(hosts[0]!.slice(5))
    : hosts.length > 1 || hosts.some((h) => !HOST_OK.test(h.slice(5)));
}

function codings(echo: Echo): string[] {
  return echo.headers
    .filter((f) => f.startsWith('transfer-encoding:'))
    .flatMap((f) => f.slice(18).split(','))
    .map((c) => trimOWS(c).toLowerCase())
    .filter((c) => c !== '');
}

/** Why we refused a request llhttp parsed (`echo` is llhttp's view of it). */
function whyOursRefused(echo: Echo, input: string): DecisionKey | undefined {
  if (echo.version !== '1.0' && echo.version !== '1.1') return 'version-major';
  if (hostProblem(echo)) return 'host';
  const te = codings(echo);
  const hasTE = echo.headers.some((f) => f.startsWith('transfer-encoding:'));
  if (hasTE && echo.version === '1.0') return 'te-http10';
  const emptyElement = echo.headers.some(
    (f) =>
      f.startsWith('transfer-encoding:') &&
      f
        .slice(18)
        .split(',')
        .some((c) => trimOWS(c) === ''),
  );
  if (hasTE && (emptyElement || te.some((c) => c !== 'chunked'))) return 'te-codings';
  if (extraSpaces(input)) return 'request-line-spaces';
  if (echo.target.startsWith('*') && (echo.target !== '*' || echo.method !== 'OPTIONS')) return 'asterisk-form';
  // `Connection: close<TAB>`: we trim the tab and close; llhttp does not see `close` and reads on.
  if (/connection:[^\r\n]*close[ \t]*\t[ \t]*\r?\n/i.test(input)) return 'close-htab';
  if (/(^|\n)\r+[^\r\n]/.test(input)) return 'bare-cr-before-request';
  return undefined;
}

/** True if some request line of `input` has more than one SP between its parts. */
function extraSpaces(input: string): boolean {
  for (const line of input.split('\n')) {
    const parts = /[!-~]+( +)[!-~]+( +)HTTP\//.exec(line);
    if (parts && (parts[1]!.length > 1 || parts[2]!.length > 1)) return true;
  }
  return false;
}

/** Why llhttp refused what we served (`echo` is our view of it). */
function whyNodeRefused(echo: Echo, input: string, nodeError: string | undefined): DecisionKey | undefined {
  if (echo.version === '0.9') return 'http09';
  if (echo.method === 'CONNECT') return 'connect';
  if (/^1\.[2-9]$/.test(echo.version) || /HTTP\/1\.[2-9]\r?\n/.test(input)) return 'minor-version';
  if (/[\x80-\xff]/.test(echo.target)) return 'obs-text-target';
  if (!/^(\/|\*$|[A-Za-z]+:\/\/)/.test(echo.target)) return 'target-form';
  if (/(^|[^\r])\n/.test(input)) return 'bare-lf';
  if (
    nodeError === 'HPE_INVALID_TRANSFER_ENCODING' &&
    /transfer-encoding:[^\r\n]*chunked[ \t]*\t[ \t]*\r?\n/i.test(input)
  )
    return 'trailing-htab';
  if (nodeError === 'HPE_INVALID_CONTENT_LENGTH' && /content-length:[ \t]*\d+[ \t]*\t[ \t]*\r?\n/i.test(input))
    return 'trailing-htab';
  if (
    (nodeError === 'HPE_STRICT' || nodeError === 'HPE_INVALID_CHUNK_SIZE') &&
    /\r\n[0-9A-Fa-f]+[ \t]*;[^\r\n]*\r\n/.test(input)
  )
    return 'chunk-ext';
  return undefined;
}

/**
 * Explains a comparison whose served lists differ in length; undefined when no decision
 * covers it. `input` is the latin1 text that was sent.
 */
export function classify(comparison: Comparison, input: string): DecisionKey | undefined {
  const { ours, node } = comparison;
  const n = ours.served.length;
  if (n < node.served.length) {
    return whyOursRefused(node.served[n]!, input);
  }
  if (n > node.served.length) return whyNodeRefused(ours.served[node.served.length]!, input, node.error);
  if (ours.end.kind === 'refused' && ours.end.status === 501 && node.error === 'HPE_INVALID_METHOD')
    return 'unknown-method';
  return undefined;
}
