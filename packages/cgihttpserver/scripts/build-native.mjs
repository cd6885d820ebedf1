// Builds the native spawn helper (src/internal/native-spawn-helper.c) into dist/internal/.
// Without a C compiler, or off Linux, it says so and leaves it out: the Node helper is used.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const source = fileURLToPath(new URL('../src/internal/native-spawn-helper.c', import.meta.url));
const output = fileURLToPath(new URL('../dist/internal/native-spawn-helper', import.meta.url));
mkdirSync(fileURLToPath(new URL('../dist/internal/', import.meta.url)), { recursive: true });
rmSync(output, { force: true });
if (process.platform !== 'linux' || process.env.HTTPSTACK_NO_NATIVE === '1') {
  console.warn('cgihttpserver: native spawn helper not built (Linux only, or HTTPSTACK_NO_NATIVE=1); the Node helper will be used');
} else {
  const compiler = process.env.CC || 'cc';
  const built = spawnSync(compiler, ['-O2', '-Wall', '-o', output, source], { stdio: 'inherit' });
  if (built.status !== 0) {
    console.warn(`cgihttpserver: ${compiler} could not build the native spawn helper; the Node helper will be used`);
  }
}
