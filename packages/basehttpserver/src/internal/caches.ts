/**
 * Every memo of the HTTP layer, in one place. Each is keyed by the very values it stands
 * for (a header name and value, a status code and protocol version, a timestamp…), so a
 * field or hook a subclass overrides is read again for every response and a memo can
 * only save rebuilding the same string. `clearCaches()` empties them all (tests).
 *
 * The figures are from docs/benchmarks.md ("Hello", the hot-path rounds): 16-pipelined
 * requests went from 2.9× to 5–6.5× `node:http` with these; each is ~1 % of the samples.
 */
import { DEFAULT_RESPONSES } from '../http-status.js';
import { isFieldValue, isToken, latin1, matches } from './chars.js';
import { pyRepr } from './text.js';

// --- response head -----------------------------------------------------------------------

let versionMemo: [string, string, string] = ['', '', ''];

/** `'server sys'`, the same string object again for the same two values. */
export function joinedVersion(server: string, sys: string): string {
  if (server !== versionMemo[0] || sys !== versionMemo[1]) versionMemo = [server, sys, `${server} ${sys}`];
  return versionMemo[2];
}

/** Status lines with the default phrase, per protocol version (`'HTTP/1.1 200 OK\r\n'`). */
let statusLines = new Map<string, Map<number, string>>();
/** The last status line made, returned again without a lookup for the same version and code. */
const lastStatus = { version: '', code: 0, line: '' };

/** `'version code phrase\r\n'` with the phrase of `DEFAULT_RESPONSES`; throws for a bad version. */
export function statusLine(version: string, code: number): string {
  if (code === lastStatus.code && version === lastStatus.version) return lastStatus.line;
  let lines = statusLines.get(version);
  if (lines === undefined) {
    if (!isFieldValue(version)) throw new TypeError(`invalid protocol version ${pyRepr(version)}`);
    if (statusLines.size >= 8) statusLines.clear();
    statusLines.set(version, (lines = new Map()));
  }
  let line = lines.get(code);
  if (line === undefined) lines.set(code, (line = `${version} ${code} ${DEFAULT_RESPONSES[code]?.[0] ?? ''}\r\n`));
  lastStatus.version = version;
  lastStatus.code = code;
  lastStatus.line = line;
  return line;
}

/** The last header lines made, by name and value (a handler sends the same few each time). */
const LINE_SLOTS = 4;
const lineNames: string[] = Array(LINE_SLOTS).fill('');
const lineValues: string[] = Array(LINE_SLOTS).fill('');
const lines: string[] = Array(LINE_SLOTS).fill('');
let nextSlot = 0;

/** `'Name: value\r\n'`, the same string object again for a name and value sent recently. */
export function headerLine(name: string, value: string): string {
  for (let i = 0; i < LINE_SLOTS; i++) {
    if (lineNames[i] === name && lineValues[i] === value) return lines[i]!;
  }
  const line = `${name}: ${value}\r\n`;
  if (value.length <= 256) {
    lineNames[nextSlot] = name;
    lineValues[nextSlot] = value;
    lines[nextSlot] = line;
    nextSlot = (nextSlot + 1) % LINE_SLOTS;
  }
  return line;
}

let lastNumber = NaN;
let lastNumberText = 'NaN';

/** `String(value)`, remembering the last number (a fixed `Content-Length` repeats). */
export function numberText(value: number): string {
  if (value !== lastNumber) {
    lastNumber = value;
    lastNumberText = String(value);
  }
  return lastNumberText;
}

let validNames = new Set<string>();
const recentNames = ['', '', ''];

/**
 * `isToken`, remembering up to 512 names already checked (response headers repeat); the
 * last three are compared first, which is cheaper than a set lookup.
 */
export function isHeaderName(name: string): boolean {
  if (name === recentNames[0] || name === recentNames[1] || name === recentNames[2]) return name !== '';
  if (!validNames.has(name)) {
    if (!isToken(name)) return false;
    if (validNames.size < 512) validNames.add(name);
  }
  recentNames[2] = recentNames[1]!;
  recentNames[1] = recentNames[0]!;
  recentNames[0] = name;
  return true;
}

const recentValues = ['', '', ''];

/** `isFieldValue`, remembering the last three values checked (`Server`, `Date`, `Content-Type` repeat). */
export function isHeaderValue(value: string): boolean {
  if (value === recentValues[0] || value === recentValues[1] || value === recentValues[2]) return true;
  if (!isFieldValue(value)) return false;
  if (value.length <= 256) {
    recentValues[2] = recentValues[1]!;
    recentValues[1] = recentValues[0]!;
    recentValues[0] = value;
  }
  return true;
}

// --- dates ----------------------------------------------------------------------------------

let dateNow = '';
let dateSecond = Number.NaN;

/**
 * The current time as an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), formatted once per
 * second: keyed by the second `Date.now()` reads, so it is never stale, even when the event
 * loop is late (a timer that clears it, as `node:http` has, fires late under load).
 */
export function httpDateNow(): string {
  const second = Math.floor(Date.now() / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateNow = new Date(second * 1000).toUTCString();
  }
  return dateNow;
}

function forgetDateNow(): void {
  dateSecond = Number.NaN;
}

const lastDate = { ms: NaN, text: '' };

/**
 * The IMF-fixdate of `ms`, the last one remembered: the static layer's `Last-Modified` of a
 * file asked for again and again (a `toUTCString()` per response otherwise).
 */
export function httpDate(ms: number): string {
  if (ms !== lastDate.ms) {
    lastDate.text = new Date(ms).toUTCString();
    lastDate.ms = ms;
  }
  return lastDate.text;
}

// --- request side ------------------------------------------------------------------------------

/** `'do_' + command`, remembered for up to 64 commands (a shared string makes a fast lookup). */
let dispatchNames = new Map<string, string>();

export function dispatchName(command: string): string {
  let name = dispatchNames.get(command);
  if (name === undefined) {
    name = `do_${command}`;
    if (dispatchNames.size < 64) dispatchNames.set(command, name);
  }
  return name;
}

/**
 * The last request line joined: successive requests often repeat it, and a repeat is
 * shared rather than joined again.
 */
const lastLine = { method: '', target: '', version: '', line: '' };

export function requestLine(method: string, target: string, version: string): string {
  if (method !== lastLine.method || target !== lastLine.target || version !== lastLine.version) {
    lastLine.method = method;
    lastLine.target = target;
    lastLine.version = version;
    lastLine.line = `${method} ${target} ${version}`;
  }
  return lastLine.line;
}

let lastTarget = '/';

/** `buf[start, end)` as text, the last target's string again when the bytes repeat. */
export function requestTarget(buf: Buffer, start: number, end: number): string {
  if (matches(buf, start, end, lastTarget)) return lastTarget;
  const target = latin1(buf, start, end);
  if (end - start <= 256) lastTarget = target;
  return target;
}

/**
 * A common field name in one spelling, with the last value accepted for it: a client
 * sends the same `Host`, `User-Agent` or `Accept` on every request, and a value equal to
 * the last one is shared instead of checked and decoded again.
 */
export class KnownField {
  last = '';
  constructor(readonly name: string) {}

  /** The last value accepted, if `buf[from, to)` holds the same bytes. */
  lastValue(buf: Buffer, from: number, to: number): string | undefined {
    const last = this.last;
    return matches(buf, from, to, last) ? last : undefined;
  }

  /** Remembers a value that passed the checks (short ones only). */
  remember(value: string): void {
    if (value.length <= 256) this.last = value;
  }
}

/** Known fields by name length (an array lookup, then a few byte comparisons). */
const KNOWN_FIELDS: KnownField[][] = [];
for (const name of [
  'Host',
  'User-Agent',
  'Accept',
  'Accept-Encoding',
  'Accept-Language',
  'Connection',
  'Content-Length',
  'Content-Type',
  'Transfer-Encoding',
  'Expect',
  'Cookie',
  'Referer',
  'Origin',
  'Authorization',
  'Range',
  'If-None-Match',
  'If-Modified-Since',
  'If-Range',
  'Cache-Control',
  'Pragma',
  'Upgrade',
  'Keep-Alive',
  'Sec-Fetch-Mode',
  'Sec-Fetch-Site',
  'Sec-Fetch-Dest',
  'Upgrade-Insecure-Requests',
  'DNT',
  'TE',
]) {
  for (const spelling of [name, name.toLowerCase()]) {
    const list = (KNOWN_FIELDS[spelling.length] ??= []);
    if (!list.some((field) => field.name === spelling)) list.push(new KnownField(spelling));
  }
}

/** The known field spelled as `buf[start, end)`, or undefined. */
export function knownField(buf: Buffer, start: number, end: number): KnownField | undefined {
  const known = KNOWN_FIELDS[end - start];
  if (known !== undefined) for (const field of known) if (matches(buf, start, end, field.name)) return field;
  return undefined;
}

/** Empties every memo above. For tests. */
export function clearCaches(): void {
  versionMemo = ['', '', ''];
  statusLines = new Map();
  lastStatus.code = 0;
  lineNames.fill('');
  lineValues.fill('');
  lastNumber = NaN;
  validNames = new Set();
  recentNames.fill('');
  recentValues.fill('');
  forgetDateNow();
  lastDate.ms = NaN;
  dispatchNames = new Map();
  lastLine.line = '';
  lastLine.method = '';
  lastTarget = '/';
  for (const list of KNOWN_FIELDS) for (const field of list ?? []) field.last = '';
}
