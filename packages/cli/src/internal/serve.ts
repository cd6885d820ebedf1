/** Runs the server a valid command line asks for, until Ctrl-C or SIGTERM. */
import cluster from 'node:cluster';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import * as net from 'node:net';
import type { BasicCredentials } from '@httpstack/basehttpserver';
import { UsageError, type Bind, type CommandLine } from '../command-line.js';
import { buildServer, type CliServer } from './build-server.js';
import { cgiAsNobodyWarning, type TlsMaterial } from './files.js';
import { banner, bindErrorExitCode, describeBindError, openUploadWarning, urlHints } from './messages.js';
import { createSelfSigned, SELF_SIGNED_DAYS, SELF_SIGNED_NAMES, type SelfSigned } from './self-signed.js';

/** What `main` has read and checked before loading the layers. */
export interface CheckedFiles {
  /** Absolute path of the folder to serve. */
  directory: string;
  /** From `--tls-cert`/`--tls-key`/`--tls-password-file`. */
  tls: TlsMaterial | undefined;
  /** From `--auth` or `--auth-file`. */
  credentials: BasicCredentials | undefined;
}

/**
 * serve makes the self-signed certificate if asked, builds the server, binds, prints
 * Python's banner (in the primary process only), serves until a signal, and resolves to
 * the exit code; it throws `UsageError` for a bind address that cannot be. In a `--workers` worker (the same command, re-run by
 * `ForkingMixIn`), it serves quietly and leaves signals to the primary.
 */
export async function serve(line: CommandLine, argv: readonly string[], files: CheckedFiles): Promise<number> {
  const { directory } = files;
  const warning = line.cgi && cluster.isPrimary ? cgiAsNobodyWarning(directory) : undefined;
  if (warning) process.stderr.write(`httpstack: warning: ${warning}\n`);
  const selfSigned = line.tlsSelfSigned ? createSelfSigned() : undefined;
  try {
    const tls = selfSigned?.material ?? files.tls;
    const bind = await resolveBind(line.bind);
    const open = cluster.isPrimary ? openUploadWarning(line, bind, files.credentials !== undefined) : undefined;
    if (open) process.stderr.write(`httpstack: warning: ${open}\n`);
    if (line.workers > 1 && cluster.isPrimary && bind.kind === 'tcp' && bind.port !== 0) {
      const busy = await probe(bind);
      if (busy) return fail(describeBindError(busy, bind), bindErrorExitCode(busy));
    }
    const workerArgs = argsForWorkers(argv, selfSigned);
    const server = await buildServer({ line, bind, directory, tls, workerArgs, credentials: files.credentials });
    try {
      await server.serverBind();
    } catch (error) {
      await server.shutdown().catch(() => {});
      return fail(describeBindError(error, bind), bindErrorExitCode(error));
    }
    return await serveUntilSignal(server, () => cluster.isPrimary && announce(server, line, tls, selfSigned));
  } finally {
    selfSigned?.remove();
  }
}

/**
 * Checks a Unix socket's folder; with no `--bind`, picks `::` (IPv4 and IPv6, like Python
 * 3.8+), or `0.0.0.0` on a machine without IPv6.
 */
async function resolveBind(bind: Bind): Promise<Bind> {
  if (bind.kind === 'unix' && !existsSync(dirname(resolve(bind.path)))) {
    throw new UsageError(`cannot make socket '${bind.path}': its folder does not exist`);
  }
  if (bind.kind === 'unix' || bind.host !== undefined) return bind;
  const ipv6 = (await probe({ kind: 'tcp', host: '::', port: 0 })) === undefined;
  return { ...bind, host: ipv6 ? '::' : '0.0.0.0' };
}

/**
 * Listens on `bind` for a moment and closes; resolves to the error if it could not.
 * With workers the listening happens inside `node:cluster`, whose errors only say that a
 * worker exited: this gives the user the real reason first.
 */
function probe(bind: Bind & { kind: 'tcp' }): Promise<Error | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', resolve);
    server.listen({ host: bind.host, port: bind.port, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}

/**
 * The workers re-run this command with the same arguments (those given to `main`, which
 * need not be `process.argv`); with `--tls-self-signed` they get its files instead.
 */
function argsForWorkers(argv: readonly string[], selfSigned: SelfSigned | undefined): string[] {
  if (!selfSigned) return [...argv];
  const args = argv.filter((arg) => arg !== '--tls-self-signed');
  return [...args, '--tls-cert', selfSigned.certFile, '--tls-key', selfSigned.keyFile];
}

function announce(
  server: CliServer,
  line: CommandLine,
  tls: TlsMaterial | undefined,
  selfSigned: SelfSigned | undefined,
): void {
  // Python's banner first: tools (CPython's own HTTPS CLI test among them) read the first line.
  const lines = [banner(server.serverAddress, tls !== undefined)];
  if (!line.quiet) lines.push(...urlHints(server.serverAddress, tls !== undefined));
  if (selfSigned)
    lines.push(
      `Self-signed certificate for ${SELF_SIGNED_NAMES.join(', ')}, valid ${SELF_SIGNED_DAYS} days (development only)`,
    );
  if (tls) lines.push(`TLS certificate SHA-256 fingerprint: ${tls.fingerprint}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

/**
 * Calls `ready()` once the signal handlers are in place, serves until SIGINT or SIGTERM,
 * then shuts down gracefully (in-flight requests finish) and resolves to 0. SIGINT prints
 * Python's "Keyboard interrupt received, exiting."; a second signal during the shutdown
 * exits at once with code 1.
 */
async function serveUntilSignal(server: CliServer, ready: () => void): Promise<number> {
  // A worker leaves signals to the primary, which shuts every worker down gracefully.
  const onSignal = cluster.isWorker ? () => {} : stopOnSignal(server);
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  try {
    ready(); // the banner says the server is ready: Ctrl-C is handled from then on
    await server.serveForever();
    await server.serverClose();
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  }
  return 0;
}

function stopOnSignal(server: CliServer): (signal: NodeJS.Signals) => void {
  let stopping = false;
  return (signal) => {
    if (stopping) {
      process.stderr.write('httpstack: second signal, exiting without waiting\n');
      process.exit(1);
    }
    stopping = true;
    if (signal === 'SIGINT') process.stdout.write('\nKeyboard interrupt received, exiting.\n');
    void server.shutdown();
  };
}

function fail(message: string, code: number): number {
  process.stderr.write(`httpstack: error: ${message}\n`);
  return code;
}
