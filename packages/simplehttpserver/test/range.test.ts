import { describe, expect, it } from 'vitest';
import { contentRange, parseRange, unsatisfiedRange } from '../src/internal/range.js';

describe('parseRange', () => {
  it.for([
    ['bytes=0-99', 1000, [[0, 99]]],
    ['bytes=0-', 1000, [[0, 999]]],
    ['bytes=500-', 1000, [[500, 999]]],
    ['bytes=-100', 1000, [[900, 999]]],
    ['bytes=-5000', 1000, [[0, 999]]],
    ['bytes=900-5000', 1000, [[900, 999]]],
    ['bytes=999-999', 1000, [[999, 999]]],
    ['BYTES=0-0', 1000, [[0, 0]]],
    [
      'bytes= 0-1, 5-6',
      1000,
      [
        [0, 1],
        [5, 6],
      ],
    ],
    [
      'bytes=5-6,0-1',
      1000,
      [
        [5, 6],
        [0, 1],
      ],
    ],
    [
      'bytes=0-1,,2-3',
      1000,
      [
        [0, 1],
        [2, 3],
      ],
    ],
    ['bytes=0-1,2000-3000', 1000, [[0, 1]]],
  ] as const)('%s of %d → %j', ([header, size, want]) => {
    const got = parseRange(header, size);
    expect(got).toEqual({ type: 'partial', ranges: want.map(([start, end]) => ({ start, end })) });
  });

  it.for([
    ['bytes=1000-', 1000],
    ['bytes=1000-2000', 1000],
    ['bytes=-0', 1000],
    ['bytes=0-', 0],
    ['bytes=-1', 0],
    ['bytes=2000-3000,5000-', 1000],
    ['bytes=99999999999999999999999-', 1000],
  ] as const)('%s of %d → unsatisfiable', ([header, size]) => {
    expect(parseRange(header, size)).toEqual({ type: 'unsatisfiable' });
  });

  it.for([
    [undefined],
    ['items=0-1'],
    ['bytes'],
    ['bytes='],
    ['bytes=abc'],
    ['bytes=5-1'],
    ['bytes=-'],
    ['bytes=0-1;2-3'],
    ['bytes=1 -2'],
    ['bytes=0-10,5-15'],
    ['bytes=0-,0-'],
    [`bytes=${Array.from({ length: 17 }, (_, i) => `${i * 10}-${i * 10 + 1}`).join(',')}`],
    [`bytes=${Array.from({ length: 200 }, () => '0-').join(',')}`],
  ] as const)('%s → full (ignored)', ([header]) => {
    expect(parseRange(header, 1000)).toEqual({ type: 'full' });
  });

  it('accepts exactly the cap', () => {
    const header = `bytes=${Array.from({ length: 16 }, (_, i) => `${i * 10}-${i * 10 + 1}`).join(',')}`;
    expect(parseRange(header, 1000)).toMatchObject({ type: 'partial' });
  });

  it('formats Content-Range', () => {
    expect(contentRange({ start: 0, end: 99 }, 1000)).toBe('bytes 0-99/1000');
    expect(unsatisfiedRange(1000)).toBe('bytes */1000');
  });
});
