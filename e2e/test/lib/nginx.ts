// Runs a real nginx for the tests: found on PATH (or Debian's /usr/sbin), started in the
// foreground with a config and prefix folder of its own, stopped by PID.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What the installed nginx offers, or why there is none. */
export interface NginxInfo {
  binary?: string;
  /** `load_module` line needed for the stream module, '' if built in, undefined if absent. */
  streamModule?: string;
  reason?: string;
}

/** Finds nginx and whether it has the stream module (static, or dynamic with its .so present). */
export function findNginx(): NginxInfo {
  for (const binary of ['nginx', '/usr/sbin/nginx', '/usr/local/sbin/nginx']) {
    const probe = spawnSync(binary, ['-V'], { encoding: 'utf8' });
    if (probe.error || probe.status !== 0) continue;
    const text = `${probe.stdout}${probe.stderr}`;
    if (/--with-stream(\s|$)/.test(text)) return { binary, streamModule: '' };
    const modules = /--modules-path=(\S+)/.exec(text)?.[1];
    const so = modules && join(modules, 'ngx_stream_module.so');
    if (/--with-stream=dynamic/.test(text) && so && existsSync(so))
      return { binary, streamModule: `load_module ${so};` };
    return { binary, reason: 'nginx has no stream module (Debian: apt-get install libnginx-mod-stream)' };
  }
  return { reason: 'nginx is not installed (Debian: apt-get install nginx-light libnginx-mod-stream)' };
}

/** A free TCP port on 127.0.0.1 (bound then released). */
export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** Resolves once `port` accepts connections; rejects after `ms`. */
export async function waitForPort(port: number, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const socket = connect(port, '127.0.0.1');
    const ok = await new Promise<boolean>((resolve) =>
      socket.once('connect', () => resolve(true)).once('error', () => resolve(false)),
    );
    socket.destroy();
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`port ${port} did not accept connections within ${ms} ms`);
}

/** A running nginx: stop() ends it (graceful SIGQUIT, then SIGKILL) and removes its folder. */
export interface Nginx {
  pid: number;
  prefix: string;
  errorLog(): string;
  stop(): Promise<void>;
}

/**
 * Starts nginx in the foreground with `fixtures/nginx.conf`, its `${NAME}` placeholders
 * filled from `vars` (and PREFIX); without `streamModule` the stream block is left out.
 */
export async function startNginx(info: NginxInfo, vars: Record<string, number>, waitPorts: number[]): Promise<Nginx> {
  const prefix = mkdtempSync(join(tmpdir(), 'httpstack-nginx-'));
  let conf = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'nginx.conf'), 'utf8');
  if (info.streamModule === undefined) conf = conf.slice(0, conf.indexOf('\nstream {'));
  else conf = `${info.streamModule}\n${conf}`;
  const values: Record<string, string | number> = { ...vars, PREFIX: prefix };
  conf = conf.replace(/\$\{([A-Z_]+)\}/g, (_, name: string) => String(values[name] ?? `\${${name}}`));
  writeFileSync(join(prefix, 'nginx.conf'), conf);
  const child: ChildProcess = spawn(
    info.binary!,
    ['-p', prefix, '-c', join(prefix, 'nginx.conf'), '-g', 'daemon off;'],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr!.on('data', (data: Buffer) => (stderr += data.toString()));
  const exited = once(child, 'exit');
  const errorLog = () =>
    stderr + (existsSync(join(prefix, 'error.log')) ? readFileSync(join(prefix, 'error.log'), 'utf8') : '');
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.kill('SIGQUIT');
      await exited;
      clearTimeout(kill);
    }
    rmSync(prefix, { recursive: true, force: true });
  };
  try {
    await Promise.race([
      Promise.all(waitPorts.map((port) => waitForPort(port))),
      exited.then(() => Promise.reject(new Error(`nginx exited at start:\n${errorLog()}`))),
    ]);
  } catch (error) {
    await stop();
    throw error;
  }
  return { pid: child.pid!, prefix, errorLog, stop };
}
