/**
 * Limits around running scripts: the cap on concurrent scripts per server, the user
 * scripts run as, and the shared spawners. No Python counterpart beyond `nobody_uid()`.
 */
import { readFileSync } from 'node:fs';
import { DirectSpawner, HelperSpawner, type Spawner } from './spawner.js';

const running = new WeakMap<object, number>();

/** Takes one of `max` script slots of `server`; false when all are in use. */
export function acquireSlot(server: object, max: number): boolean {
  const count = running.get(server) ?? 0;
  if (count >= max) return false;
  running.set(server, count + 1);
  return true;
}

/** Gives back a slot taken with `acquireSlot`. */
export function releaseSlot(server: object): void {
  running.set(server, Math.max(0, (running.get(server) ?? 1) - 1));
}

/** Scripts running for `server` now. */
export function runningScripts(server: object): number {
  return running.get(server) ?? 0;
}

/** How scripts are started: see `CGIHTTPRequestHandler.spawnMode`. */
export type SpawnMode = 'helper' | 'node-helper' | 'direct';

let helper: HelperSpawner | undefined;
let nodeHelper: HelperSpawner | undefined;
let direct: DirectSpawner | undefined;

/** The process-wide spawner of the given kind (a helper is started on first use). */
export function sharedSpawner(kind: SpawnMode): Spawner {
  if (kind === 'direct') return (direct ??= new DirectSpawner());
  if (kind === 'node-helper') return (nodeHelper ??= new HelperSpawner('node'));
  return (helper ??= new HelperSpawner('native'));
}

/** Stops the shared helper processes, if any run (a later script starts a new one). */
export async function closeSharedSpawner(): Promise<void> {
  const current = [helper, nodeHelper];
  helper = nodeHelper = undefined;
  await Promise.all(current.map((spawner) => spawner?.close()));
}

/** A user's ids, as `/etc/passwd` gives them. */
export interface UserIds {
  uid: number;
  gid: number;
}

const users = new Map<string | number, UserIds | null>();

/**
 * Looks up `user` (a name or a uid) in `/etc/passwd`; `null` when it is not there.
 * Python's `nobody_uid()`; results are kept, the file is read once per name.
 */
export function lookUpUser(user: string | number): UserIds | null {
  let found = users.get(user);
  if (found !== undefined) return found;
  found = null;
  let passwd = '';
  try {
    passwd = readFileSync('/etc/passwd', 'latin1');
  } catch {
    // no passwd file: only a numeric user can be used
  }
  for (const line of passwd.split('\n')) {
    const [name, , uid, gid] = line.split(':');
    if (name === String(user) || uid === String(user)) {
      found = { uid: Number(uid), gid: Number(gid) };
      break;
    }
  }
  if (found === null && typeof user === 'number') found = { uid: user, gid: user };
  users.set(user, found);
  return found;
}
