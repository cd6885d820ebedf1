/**
 * `stat(2)` results shared by the requests answered in one turn of the event loop: under
 * load, many requests for the same file are read in one turn, and one `stat` serves them.
 */
import { statSync, type Stats } from 'node:fs';
import { fsPath } from './file-names.js';

let memo = new Map<string, Stats | null>();
let clearing = false;

/** `stat(2)` that answers `undefined` for any failure (missing, not a directory, no access). */
export function statNow(path: string): Stats | undefined {
  try {
    return statSync(fsPath(path), { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

/**
 * The stat of `path` as of this turn of the event loop: taken by the first call in the
 * turn, shared by the later ones, forgotten when the turn ends (at its `setImmediate`
 * phase). A request read in a later turn than an edit always sees the edit.
 */
export function statThisTurn(path: string): Stats | undefined {
  const hit = memo.get(path);
  if (hit !== undefined) return hit ?? undefined;
  const stat = statNow(path);
  memo.set(path, stat ?? null);
  if (!clearing) {
    clearing = true;
    setImmediate(forget);
  }
  return stat;
}

function forget(): void {
  memo = new Map();
  clearing = false;
}

/** `statThisTurn` or `statNow`, as `shared` says. */
export function statQuiet(path: string, shared: boolean): Stats | undefined {
  return shared ? statThisTurn(path) : statNow(path);
}
