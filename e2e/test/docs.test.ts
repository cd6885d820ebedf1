// docs/guide/deploy.md shows the nginx config that nginx.test.ts runs, verbatim.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';

it('docs/guide/deploy.md holds fixtures/nginx.conf verbatim', () => {
  const conf = readFileSync(join(import.meta.dirname, 'fixtures', 'nginx.conf'), 'utf8');
  const guide = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'guide', 'deploy.md'), 'utf8');
  expect(guide).toContain(`\`\`\`nginx\n${conf}\`\`\``);
});
