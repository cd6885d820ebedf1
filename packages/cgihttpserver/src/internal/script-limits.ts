/**
 * Limits around running scripts: the cap on concurrent scripts per server, the user
 * scripts run as, and the shared spawners. No Python counterpart beyond `nobody_uid()`.
 */
import { readFileSync } from 'node:fs';
import { DirectSpawner, HelperSpawner, type Spawner } from './spawner.js';

/** A server's script slots: how many are taken, and the requests waiting for one. */
interface Slots {
  running: number;
  waiting: Array<(granted: boolean) => void>;
}

const slots = new WeakMap<object, Slots>();

function slotsOf(server: object): Slots {
  let state = slots.get(server);
  if (!state) slots.set(server, (state = { running: 0, waiting: [] }));
  return state;
}

/**
 * Takes one of `max` script slots of `server`. When all are taken, waits up to `waitMs`
 * for one to be given back (first come, first served), so that a slot still held for a
 * script whose output has ended does not turn a burst into 503s. The wait is bounded in
 * time, and the waiters by the open connections (one request in flight each). Resolves
 * false when no slot came.
 */
export function acquireSlot(server: object, max: number, waitMs: number): boolean | Promise<boolean> {
  const state = slotsOf(server);
  if (state.running < max) {
    state.running++;
    return true;
  }
  if (waitMs <= 0) return false;
  return new Promise((resolve) => {
    const waiter = (granted: boolean) => {
      clearTimeout(timer);
      resolve(granted);
    };
    const timer = setTimeout(() => {
      state.waiting.splice(state.waiting.indexOf(waiter), 1);
      resolve(false);
    }, waitMs);
    state.waiting.push(waiter);
  });
}

/** Gives back a slot taken with `acquireSlot`: to the first waiting request, if any. */
export function releaseSlot(server: object): void {
  const state = slotsOf(server);
  const next = state.waiting.shift();
  if (next) next(true);
  else state.running = Math.max(0, state.running - 1);
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
