// Runs the real `httpstack` bin as a child process and reads what it prints.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, onTestFinished } from 'vitest';

export const BIN = join(import.meta.dirname, '..', 'bin', 'httpstack.js');

/** The banner's parts: `Serving HTTP on 127.0.0.1 port 8000 (http://127.0.0.1:8000/) ...`. */
export const BANNER = /^Serving (HTTPS?) on (?:(\S+) port (\d+) \((https?:\/\/\S+)\)|unix:\S+) \.\.\.$/m;

export interface Running {
  child: ChildProcess;
  port: number;
  host: string;
  /** The URL of the banner. */
  url: string;
  stdout(): string;
  stderr(): string;
  /** Resolves to the exit code once the process has exited. */
  exited: Promise<number | null>;
}

const started = new Set<ChildProcess>();

// Every test's processes are ended after it, by PID (SIGKILL for those still running).
afterEach(() => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  started.clear();
});

/** Spawns `httpstack args` and resolves once its banner is printed (rejects after `ms`). */
export async function startCli(args: string[], options: { cwd?: string; ms?: number } = {}): Promise<Running> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  started.add(child);
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (text: string) => (out += text));
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (err += text));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no banner within ${options.ms ?? 15000} ms; stdout: ${out}; stderr: ${err}`)),
      options.ms ?? 15000,
    );
    const check = () => {
      const found = BANNER.exec(out);
      if (found) {
        clearTimeout(timer);
        child.stdout!.off('data', check);
        resolve(found);
      }
    };
    child.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before its banner; stdout: ${out}; stderr: ${err}`));
    });
  });
  return {
    child,
    host: match[2] ?? '',
    port: Number(match[3] ?? NaN),
    url: match[4] ?? '',
    stdout: () => out,
    stderr: () => err,
    exited,
  };
}

/** Runs `httpstack args` to its end (killed after `ms`) and returns its exit code and output. */
export function runCli(args: string[], ms = 15000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  started.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const timer = setTimeout(() => child.kill('SIGKILL'), ms);
  return new Promise((resolve) =>
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

/** Resolves once `read()` matches `pattern`, checking on `child`'s output (bounded). */
export async function waitFor(
  child: ChildProcess,
  read: () => string,
  pattern: RegExp,
  ms = 10000,
): Promise<RegExpExecArray> {
  await waitUntil(
    child,
    () => pattern.test(read()),
    ms,
    () => `no ${pattern} in: ${read()}`,
  );
  return pattern.exec(read())!;
}

/** Resolves once `test()` is true, checking whenever `child` prints; rejects after `ms`. */
export function waitUntil(
  child: ChildProcess,
  test: () => boolean,
  ms = 10000,
  why = () => 'condition not met',
): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!test()) return;
      stop();
      resolve();
    };
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`${why()} (after ${ms} ms)`));
    }, ms);
    const stop = () => {
      clearTimeout(timer);
      child.stdout?.off('data', check);
      child.stderr?.off('data', check);
    };
    child.stdout?.on('data', check);
    child.stderr?.on('data', check);
    check();
  });
}

/** A temporary folder removed after the test (call it inside a test). */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'httpstack-cli-test-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Whether `pkg` exports `name` yet (the layers below the CLI land separately): tests of
 * wiring to a missing layer skip, with the reason printed.
 */
export async function layerReady(pkg: string, name: string): Promise<boolean> {
  let ready = false;
  try {
    ready = name in ((await import(pkg)) as object);
  } catch {
    ready = false;
  }
  if (!ready) console.warn(`skipping: ${pkg} does not export ${name} yet`);
  return ready;
}

/** GET over `node:http` or `node:https`; resolves to status, headers, body and the socket reuse flag. */
export { get } from './http-get.js';
