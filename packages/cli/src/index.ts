/** @httpstack/cli: the `httpstack` command, Node's `python -m http.server`. */
export { main, EXIT_OK, EXIT_FAILURE, EXIT_USAGE } from './main.js';
export { parseCommandLine, UsageError, DEFAULT_PORT, type Bind, type CommandLine } from './command-line.js';
