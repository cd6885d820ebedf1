import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { statNow, statThisTurn } from '../src/internal/caches.js';
import { statQuiet } from '../src/stat-quiet.js';

const dir = mkdtempSync(join(tmpdir(), 'httpstack-turn-stat-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('statThisTurn', () => {
  it('shares one stat within a turn and takes a new one in the next turn', async () => {
    const file = join(dir, 'a.txt');
    writeFileSync(file, 'one');
    expect(statThisTurn(file)?.size).toBe(3);
    writeFileSync(file, 'three');
    expect(statThisTurn(file)?.size).toBe(3); // same turn: shared
    expect(statNow(file)?.size).toBe(5);
    expect(statQuiet(file, false)?.size).toBe(5);
    await nextTurn();
    expect(statThisTurn(file)?.size).toBe(5);
  });

  it('remembers a missing file only for the turn', async () => {
    const file = join(dir, 'b.txt');
    expect(statThisTurn(file)).toBeUndefined();
    writeFileSync(file, 'x');
    expect(statThisTurn(file)).toBeUndefined();
    await nextTurn();
    expect(statThisTurn(file)?.size).toBe(1);
    unlinkSync(file);
    await nextTurn();
    expect(statThisTurn(file)).toBeUndefined();
  });

  it('answers undefined for paths through a file', () => {
    writeFileSync(join(dir, 'c.txt'), 'x');
    expect(statNow(join(dir, 'c.txt', 'inside'))).toBeUndefined();
  });
});
