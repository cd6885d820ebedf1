/**
 * The CGI environment: RFC 3875 §4.1 meta-variables. Port of the environment half of
 * Python's `CGIHTTPRequestHandler.run_cgi`.
 */
import { trimOWS } from '@httpstack/basehttpserver';

/** What the server knows about one request, as the meta-variables need it. */
export interface RequestFacts {
  serverSoftware: string;
  /** The host the client asked for (see `serverNameOf`). */
  serverName: string;
  serverPort: number;
  /** The address the request came in on (`undefined` on a Unix socket). */
  serverAddr: string | undefined;
  /** `http` or `https`, as the client sees the server. */
  scheme: 'http' | 'https';
  /** The served directory, absolute. */
  documentRoot: string;
  /** The request's protocol, e.g. `HTTP/1.1` (RFC 3875 §4.1.16). */
  protocol: string;
  method: string;
  /** The request target as received, e.g. `/cgi-bin/a.sh/x?y=1`. */
  requestUri: string;
  /** URL path of the script, e.g. `/cgi-bin/a.sh`. */
  scriptName: string;
  /** File-system path of the script. */
  scriptFilename: string;
  /** Decoded extra path after the script name ('' when none). */
  pathInfo: string;
  /** `pathInfo` mapped onto the served directory (`undefined` when there is none). */
  pathTranslated: string | undefined;
  /** The query string, still URL-encoded, without `?`. */
  queryString: string;
  remoteAddr: string;
  remotePort: number;
  /** The request headers in arrival order, repeated names repeated. */
  headers: Iterable<[string, string]>;
  /** Length of the body the script gets on stdin (`undefined`: no body). */
  contentLength: number | undefined;
  /** An identity the server has verified itself; never a header's claim. */
  remoteUser: string | undefined;
}

/** Where the script's environment starts from: the server's own, filtered. */
export interface EnvironmentPolicy {
  /** The server's environment (normally `process.env`). */
  source: NodeJS.ProcessEnv;
  /** More names to copy from `source` beyond the default allow-list. */
  inheritEnv: readonly string[];
  /** Variables to set; CGI meta-variables still win over these. */
  env: Readonly<Record<string, string>>;
}

/**
 * Names copied from the server's environment by default (Go's `net/http/cgi` passes the
 * same kind of short list). Everything else — secrets, tokens, cloud credentials — stays out.
 */
export const DEFAULT_INHERIT_ENV: readonly string[] = [
  'PATH',
  'LANG',
  'LANGUAGE',
  'LC_ALL',
  'LC_CTYPE',
  'TZ',
  'LD_LIBRARY_PATH',
  'SYSTEMROOT',
  'COMSPEC',
  'PATHEXT',
  'WINDIR',
];

const DEFAULT_PATH = '/usr/local/bin:/usr/bin:/bin';

/**
 * Request headers that never become `HTTP_*` variables. `Proxy`: httpoxy (CVE-2016-5385);
 * `Authorization`: credentials stay with the server (RFC 3875 §4.1.1 leaves it out);
 * `Content-Type`/`Content-Length`: they have their own variables; `Transfer-Encoding`:
 * the body is decoded before the script sees it.
 */
const WITHHELD = new Set([
  'proxy',
  'authorization',
  'proxy-authorization',
  'content-type',
  'content-length',
  'transfer-encoding',
]);

/** A header name that maps onto a variable name unambiguously (no `_`, which Apache and nginx also drop). */
const SAFE_NAME = /^[A-Za-z0-9-]+$/;

/** Builds the script's environment from the request facts and the inheritance policy. */
export function buildEnvironment(facts: RequestFacts, policy: EnvironmentPolicy): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of [...DEFAULT_INHERIT_ENV, ...policy.inheritEnv]) {
    const value = policy.source[name];
    if (value !== undefined) env[name] = value;
  }
  env.PATH ??= DEFAULT_PATH;
  Object.assign(env, policy.env);
  Object.assign(env, headerVariables(facts.headers));
  Object.assign(env, metaVariables(facts));
  return env;
}

/** The RFC 3875 §4.1 variables proper (all but the `HTTP_*` ones). */
function metaVariables(facts: RequestFacts): Record<string, string> {
  const vars: Record<string, string> = {
    GATEWAY_INTERFACE: 'CGI/1.1',
    // What lighttpd and Apache add beyond RFC 3875, which PHP and other applications read.
    REDIRECT_STATUS: '200',
    DOCUMENT_ROOT: facts.documentRoot,
    REQUEST_SCHEME: facts.scheme,
    SERVER_SOFTWARE: facts.serverSoftware,
    SERVER_NAME: facts.serverName,
    SERVER_PORT: String(facts.serverPort),
    SERVER_PROTOCOL: facts.protocol,
    REQUEST_METHOD: facts.method,
    REQUEST_URI: facts.requestUri,
    SCRIPT_NAME: facts.scriptName,
    SCRIPT_FILENAME: facts.scriptFilename,
    PATH_INFO: facts.pathInfo,
    QUERY_STRING: facts.queryString,
    REMOTE_ADDR: facts.remoteAddr,
    REMOTE_PORT: String(facts.remotePort),
  };
  if (facts.pathTranslated !== undefined) vars.PATH_TRANSLATED = facts.pathTranslated;
  if (facts.serverAddr !== undefined) vars.SERVER_ADDR = facts.serverAddr;
  if (facts.scheme === 'https') vars.HTTPS = 'on';
  const contentType = firstHeader(facts.headers, 'content-type');
  if (contentType !== undefined) vars.CONTENT_TYPE = contentType;
  if (facts.contentLength !== undefined) vars.CONTENT_LENGTH = String(facts.contentLength);
  const authorization = firstHeader(facts.headers, 'authorization');
  if (authorization !== undefined) {
    // RFC 3875 §4.1.1: the scheme only; the credentials are not passed.
    const scheme = trimOWS(authorization).split(/[ \t]/, 1)[0];
    if (scheme) vars.AUTH_TYPE = scheme;
  }
  if (facts.remoteUser !== undefined) vars.REMOTE_USER = facts.remoteUser;
  return vars;
}

/**
 * `HTTP_*` variables for the request headers (RFC 3875 §4.1.18): repeated headers joined
 * with `, ` (`; ` for `Cookie`, RFC 6265 §5.4).
 */
export function headerVariables(headers: Iterable<[string, string]>): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const [name, value] of headers) {
    const lower = name.toLowerCase();
    if (WITHHELD.has(lower) || !SAFE_NAME.test(name)) continue;
    const key = 'HTTP_' + name.toUpperCase().replaceAll('-', '_');
    const previous = vars[key];
    vars[key] = previous === undefined ? value : previous + (lower === 'cookie' ? '; ' : ', ') + value;
  }
  return vars;
}

/**
 * `SERVER_NAME` for a request: the host of its `Host` header (validated by the HTTP layer),
 * lower-cased and without the port, as lighttpd, Go and Apache (`UseCanonicalName Off`)
 * give it — so that a script behind a name-based virtual host builds its own URLs right;
 * `fallback` (the server's name) when there is no `Host`.
 */
export function serverNameOf(host: string | undefined, fallback: string): string {
  if (host === undefined || host === '') return fallback;
  const name = /^(\[[^\]]*\]|[^:]*)/.exec(host)![1]!;
  return name === '' ? fallback : name.toLowerCase();
}

function firstHeader(headers: Iterable<[string, string]>, wanted: string): string | undefined {
  for (const [name, value] of headers) if (name.toLowerCase() === wanted) return value;
  return undefined;
}
