/**
 * fast-check arbitraries for HTTP/1.x request streams: a structured model (method, target,
 * version, fields with every byte class, Content-Length / Transfer-Encoding variants, chunk
 * sizes, extensions and trailers, line ends, obs-fold, duplicates) rendered to bytes, and
 * byte-level mutations of the rendered stream.
 */
import fc from 'fast-check';

const rare = <T>(common: fc.Arbitrary<T>, odd: fc.Arbitrary<T>, weight = 12): fc.Arbitrary<T> =>
  fc.oneof({ weight, arbitrary: common }, { weight: 1, arbitrary: odd });

const str = (codes: number[]) => String.fromCharCode(...codes);

/** One byte, biased to printable ASCII, with every other class present: SP/HTAB, C0, DEL, obs-text. */
export const anyByte: fc.Arbitrary<number> = fc.oneof(
  { weight: 30, arbitrary: fc.integer({ min: 0x21, max: 0x7e }) },
  { weight: 3, arbitrary: fc.constantFrom(0x20, 0x09) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 0x1f }) },
  { weight: 1, arbitrary: fc.constant(0x7f) },
  { weight: 2, arbitrary: fc.integer({ min: 0x80, max: 0xff }) },
);

const tchars = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const token = fc.string({ unit: fc.constantFrom(...tchars), minLength: 1, maxLength: 12 });

const method = rare(
  fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'HEAD'),
  fc.oneof(token, fc.constantFrom('get', 'SPAM', 'PRI', 'M-SEARCH', 'PURGE')),
  15,
);

const pathByte = rare(
  fc.constantFrom(...'abcxyz019/-._~%?=&;:@!$()*+,'.split('').map((c) => c.charCodeAt(0))),
  anyByte,
  10,
);
const target = rare(
  fc.array(pathByte, { maxLength: 24 }).map((bytes) => `/${str(bytes)}`),
  fc.constantFrom('*', 'http://a/x', '//x', '/a b', ''),
  15,
);

const version = rare(
  fc.constantFrom('HTTP/1.1', 'HTTP/1.1', 'HTTP/1.1', 'HTTP/1.0'),
  fc.constantFrom('HTTP/1.2', 'HTTP/2.0', 'HTTP/0.9', 'HTTP/1.10', 'http/1.1', 'HTTP/1.1 ', 'HTTP/1', ''),
  15,
);

const name = rare(
  fc.constantFrom('X-A', 'Accept', 'Cookie', 'User-Agent', 'Connection', 'Expect', 'Content-Type', 'X-B'),
  fc.oneof(token, fc.array(anyByte, { minLength: 1, maxLength: 8 }).map(str)),
  6,
);

const value = fc.array(anyByte, { maxLength: 16 }).map(str);

// Not optional whitespace (RFC 9110 §5.6.3): NBSP and NEL (obs-text), VT and FF (CTL).
const notOWS = fc.constantFrom('\xa0', '\x85', '\x0b', '\x0c');

const separator = rare(
  fc.constantFrom(': ', ':', ':\t', ':  '),
  fc.oneof(
    fc.constantFrom(' : ', ' :', '\t:'),
    notOWS.map((byte) => `:${byte}`),
  ),
  20,
);

/** A field line's parts: name, separator, value, and an optional obs-fold continuation. */
const field = fc.record({
  name,
  separator,
  value,
  fold: rare(
    fc.constant(undefined),
    value.map((v) => ` ${v}`),
    30,
  ),
});
type Field = { name: string; separator: string; value: string; fold: string | undefined };

/** How `Content-Length` is written for a body of `n` bytes. */
const lengthForm = rare(
  fc.constant('exact'),
  fc.constantFrom(
    'zeros',
    'plus',
    'list',
    'twice',
    'twice-different',
    'more',
    'less',
    'negative',
    'hex',
    'space',
    'nbsp',
    'nel',
    'vt',
    'ff',
  ),
  8,
);

const teValue = rare(
  fc.constant('chunked'),
  fc.oneof(
    fc.constantFrom(
      'Chunked',
      'CHUNKED',
      'chunked, identity',
      'identity, chunked',
      'gzip, chunked',
      'chunked,',
      ', chunked',
      'chunked, chunked',
      'xchunked',
      '"chunked"',
      'identity',
    ),
    notOWS.map((byte) => `${byte}chunked`),
    notOWS.map((byte) => `chunked${byte}`),
  ),
  6,
);

const chunk = fc.record({
  data: fc.array(anyByte, { maxLength: 20 }).map(str),
  form: rare(
    fc.constantFrom('hex', 'HEX'),
    fc.constantFrom('zeros', '0x', 'space', 'plus', 'more', 'less', 'bare-lf', 'no-crlf'),
    10,
  ),
  ext: rare(
    fc.constant(''),
    fc.oneof(
      fc.constantFrom(';a=b', ';a="b c"', ' ;a', ';', ';a=\r'),
      fc.array(anyByte, { maxLength: 6 }).map((b) => `;${str(b)}`),
    ),
    8,
  ),
});
type Chunk = { data: string; form: string; ext: string };

const framing = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('none' as const) }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('length' as const),
      body: fc.array(anyByte, { maxLength: 40 }).map(str),
      form: lengthForm,
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('chunked' as const),
      te: teValue,
      chunks: fc.array(chunk, { maxLength: 3 }),
      trailers: rare(fc.constant([] as Field[]), fc.array(field, { minLength: 1, maxLength: 2 }), 6),
      alsoLength: rare(fc.constant(false), fc.constant(true), 10),
      teTwice: rare(fc.constant(false), fc.constant(true), 15),
    }),
  },
);

const host = rare(fc.constant('one'), fc.constantFrom('none', 'two', 'bad', 'empty'), 12);
const lineEnd = rare(fc.constant('\r\n'), fc.constantFrom('\n', '\r', '\r\r\n'), 40);

/** One request of the model. */
export const request = fc.record({
  method,
  target,
  version,
  lineEnd,
  space: rare(fc.constant(' '), fc.constantFrom('  ', '\t', ' \t'), 30),
  host,
  fields: fc.array(field, { maxLength: 4 }),
  framing,
  close: rare(fc.constant(false), fc.constant(true), 8),
});
export type RequestModel = typeof request extends fc.Arbitrary<infer T> ? T : never;

function line(text: string, end: string): string {
  return text + end;
}

function renderChunk(c: Chunk): string {
  const n = c.data.length;
  const hex = n.toString(16);
  const size: Record<string, string> = {
    hex,
    HEX: hex.toUpperCase(),
    zeros: `00${hex}`,
    '0x': `0x${hex}`,
    space: `${hex} `,
    plus: `+${hex}`,
    more: (n + 1).toString(16),
    less: Math.max(0, n - 1).toString(16),
    'bare-lf': hex,
    'no-crlf': hex,
  };
  const sizeEnd = c.form === 'bare-lf' ? '\n' : '\r\n';
  const dataEnd = c.form === 'no-crlf' ? '' : '\r\n';
  return `${size[c.form]}${c.ext}${sizeEnd}${c.data}${dataEnd}`;
}

function lengthFields(n: number, form: string): string[] {
  const forms: Record<string, string[]> = {
    exact: [`${n}`],
    zeros: [`000${n}`],
    plus: [`+${n}`],
    list: [`${n}, ${n}`],
    twice: [`${n}`, `${n}`],
    'twice-different': [`${n}`, `${n + 1}`],
    more: [`${n + 3}`],
    less: [`${Math.max(0, n - 2)}`],
    negative: [`-${n}`],
    hex: [`0x${n.toString(16)}`],
    space: [`${n} `],
    nbsp: [`\xa0${n}`],
    nel: [`${n}\x85`],
    vt: [`\x0b${n}`],
    ff: [`${n}\x0c`],
  };
  return forms[form]!.map((v) => `Content-Length: ${v}`);
}

function renderField(f: Field, end: string): string {
  return line(`${f.name}${f.separator}${f.value}`, end) + (f.fold === undefined ? '' : line(f.fold, end));
}

/** Renders one request model to its bytes (latin1 text). */
export function render(r: RequestModel): string {
  const end = r.lineEnd;
  let out = line(`${r.method}${r.space}${r.target}${r.version === '' ? '' : ' '}${r.version}`, end);
  const hosts: Record<string, string[]> = { one: ['a'], none: [], two: ['a', 'b'], bad: ['a b/c'], empty: [''] };
  for (const h of hosts[r.host]!) out += line(`Host: ${h}`, end);
  for (const f of r.fields) out += renderField(f, end);
  if (r.close) out += line('Connection: close', end);
  const fr = r.framing;
  let body = '';
  if (fr.kind === 'length') {
    for (const f of lengthFields(fr.body.length, fr.form)) out += line(f, end);
    body = fr.body;
  } else if (fr.kind === 'chunked') {
    out += line(`Transfer-Encoding: ${fr.te}`, end);
    if (fr.teTwice) out += line('Transfer-Encoding: chunked', end);
    if (fr.alsoLength) out += line('Content-Length: 3', end);
    body = fr.chunks.map((c) => renderChunk(c)).join('') + '0\r\n';
    body += fr.trailers.map((t) => renderField(t, '\r\n')).join('') + '\r\n';
  }
  return out + end + body;
}

/** A pipelined stream of one to three requests, as latin1 text. */
export const stream: fc.Arbitrary<string> = fc
  .array(request, { minLength: 1, maxLength: 3 })
  .map((list) => list.map(render).join(''));

/** A byte-level mutation applied to a rendered stream. */
const mutation = fc.record({
  at: fc.nat(),
  op: fc.constantFrom('insert', 'replace', 'delete', 'duplicate'),
  byte: rare(fc.constantFrom(0x0d, 0x0a, 0x20, 0x09, 0x3a, 0x2c, 0x3b, 0x30), anyByte, 3),
  length: fc.integer({ min: 1, max: 8 }),
});

/** A rendered stream with one to three byte mutations (insert, replace, delete, duplicate a slice). */
export const mutatedStream: fc.Arbitrary<string> = fc
  .tuple(stream, fc.array(mutation, { minLength: 1, maxLength: 3 }))
  .map(([text, mutations]) => {
    let out = text;
    for (const m of mutations) {
      const at = out.length === 0 ? 0 : m.at % out.length;
      const b = String.fromCharCode(m.byte);
      if (m.op === 'insert') out = out.slice(0, at) + b + out.slice(at);
      else if (m.op === 'replace') out = out.slice(0, at) + b + out.slice(at + 1);
      else if (m.op === 'delete') out = out.slice(0, at) + out.slice(at + m.length);
      else out = out.slice(0, at) + out.slice(at, at + m.length) + out.slice(at);
    }
    return out;
  });

/** A stream and up to four positions where it is cut into separate TCP segments. */
export const segmentedStream: fc.Arbitrary<[string, number[]]> = fc.tuple(
  stream,
  fc.array(fc.nat(), { minLength: 1, maxLength: 4 }),
);
