// Starts and stops the httpstack instances of the e2e tests (fixtures/backend.mjs), by PID.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';

/** A running instance: its ports, its access log so far, and its exit. */
export interface Backend {
  name: string;
  pid: number;
  plainPort: number;
  proxyPort: number;
  /** Everything written to stderr (the access log) so far. */
  log(): string;
  /** Resolves once the log matches `pattern` (rejects after 5 s, with the log). */
  waitForLog(pattern: RegExp): Promise<void>;
  /** Resolves with the exit code (null after a signal). */
  exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after 10 s; resolves with the exit code. */
  stop(): Promise<number | null>;
}

const script = join(import.meta.dirname, '..', 'fixtures', 'backend.mjs');

/** Starts `fixtures/backend.mjs <name> <plainPort> <proxyPort>` and waits for it to listen. */
export function startBackend(name: string, plainPort = 0, proxyPort = 0): Promise<Backend> {
  const child = spawn(process.execPath, [script, name, String(plainPort), String(proxyPort)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
  const waitForLog = (pattern: RegExp) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!pattern.test(stderr)) return;
        clearTimeout(timer);
        child.stderr.off('data', check);
        resolve();
      };
      const timer = setTimeout(() => {
        child.stderr.off('data', check);
        reject(new Error(`log of ${name} never matched ${pattern}:\n${stderr}`));
      }, 5000);
      child.stderr.on('data', check);
      check();
    });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return new Promise((resolve, reject) => {
    let stdout = '';
    const onData = (data: Buffer) => {
      stdout += data.toString();
      const ports = /^listening (\d+) (\d+)\n/.exec(stdout);
      if (!ports) return;
      child.stdout.off('data', onData);
      resolve({
        name,
        pid: child.pid!,
        plainPort: Number(ports[1]),
        proxyPort: Number(ports[2]),
        log: () => stderr,
        waitForLog,
        exited,
        stop: async () => {
          if (child.exitCode !== null || child.signalCode !== null) return exited;
          const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
          child.kill('SIGTERM');
          const code = await exited;
          clearTimeout(kill);
          return code;
        },
      });
    };
    child.stdout.on('data', onData);
    void exited.then((code) => reject(new Error(`backend ${name} exited (${code}) before listening:\n${stderr}`)));
  });
}
