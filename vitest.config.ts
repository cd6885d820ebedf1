import { defineConfig } from 'vitest/config';

// One vitest run can cover every package (`pnpm exec vitest`); CI runs each package's
// own `vitest run` through turbo so that builds come first.
export default defineConfig({
  test: {
    projects: [
      'packages/*',
      'e2e',
      'fuzz',
      {
        test: { name: 'repo', include: ['test/**/*.test.ts'], environment: 'node' },
      },
    ],
  },
});
