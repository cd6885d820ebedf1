// Unit tests of rfile (BufferedReader), the port of io.BufferedReader.readline/read.
import { describe, expect, it } from 'vitest';
import { BufferedReader } from '../src/index.js';

/** A reader fed with `chunks`, ended unless `open`, failed with `error` if given. */
function reader(chunks: string[], options: { open?: boolean; error?: string } = {}): BufferedReader {
  const r = new BufferedReader();
  for (const chunk of chunks) r.push(Buffer.from(chunk, 'latin1'));
  if (options.error) r.destroy(new Error(options.error));
  else if (!options.open) r.end();
  return r;
}

/** Reads lines until the empty buffer of end of stream (bounded). */
async function lines(r: BufferedReader, limit?: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < 100; i++) {
    const line = await r.readline(limit);
    if (line.length === 0) return out;
    out.push(line.toString('latin1'));
  }
  throw new Error('no end of stream after 100 lines');
}

describe('BufferedReader.readline (io.BufferedReader.readline)', () => {
  it.for([
    { name: 'one line in one chunk', chunks: ['abc\n'], want: ['abc\n'] },
    { name: 'line across chunks', chunks: ['ab', 'c\nde', 'f\n'], want: ['abc\n', 'def\n'] },
    { name: 'line byte by byte', chunks: [...'GET / HTTP/1.1\r\n'], want: ['GET / HTTP/1.1\r\n'] },
    { name: 'CRLF kept as sent', chunks: ['a\r\nb\r\n'], want: ['a\r\n', 'b\r\n'] },
    { name: 'CR split from LF', chunks: ['a\r', '\nb'], want: ['a\r\n', 'b'] },
    { name: 'EOF without newline', chunks: ['abc'], want: ['abc'] },
    { name: 'empty stream', chunks: [], want: [] },
    { name: 'empty chunks ignored', chunks: ['', 'a\n', ''], want: ['a\n'] },
    { name: 'blank lines', chunks: ['\n\n\r\n'], want: ['\n', '\n', '\r\n'] },
    { name: 'many lines in one chunk', chunks: ['1\n2\n3\n'], want: ['1\n', '2\n', '3\n'] },
  ])('$name', async ({ chunks, want }) => {
    expect(await lines(reader(chunks))).toEqual(want);
  });

  it.for([
    { name: 'line shorter than limit', chunks: ['ab\n'], limit: 5, want: ['ab\n'] },
    { name: 'line exactly the limit with LF', chunks: ['abcd\n'], limit: 5, want: ['abcd\n'] },
    { name: 'LF just past the limit', chunks: ['abcde\n'], limit: 5, want: ['abcde', '\n'] },
    { name: 'long line cut in pieces', chunks: ['abcdefg\n'], limit: 3, want: ['abc', 'def', 'g\n'] },
    { name: 'limit across chunks', chunks: ['ab', 'cd', 'ef\n'], limit: 3, want: ['abc', 'def', '\n'] },
    { name: 'negative limit means none', chunks: ['abcdef\n'], limit: -1, want: ['abcdef\n'] },
    { name: 'limit at EOF without newline', chunks: ['abcde'], limit: 2, want: ['ab', 'cd', 'e'] },
  ])('limit: $name', async ({ chunks, limit, want }) => {
    expect(await lines(reader(chunks), limit)).toEqual(want);
  });

  it('readline(0) returns an empty buffer, as Python does', async () => {
    expect((await reader(['abc\n']).readline(0)).length).toBe(0);
  });

  it('waits for the newline to arrive', async () => {
    const r = reader(['par'], { open: true });
    const line = r.readline();
    r.push(Buffer.from('tial\nnext'));
    expect((await line).toString()).toBe('partial\n');
    expect(r.buffered).toBe(4);
  });

  it('returns a view of the received chunk, not a copy, when the line sits in it', async () => {
    const chunk = Buffer.from('one\ntwo\n');
    const r = new BufferedReader();
    r.push(chunk);
    const line = await r.readline();
    expect(line.buffer).toBe(chunk.buffer);
  });

  it.for([
    { name: 'error after a full line', chunks: ['a\n'], want: ['a\n'] },
    { name: 'error after a partial line', chunks: ['ab'], want: ['ab'] },
    { name: 'error with nothing buffered', chunks: [], want: [] },
  ])('error after data: $name — data first, then the error', async ({ chunks, want }) => {
    const r = reader(chunks, { error: 'ECONNRESET' });
    for (const expected of want) expect((await r.readline()).toString()).toBe(expected);
    await expect(r.readline()).rejects.toThrow('ECONNRESET');
  });

  it('an error while waiting rejects the pending readline', async () => {
    const r = reader(['no newline'], { open: true });
    const pending = r.readline();
    r.destroy(new Error('reset'));
    expect((await pending).toString()).toBe('no newline');
    await expect(r.readline()).rejects.toThrow('reset');
  });
});

describe('BufferedReader.read (io.BufferedReader.read)', () => {
  it.for([
    { name: 'n inside one chunk', chunks: ['abcdef'], n: 3, want: 'abc', left: 3 },
    { name: 'n across chunks', chunks: ['ab', 'cd', 'ef'], n: 5, want: 'abcde', left: 1 },
    { name: 'n beyond EOF gives fewer', chunks: ['abc'], n: 10, want: 'abc', left: 0 },
    { name: 'no n reads to EOF', chunks: ['ab', 'c'], n: undefined, want: 'abc', left: 0 },
    { name: 'read(0) is empty', chunks: ['abc'], n: 0, want: '', left: 3 },
    { name: 'at EOF is empty', chunks: [], n: 4, want: '', left: 0 },
  ])('$name', async ({ chunks, n, want, left }) => {
    const r = reader(chunks);
    expect((await r.read(n)).toString()).toBe(want);
    expect(r.buffered).toBe(left);
  });

  it('rejects a negative size', async () => {
    await expect(reader(['x']).read(-1)).rejects.toThrow(RangeError);
  });

  it('waits until n bytes have arrived', async () => {
    const r = reader(['ab'], { open: true });
    const pending = r.read(4);
    r.push(Buffer.from('c'));
    r.push(Buffer.from('def'));
    expect((await pending).toString()).toBe('abcd');
    expect((await r.read(1)).toString()).toBe('e');
  });

  it('mixes readline and read on the same bytes', async () => {
    const r = reader(['Content-Length: 3\r\n\r\nabcGET']);
    expect((await r.readline()).toString()).toBe('Content-Length: 3\r\n');
    expect((await r.readline()).toString()).toBe('\r\n');
    expect((await r.read(3)).toString()).toBe('abc');
    expect((await r.read()).toString()).toBe('GET');
  });
});

describe('BufferedReader: async iteration, peek/consume/tryReadline', () => {
  it('iterates the chunks until end of stream, after a partial read', async () => {
    const r = reader(['hello ', 'wide ', 'world']);
    await r.read(2);
    const seen: string[] = [];
    for await (const chunk of r) seen.push(chunk.toString());
    expect(seen).toEqual(['llo ', 'wide ', 'world']);
  });

  it('iteration throws the source error after the data', async () => {
    const r = reader(['data'], { error: 'boom' });
    const seen: string[] = [];
    await expect(async () => {
      for await (const chunk of r) seen.push(chunk.toString());
    }).rejects.toThrow('boom');
    expect(seen).toEqual(['data']);
  });

  it('peek joins the chunks once; consume drops bytes', () => {
    const r = reader(['GET ', '/ HTTP/1.1\r\n'], { open: true });
    const first = r.peek();
    expect(first.toString()).toBe('GET / HTTP/1.1\r\n');
    expect(r.peek()).toBe(first);
    r.consume(4);
    expect(r.peek().toString()).toBe('/ HTTP/1.1\r\n');
    expect(() => r.consume(100)).toThrow(RangeError);
  });

  it('tryReadline returns undefined until the line is complete', () => {
    const r = reader(['abc'], { open: true });
    expect(r.tryReadline()).toBeUndefined();
    r.push(Buffer.from('\n'));
    expect(r.tryReadline()?.toString()).toBe('abc\n');
    expect(r.tryReadline()).toBeUndefined();
    r.end();
    expect(r.tryReadline()?.length).toBe(0);
    expect(r.atEnd).toBe(true);
  });

  it('pauses its source above highWaterMark and resumes once read below it', async () => {
    const calls: string[] = [];
    const r = new BufferedReader({ pause: () => calls.push('pause'), resume: () => calls.push('resume') });
    r.highWaterMark = 10;
    r.push(Buffer.alloc(6));
    expect(calls).toEqual([]);
    r.push(Buffer.alloc(6));
    expect(calls).toEqual(['pause']);
    await r.read(4);
    expect(calls).toEqual(['pause', 'resume']);
  });

  it('ignores pushes after end and a second end or destroy', async () => {
    const r = reader(['a']);
    r.push(Buffer.from('b'));
    r.destroy(new Error('late'));
    expect((await r.read()).toString()).toBe('a');
    expect(r.sourceEnded).toBe(true);
  });
});

describe('BufferedReader.whenReadable (wait without a promise)', () => {
  it('runs the callback inside push, once', () => {
    const r = new BufferedReader();
    const seen: number[] = [];
    r.whenReadable(() => seen.push(r.buffered));
    expect(seen).toEqual([]);
    r.push(Buffer.from('abc'));
    expect(seen).toEqual([3]);
    r.push(Buffer.from('d'));
    expect(seen).toEqual([3]);
  });

  it('runs it at end of stream and on failure, with nothing buffered', () => {
    const ended = new BufferedReader();
    const failed = new BufferedReader();
    const seen: string[] = [];
    ended.whenReadable(() => seen.push(`end ${ended.atEnd}`));
    failed.whenReadable(() => seen.push(`fail ${failed.atEnd}`));
    ended.end();
    failed.destroy(new Error('reset'));
    expect(seen).toEqual(['end true', 'fail true']);
    expect(() => failed.tryReadline()).toThrow('reset');
  });

  it('a second callback replaces the first', () => {
    const r = new BufferedReader();
    const seen: string[] = [];
    r.whenReadable(() => seen.push('first'));
    r.whenReadable(() => seen.push('second'));
    r.push(Buffer.from('x'));
    expect(seen).toEqual(['second']);
  });

  it('on an ended stream, runs as a microtask, not at once', async () => {
    const r = reader(['rest']);
    let ran = false;
    r.whenReadable(() => (ran = true));
    expect(ran).toBe(false);
    await Promise.resolve();
    expect(ran).toBe(true);
  });

  it('resumes a source paused above highWaterMark', () => {
    const calls: string[] = [];
    const r = new BufferedReader({ pause: () => calls.push('pause'), resume: () => calls.push('resume') });
    r.highWaterMark = 4;
    r.push(Buffer.alloc(8));
    r.whenReadable(() => calls.push('readable'));
    expect(calls).toEqual(['pause', 'resume']);
    r.push(Buffer.alloc(1)); // still above the mark: paused again, then the callback
    expect(calls).toEqual(['pause', 'resume', 'pause', 'readable']);
  });
});

describe('BufferedReader.read1 (io.BufferedReader.read1, without its wait)', () => {
  it('takes at most the rest of the first chunk, without copying it', () => {
    const reader = new BufferedReader();
    const first = Buffer.from('abcdef');
    reader.push(first);
    reader.push(Buffer.from('ghi'));
    const a = reader.read1(4);
    expect(a.toString()).toBe('abcd');
    expect(a.buffer).toBe(first.buffer); // a view of the received chunk
    expect(reader.read1(100).toString()).toBe('ef');
    expect(reader.read1(100).toString()).toBe('ghi');
    expect(reader.read1(100).length).toBe(0);
    expect(reader.buffered).toBe(0);
  });
});
