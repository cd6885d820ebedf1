/**
 * The client behind trusted proxies, from `X-Forwarded-For` / `X-Forwarded-Proto` or
 * `Forwarded` (RFC 7239). No Python counterpart.
 */
import { BlockList, isIP } from 'node:net';
import type { HTTPMessage } from '../http-message.js';
import { splitList, trimOWS } from '../optional-whitespace.js';

/** Which header the trusted proxies write. */
export type ForwardedHeader = 'x-forwarded-for' | 'forwarded';

/** What the forwarding headers say about the client. */
export interface ForwardedClient {
  /** The client's `[host, port]` (port 0 when the header does not say). */
  address: [string, number];
  /** `'http'` or `'https'` when the proxy adjacent to the client said so. */
  proto: 'http' | 'https' | undefined;
}

/** One hop of a forwarding chain: its address (undefined: not an IP, e.g. `unknown`), and `proto`. */
interface Hop {
  host: string | undefined;
  port: number;
  proto: string | undefined;
}

/**
 * Builds the matcher of trusted proxy addresses from IPs and CIDRs (`'10.0.0.0/8'`,
 * `'::1'`). Throws `TypeError` for an entry that is neither.
 */
export function trustedProxyList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', bits, extra] = entry.split('/');
    const type = isIP(address);
    const prefix = bits === undefined ? undefined : /^\d{1,3}$/.test(bits) ? Number(bits) : NaN;
    if (type === 0 || extra !== undefined || Number.isNaN(prefix) || (prefix ?? 0) > (type === 4 ? 32 : 128)) {
      throw new TypeError(`trusted proxy '${entry}' is not an IP address or CIDR block`);
    }
    const family = type === 4 ? 'ipv4' : 'ipv6';
    if (prefix === undefined) list.addAddress(address, family);
    else list.addSubnet(address, prefix, family);
  }
  return list;
}

/** Whether `host` (as a socket reports it; IPv4-mapped IPv6 counts as IPv4) is in `list`. */
export function isTrusted(list: BlockList, host: string): boolean {
  const plain = host.startsWith('::ffff:') && isIP(host.slice(7)) === 4 ? host.slice(7) : host;
  const type = isIP(plain);
  return type !== 0 && list.check(plain, type === 4 ? 'ipv4' : 'ipv6');
}

/**
 * The client the forwarding header names, read right to left: the proxies append, so the
 * first hop (from the right) that is not a trusted proxy is the client; a hop that is not
 * an IP stops the walk at the last trusted one. Undefined when the header is absent,
 * malformed, or names nothing beyond the peer.
 *
 * **Security:** call it only when the connection's peer is a trusted proxy, and name the
 * one header those proxies write: the other one is whatever the client sent.
 */
export function forwardedClient(
  headers: HTTPMessage,
  header: ForwardedHeader,
  trusted: (host: string) => boolean,
): ForwardedClient | undefined {
  const hops = header === 'forwarded' ? forwardedHops(headers.getAll('forwarded')) : xffHops(headers);
  if (!hops) return undefined;
  let found: Hop | undefined;
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i]!;
    if (hop.host === undefined) break;
    found = hop;
    if (!trusted(hop.host)) break;
  }
  if (!found) return undefined;
  const proto = found.proto?.toLowerCase();
  return { address: [found.host!, found.port], proto: proto === 'http' || proto === 'https' ? proto : undefined };
}

/** `X-Forwarded-For` hops, with the last `X-Forwarded-Proto` value on the rightmost one. */
function xffHops(headers: HTTPMessage): Hop[] | undefined {
  const values = headers.getAll('x-forwarded-for');
  if (values.length === 0) return undefined;
  const hops = splitList(values.join(',')).map((item) => node(item, undefined));
  const protos = headers.getAll('x-forwarded-proto').join(',').split(',');
  const proto = trimOWS(protos[protos.length - 1]!);
  // The proxy next to the client sets the scheme (nginx: `$scheme`); give it to every hop.
  for (const hop of hops) hop.proto = proto === '' ? undefined : proto;
  return hops;
}

/** `Forwarded` elements (RFC 7239 §4) as hops; undefined when the syntax is broken. */
function forwardedHops(values: string[]): Hop[] | undefined {
  if (values.length === 0) return undefined;
  const elements = splitElements(values.join(','));
  if (!elements) return undefined;
  const hops: Hop[] = [];
  for (const pairs of elements) {
    let forValue: string | undefined;
    let proto: string | undefined;
    for (const [key, value] of pairs) {
      if (key === 'for') forValue = value;
      else if (key === 'proto') proto = value;
    }
    hops.push(node(forValue ?? '', proto));
  }
  return hops;
}

/** An RFC 7239 node (`192.0.2.1`, `192.0.2.1:80`, `[2001:db8::1]:80`, `unknown`, `_hidden`). */
function node(text: string, proto: string | undefined): Hop {
  let host = text;
  let port = 0;
  const bracket = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(text);
  const v4port = /^([\d.]+):(\d{1,5})$/.exec(text);
  if (bracket) [host, port] = [bracket[1]!, Number(bracket[2] ?? 0)];
  else if (v4port) [host, port] = [v4port[1]!, Number(v4port[2])];
  const type = isIP(host);
  const valid = type !== 0 && port <= 65535 && (bracket ? type === 6 : true) && !host.includes('%');
  return { host: valid ? host : undefined, port: valid ? port : 0, proto };
}

/**
 * Splits a `Forwarded` value into elements of `[lower-case key, value]` pairs; quoted
 * strings are unquoted (`\` escapes). Undefined for an unterminated quote or a pair
 * without `=`.
 */
function splitElements(text: string): Array<Array<[string, string]>> | undefined {
  const elements: Array<Array<[string, string]>> = [];
  let pairs: Array<[string, string]> = [];
  let current = '';
  let quoted = false;
  const endPair = (): boolean => {
    const item = trimOWS(current);
    current = '';
    if (item === '') return true;
    const at = item.indexOf('=');
    if (at <= 0) return false;
    pairs.push([trimOWS(item.slice(0, at)).toLowerCase(), unquote(trimOWS(item.slice(at + 1)))]);
    return true;
  };
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (quoted) {
      current += char;
      if (char === '\\' && i + 1 < text.length) current += text[++i];
      else if (char === '"') quoted = false;
    } else if (char === '"') {
      quoted = true;
      current += char;
    } else if (char === ';' || char === ',') {
      if (!endPair()) return undefined;
      if (char === ',') {
        elements.push(pairs);
        pairs = [];
      }
    } else current += char;
  }
  if (quoted || !endPair()) return undefined;
  elements.push(pairs);
  return elements;
}

function unquote(value: string): string {
  if (value.length < 2 || !value.startsWith('"') || !value.endsWith('"')) return value;
  return value.slice(1, -1).replace(/\\(.)/g, '$1');
}
