/**
 * The spawn helper: a small, long-lived child process that starts CGI scripts for a server.
 * No Python counterpart (Python forks the server for each script).
 *
 * Why: `fork()` copies the parent's page tables, so spawning from a server with a large
 * heap is slow (about 30 spawns/s with a 1 GiB heap). This process keeps a small heap, so
 * its spawns stay fast whatever the server holds.
 *
 * How: it listens on a Unix socket in a private (0700) directory. For each script the
 * server connects, sends one frame (`encodeSpec`) and waits; the helper reads that frame,
 * starts the script with the connection itself as its stdout (and a second one as its
 * stdin, when the request has a body), and closes its own copies. The script's bytes then flow between the server and the script without passing
 * through here. Starts, exits and stderr are reported over the IPC channel.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeSpec, type HelperMessage, type ServerMessage, type SpawnSpec } from './spawn-protocol.js';

const MAX_SPEC = 1024 * 1024;
/**
 * Jobs by id, running or recently exited: a script's children may outlive it and still
 * need the group kill. Bounded: the oldest exited ones are forgotten first.
 */
const jobs = new Map<number, ChildProcess>();
const exited: number[] = [];
const REMEMBER_EXITED = 4096;
/** Jobs waiting for their second connection: the spec and the first socket. */
const waiting = new Map<number, { spec?: SpawnSpec; out?: Socket; in?: Socket }>();
const dir = mkdtempSync(join(tmpdir(), 'httpstack-cgi-'));
const socketPath = join(dir, 'spawn.sock');

function send(message: HelperMessage, then: () => void = ignore): void {
  // With a callback, a failed send (the server is gone) is reported there, not thrown.
  if (process.connected) process.send!(message, undefined, undefined, then);
}

function ignore(): void {}

/** Reads the spec frame or the stdin line (`spawn-protocol.ts`); the server sends nothing more until it hears back. */
function onConnection(socket: Socket): void {
  let received: Buffer[] = [];
  let size = 0;
  const onData = (chunk: Buffer) => {
    received.push(chunk);
    size += chunk.length;
    const all = received.length === 1 ? chunk : Buffer.concat(received, size);
    received = [all];
    const parsed = parseFirst(all);
    if (parsed === null) return void socket.destroy();
    if (parsed === undefined) return;
    socket.off('data', onData);
    socket.pause();
    received = [];
    arrive(parsed, socket);
  };
  socket.on('data', onData);
  socket.on('error', () => socket.destroy());
}

/** The spec or stdin line at the start of `bytes`: `undefined` while incomplete, `null` if malformed. */
function parseFirst(bytes: Buffer): SpawnSpec | { id: number } | null | undefined {
  if (bytes[0] === 0x69) {
    // 'i'
    const end = bytes.indexOf(0x0a);
    if (end === -1) return bytes.length > 32 ? null : undefined;
    return { id: Number(bytes.toString('latin1', 1, end)) };
  }
  const colon = bytes.indexOf(0x3a); // ':'
  if (bytes[0] !== 0x6f || (colon === -1 && bytes.length > 16)) return null;
  if (colon === -1) return undefined;
  const length = Number(bytes.toString('latin1', 1, colon));
  if (!Number.isSafeInteger(length) || length > MAX_SPEC) return null;
  if (bytes.length < colon + 1 + length) return undefined;
  return decodeSpec(bytes.toString('utf8', colon + 1, colon + 1 + length)) ?? null;
}

/** Pairs a job's connections; starts the script once it has all it needs. */
function arrive(line: SpawnSpec | { id: number }, socket: Socket): void {
  const entry = waiting.get(line.id) ?? {};
  if ('file' in line) {
    entry.spec = line;
    entry.out = socket;
  } else {
    entry.in = socket;
  }
  if (entry.spec === undefined || (entry.spec.stdin && entry.in === undefined)) {
    waiting.set(line.id, entry);
    // A half-made job whose server side went away is forgotten.
    socket.once('close', () => waiting.get(line.id) === entry && waiting.delete(line.id));
    return;
  }
  waiting.delete(line.id);
  start(entry.spec, entry.out!, entry.in);
}

function start(spec: SpawnSpec, out: Socket, input: Socket | undefined): void {
  let child: ChildProcess;
  try {
    child = spawn(spec.file, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      stdio: [input ?? 'ignore', out, 'pipe'],
      // Its own process group, so that a time limit or a disconnect ends its children too.
      detached: true,
      ...(spec.uid === undefined ? {} : { uid: spec.uid, gid: spec.gid }),
    });
  } catch (error) {
    const { code = 'ERR', message } = error as NodeJS.ErrnoException;
    send({ t: 'failed', id: spec.id, code, message });
    out.destroy();
    input?.destroy();
    return;
  }
  // The script holds the connections now.
  out.destroy();
  input?.destroy();
  if (child.pid === undefined) {
    child.once('error', (error: NodeJS.ErrnoException) => {
      send({ t: 'failed', id: spec.id, code: error.code ?? 'ERR', message: error.message });
    });
    return;
  }
  jobs.set(spec.id, child);
  // Only a server with a body to send waits for this (it must not write before the spawn).
  if (spec.stdin) send({ t: 'spawned', id: spec.id, pid: child.pid });
  relayStderr(spec.id, child);
  child.once('exit', (code, signal) => {
    send({ t: 'exit', id: spec.id, code, signal });
    exited.push(spec.id);
    if (exited.length > REMEMBER_EXITED) jobs.delete(exited.shift()!);
  });
}

/** Forwards stderr, pausing while the IPC channel is backed up. */
function relayStderr(id: number, child: ChildProcess): void {
  const stderr = child.stderr!;
  stderr.setEncoding('utf8');
  stderr.on('data', (text: string) => {
    stderr.pause();
    send({ t: 'stderr', id, text }, () => stderr.resume());
  });
  stderr.on('error', () => {});
}

function onMessage(message: ServerMessage): void {
  const child = jobs.get(message.id);
  if (child !== undefined) killGroup(child, message.signal);
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // ESRCH: the whole group has ended already.
  }
}

function shutdown(): void {
  for (const child of jobs.values()) killGroup(child, 'SIGKILL');
  server.close();
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}

const server = createServer({ allowHalfOpen: true, pauseOnConnect: false }, onConnection);
server.listen(socketPath, () => send({ t: 'ready', socketPath }));
process.on('message', onMessage);
process.on('disconnect', shutdown);
process.on('SIGTERM', shutdown);
// Ctrl-C reaches the whole terminal's process group: the server decides when this ends.
process.on('SIGINT', () => {});
