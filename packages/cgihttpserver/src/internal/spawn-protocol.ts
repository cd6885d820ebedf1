/**
 * The messages between a server process and its spawn helper (see `spawn-helper.ts`).
 * No Python counterpart: Python forks the server itself for each script.
 */

/**
 * What to run: sent as one JSON line at the start of the script's stdout connection. When
 * `stdin` is true, a second connection whose first line is `{"id":N}` becomes its stdin;
 * otherwise stdin is `/dev/null`. (Two connections, so that a script that exits without
 * reading its input cannot make a failed write discard its output.)
 */
export interface SpawnSpec {
  /** Chosen by the server; names the job in every later message. */
  id: number;
  stdin: boolean;
  file: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  /** Run as this user and group (only when set; needs root). */
  uid?: number;
  gid?: number;
}

/** Helper → server, over the IPC channel (`spawned` only for a spec with `stdin`). */
export type HelperMessage =
  | { t: 'ready'; socketPath: string }
  | { t: 'spawned'; id: number; pid: number }
  | { t: 'failed'; id: number; code: string; message: string }
  | { t: 'stderr'; id: number; text: string }
  | { t: 'exit'; id: number; code: number | null; signal: string | null };

/** Server → helper, over the IPC channel. */
export type ServerMessage = { t: 'kill'; id: number; signal: NodeJS.Signals };
