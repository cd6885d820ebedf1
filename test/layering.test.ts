// The layer rule, checked: a package may use only the layers below it — in its imports,
// its package.json dependencies and its tsconfig references.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
/** Bottom to top. */
const LAYERS = ['socketserver', 'basehttpserver', 'simplehttpserver', 'cgihttpserver', 'cli'];
const IMPORT = /(?:from\s+|import\s*\(\s*|import\s+)['"]@httpstack\/([a-z-]+)/g;
/** The private test helpers: below every layer, for tests only (never `src`, never `dependencies`). */
const TEST_KIT = 'test-kit';

/** Lists `{file, used}` for each use of a layer that is not strictly below `layer`. */
function upwardImports(
  layer: string,
  files: Array<{ file: string; text: string }>,
): Array<{ file: string; used: string }> {
  const rank = LAYERS.indexOf(layer);
  const found: Array<{ file: string; used: string }> = [];
  for (const { file, text } of files) {
    for (const match of text.matchAll(IMPORT)) {
      const used = match[1]!;
      if (used === TEST_KIT) {
        if (!/(^|\/)test\//.test(file)) found.push({ file, used });
        continue;
      }
      if (used !== layer && LAYERS.indexOf(used) >= rank) found.push({ file, used });
      if (LAYERS.indexOf(used) === -1) found.push({ file, used });
    }
  }
  return found;
}

function sources(dir: string): Array<{ file: string; text: string }> {
  const out: Array<{ file: string; text: string }> = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (name === 'node_modules' || name === 'dist') continue;
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.(ts|js|mjs)$/.test(name))
        out.push({ file: path.slice(ROOT.length + 1), text: readFileSync(path, 'utf8') });
    }
  };
  walk(dir);
  return out;
}

describe('layering', () => {
  it('flags an import of a higher layer (the checker can fail)', () => {
    const files = [{ file: 'x.ts', text: "import { CGIHTTPRequestHandler } from '@httpstack/cgihttpserver';" }];
    expect(upwardImports('basehttpserver', files)).toEqual([{ file: 'x.ts', used: 'cgihttpserver' }]);
    expect(upwardImports('cli', files)).toEqual([]);
    const kit = "import { dial } from '@httpstack/test-kit';";
    expect(upwardImports('cli', [{ file: 'packages/cli/test/a.test.ts', text: kit }])).toEqual([]);
    expect(upwardImports('cli', [{ file: 'packages/cli/src/a.ts', text: kit }])).toEqual([
      { file: 'packages/cli/src/a.ts', used: TEST_KIT },
    ]);
  });

  it.for(LAYERS)('%s imports only lower layers', (layer) => {
    const dir = join(ROOT, 'packages', layer);
    const files = ['src', 'test', 'bin'].flatMap((sub) => {
      try {
        return sources(join(dir, sub));
      } catch {
        return [];
      }
    });
    expect(upwardImports(layer, files)).toEqual([]);
  });

  it.for(LAYERS)('%s declares only lower layers (package.json, tsconfig)', (layer) => {
    const rank = LAYERS.indexOf(layer);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'packages', layer, 'package.json'), 'utf8'));
    expect(
      Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies }),
      `${layer}: test-kit is for tests only`,
    ).not.toContain(`@httpstack/${TEST_KIT}`);
    const deps = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies, ...pkg.peerDependencies })
      .filter((name) => name.startsWith('@httpstack/') && name !== `@httpstack/${TEST_KIT}`)
      .map((name) => name.slice('@httpstack/'.length));
    for (const dep of deps) expect(LAYERS.indexOf(dep), `${layer} depends on ${dep}`).toBeGreaterThanOrEqual(0);
    for (const dep of deps) expect(LAYERS.indexOf(dep), `${layer} depends on ${dep}`).toBeLessThan(rank);
    for (const dep of Object.keys(pkg.dependencies ?? {}).filter((n) => n.startsWith('@httpstack/'))) {
      expect(pkg.dependencies[dep], `${dep} is a workspace dependency`).toBe('workspace:^');
    }
    const tsconfig = JSON.parse(readFileSync(join(ROOT, 'packages', layer, 'tsconfig.json'), 'utf8'));
    const refs: string[] = (tsconfig.references ?? []).map((ref: { path: string }) => ref.path.replace('../', ''));
    for (const ref of refs) expect(LAYERS.indexOf(ref), `${layer} references ${ref}`).toBeLessThan(rank);
    expect(refs.sort()).toEqual(deps.sort());
  });
});
