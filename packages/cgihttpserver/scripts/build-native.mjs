// Builds the native spawn helper (src/internal/native-spawn-helper.c) into dist/internal/,
// for this machine: run by `pnpm build` in the workspace and, in an installed package, by
// its `postinstall` (`--install`). Without a C compiler, or off Linux, it says so and leaves
// it out: the Node helper is used. With `--install` it never fails the installation.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const install = process.argv.includes('--install');
const source = fileURLToPath(new URL('../src/internal/native-spawn-helper.c', import.meta.url));
const output = fileURLToPath(new URL('../dist/internal/native-spawn-helper', import.meta.url));
const fallback = 'the Node helper will be used';
mkdirSync(fileURLToPath(new URL('../dist/internal/', import.meta.url)), { recursive: true });
rmSync(output, { force: true });
if (process.platform !== 'linux' || process.env.HTTPSTACK_NO_NATIVE === '1') {
  console.warn(`cgihttpserver: native spawn helper not built (Linux only, or HTTPSTACK_NO_NATIVE=1); ${fallback}`);
} else if (!existsSync(source)) {
  console.warn(`cgihttpserver: ${source} is missing; ${fallback}`);
} else {
  const compiler = process.env.CC || 'cc';
  const built = spawnSync(compiler, ['-O2', '-Wall', '-o', output, source], {
    stdio: install ? ['ignore', 'ignore', 'pipe'] : 'inherit',
  });
  if (built.status === 0) chmodSync(output, 0o755);
  else
    console.warn(
      `cgihttpserver: ${compiler} could not build the native spawn helper (${built.error?.message ?? `exit ${built.status}`}); ${fallback}`,
    );
}
