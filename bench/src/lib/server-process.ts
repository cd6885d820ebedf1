/**
 * Runs a server under test in its own process, so that the harness never shares an
 * event loop (or a heap) with it. The child script calls `serveChild()` from `child.ts`.
 */
import { fork, type ChildProcess } from 'node:child_process';

export interface ServerProcess {
  /** Port the child listens on (127.0.0.1). */
  port: number;
  pid: number;
  /** The child's `process.memoryUsage()`, after a garbage collection if it can. */
  memory(): Promise<NodeJS.MemoryUsage>;
  /** Asks the child something its script answers (see `serveChild`'s `onMessage`). */
  ask(message: unknown): Promise<unknown>;
  /** Ends the child (SIGTERM, then SIGKILL after 3 s) and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * Starts `script` (a compiled .js file) with `args` in a child Node process and resolves
 * once it reports the port it listens on. `execArgv` defaults to `--expose-gc`.
 */
export function startServer(
  script: string,
  args: string[] = [],
  options: { execArgv?: string[]; env?: NodeJS.ProcessEnv } = {},
): Promise<ServerProcess> {
  const child = fork(script, args, {
    execArgv: options.execArgv ?? ['--expose-gc'],
    env: options.env ?? process.env,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`${script} did not listen within 20 s`)), 20_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    child.once('exit', (code) => fail(new Error(`${script} exited (${code}) before listening`)));
    child.on('message', function onReady(message: any) {
      if (message?.type !== 'listening') return;
      clearTimeout(timer);
      child.off('message', onReady);
      child.removeAllListeners('exit');
      resolve(wrap(child, message.port));
    });
  });
}

let nextId = 0;

function wrap(child: ChildProcess, port: number): ServerProcess {
  const ask = (message: unknown) =>
    new Promise<unknown>((resolve, reject) => {
      const id = ++nextId;
      const onMessage = (reply: any) => {
        if (reply?.type !== 'reply' || reply.id !== id) return;
        child.off('message', onMessage);
        resolve(reply.value);
      };
      child.on('message', onMessage);
      child.send({ type: 'ask', id, message }, (error) => error && reject(error));
    });
  return {
    port,
    pid: child.pid!,
    ask,
    memory: () => ask('memory') as Promise<NodeJS.MemoryUsage>,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const kill = setTimeout(() => child.kill('SIGKILL'), 3000);
        child.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}
