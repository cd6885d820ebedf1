/**
 * The messages between a server process and its spawn helper (see `spawn-helper.ts`).
 * No Python counterpart: Python forks the server itself for each script.
 */

/**
 * What to run: sent as one frame (`encodeSpec`) at the start of the script's stdout
 * connection. When `stdin` is true, a second connection whose first line is `i<id>`
 * becomes its stdin; otherwise stdin is `/dev/null`. (Two connections, so that a script
 * that exits without reading its input cannot make a failed write discard its output.)
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

/**
 * The spec as the helpers read it (the Node one and the native one alike): `o`, the
 * byte length of the payload, `:`, then NUL-terminated fields — id, stdin (`1`/`0`), uid,
 * gid ('' when unset), cwd, file, the number of arguments, the arguments, then one
 * `NAME=value` per variable. Throws (`code` `EINVAL`) on a NUL inside a string, as
 * `child_process.spawn` does.
 */
export function encodeSpec(spec: SpawnSpec): Buffer {
  const fields = [
    String(spec.id),
    spec.stdin ? '1' : '0',
    spec.uid === undefined ? '' : String(spec.uid),
    spec.gid === undefined ? '' : String(spec.gid),
    spec.cwd,
    spec.file,
    String(spec.args.length),
    ...spec.args,
    ...Object.entries(spec.env).map(([name, value]) => `${name}=${value}`),
  ];
  const payload = fields.join('\0') + '\0';
  if (fields.some((field) => field.includes('\0')) || Object.keys(spec.env).some((name) => name.includes('='))) {
    throw Object.assign(new Error("a NUL byte (or = in a variable name) in a script's spec"), { code: 'EINVAL' });
  }
  const bytes = Buffer.byteLength(payload);
  return Buffer.from(`o${bytes}:${payload}`);
}

/** Reads a payload made by `encodeSpec` (without its `o<length>:` head); `undefined` if malformed. */
export function decodeSpec(payload: string): SpawnSpec | undefined {
  const fields = payload.split('\0');
  fields.pop(); // after the last NUL
  const argc = Number(fields[6]);
  if (fields.length < 7 || !Number.isSafeInteger(argc) || argc < 0 || fields.length < 7 + argc) return undefined;
  const env: Record<string, string> = {};
  for (const entry of fields.slice(7 + argc)) {
    const at = entry.indexOf('=');
    if (at > 0) env[entry.slice(0, at)] = entry.slice(at + 1);
  }
  const [id, stdin, uid, gid, cwd, file] = fields as [string, string, string, string, string, string];
  return {
    id: Number(id),
    stdin: stdin === '1',
    cwd,
    file,
    args: fields.slice(7, 7 + argc),
    env,
    ...(uid === '' ? {} : { uid: Number(uid), gid: Number(gid) }),
  };
}
