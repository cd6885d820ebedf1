/** The `httpstack` command: `python -m http.server`'s `test()` and `__main__`, for Node. */
import { readFileSync } from 'node:fs';
import { parseCommandLine, UsageError, type CommandLine } from './command-line.js';
import { checkDirectory, loadCredentials, loadTlsFiles } from './internal/files.js';
import { USAGE } from './internal/messages.js';

/** Exit code after a graceful stop (Ctrl-C, SIGTERM), `--help` or `--version`. */
export const EXIT_OK = 0;
/** Exit code when the server could not listen: a port in use, a privileged port. */
export const EXIT_FAILURE = 1;
/** Exit code for a bad command line or a file it names, as Python's `argparse`. */
export const EXIT_USAGE = 2;

/**
 * main runs the `httpstack` command with `argv` (the arguments after the script) and
 * resolves to its exit code once the server has stopped: 0 after Ctrl-C or SIGTERM and a
 * graceful shutdown, 1 when it cannot listen (a port in use), 2 for any mistake on the
 * command line (printed as one line `httpstack: error: …` on stderr, as `argparse` does).
 *
 * It only parses and wires: the server is `HTTPServer` or `HTTPSServer` (with
 * `ForkingMixIn` for `--workers`), the handler `SimpleHTTPRequestHandler` or, with `--cgi`,
 * `CGIHTTPRequestHandler`. The layers are loaded once the command line is known to be valid.
 */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<number> {
  let line: CommandLine;
  try {
    line = parseCommandLine(argv);
  } catch (error) {
    return usageError(error);
  }
  if (line.help) {
    process.stdout.write(USAGE);
    return EXIT_OK;
  }
  if (line.version) {
    process.stdout.write(`httpstack ${packageVersion()}\n`);
    return EXIT_OK;
  }
  try {
    const files = {
      directory: checkDirectory(line.directory),
      tls: loadTlsFiles(line),
      credentials: await loadCredentials(line),
    };
    const { serve } = await import('./internal/serve.js');
    return await serve(line, argv, files);
  } catch (error) {
    return usageError(error);
  }
}

function usageError(error: unknown): number {
  if (!(error instanceof UsageError)) throw error;
  process.stderr.write(`httpstack: error: ${error.message}\n`);
  return EXIT_USAGE;
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
