// The ```ts blocks of the user-facing Markdown, with their `doc-test` markers, for the consumer test.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The documents whose TypeScript blocks a user may copy: README, the guide, each package README. */
export function documents(root) {
  const guide = readdirSync(join(root, 'docs/guide'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/guide/${name}`);
  const packages = readdirSync(join(root, 'packages')).map((name) => `packages/${name}/README.md`);
  return ['README.md', ...guide.sort(), ...packages.sort()];
}

const MARKER = /^<!--\s*doc-test:\s*(.*?)\s*-->\s*$/;

/** The package of each class a `method` block may be a method of. */
const HOMES = {
  StreamRequestHandler: '@httpstack/socketserver',
  BaseHTTPRequestHandler: '@httpstack/basehttpserver',
  SimpleHTTPRequestHandler: '@httpstack/simplehttpserver',
  CGIHTTPRequestHandler: '@httpstack/cgihttpserver',
};

/**
 * Each ```ts block of `file`, as `{ name, line, code, skip, run }`. The line just above a
 * block may be a marker: `<!-- doc-test: skip REASON -->` (not compiled; the reason is
 * required), `<!-- doc-test: continues -->` (uses what the document's last self-contained
 * block defined: compiled after it, in a block scope, with its imports merged), `<!-- doc-test: method CLASS -->` (methods shown alone: compiled in a subclass
 * of CLASS; `offset` is the lines added above) or `<!-- doc-test: run {JSON} -->` (compiled,
 * then run; see consumer-test.mjs).
 */
export function blocksOf(root, file) {
  const lines = readFileSync(join(root, file), 'utf8').split('\n');
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(ts|typescript)\s*$/.test(lines[i])) continue;
    const end = lines.findIndex((line, j) => j > i && /^```\s*$/.test(line));
    if (end === -1) throw new Error(`${file}:${i + 1}: a \`\`\`ts block that never closes`);
    const marker = MARKER.exec(lines[i - 1] ?? '')?.[1] ?? '';
    const block = {
      file,
      line: i + 1,
      code: lines.slice(i + 1, end).join('\n'),
      offset: 0,
      skip: undefined,
      run: undefined,
    };
    block.name = `${file.replace(/[/.]/g, '_')}_L${i + 1}`;
    if (marker.startsWith('skip')) {
      block.skip = marker.slice(4).trim();
      if (block.skip === '') throw new Error(`${file}:${i}: a doc-test skip marker needs a reason`);
    } else if (marker.startsWith('method')) {
      const base = marker.slice(6).trim();
      if (!(base in HOMES))
        throw new Error(`${file}:${i}: doc-test method takes one of ${Object.keys(HOMES).join(', ')}`);
      block.code = `import { ${base} } from '${HOMES[base]}';\nexport class Example extends ${base} {\n${block.code}\n}`;
      block.offset = 2;
    } else if (marker === 'continues') {
      const base = blocks.findLast((earlier) => earlier.skip === undefined && earlier.offset === 0);
      if (base === undefined) throw new Error(`${file}:${i}: doc-test continues, but no block comes before`);
      Object.assign(block, continued(base.code, block.code));
    } else if (marker.startsWith('run')) {
      block.run = JSON.parse(marker.slice(3).trim());
    } else if (marker !== '') {
      throw new Error(`${file}:${i}: unknown doc-test marker "${marker}" (skip REASON | method CLASS | run {…})`);
    }
    blocks.push(block);
    i = end;
  }
  return blocks;
}

const IMPORT = /^import\s+(type\s+)?\{([^}]*)\}\s+from\s+('[^']+');\s*$/;

/** `code` after `base`: its named imports not bound by `base` hoisted above, the rest in `{ }`. */
function continued(base, code) {
  const bound = new Set(
    base
      .split('\n')
      .flatMap((line) =>
        (IMPORT.exec(line)?.[2] ?? '').split(',').map((name) => name.replace(/^\s*type\s+/, '').trim()),
      ),
  );
  const imports = [];
  const body = code.split('\n').map((line) => {
    const found = IMPORT.exec(line);
    if (!found) return line;
    const names = found[2]
      .split(',')
      .map((name) => name.trim())
      .filter((name) => name && !bound.has(name.replace(/^type\s+/, '')));
    if (names.length > 0) imports.push(`import ${found[1] ?? ''}{ ${names.join(', ')} } from ${found[3]};`);
    return ''; // keeps the line numbers
  });
  const head = [...imports, base, '{'];
  return { code: [...head, ...body, '}'].join('\n'), offset: head.join('\n').split('\n').length };
}
