// The public names of @httpstack/cli: a change here is an API change (and needs a changeset).
import { describe, expect, it } from 'vitest';
import * as cli from '../src/index.js';

describe('@httpstack/cli exports', () => {
  it('exports exactly these names', () => {
    expect(Object.keys(cli).sort()).toEqual([
      'DEFAULT_PORT',
      'EXIT_FAILURE',
      'EXIT_OK',
      'EXIT_USAGE',
      'UsageError',
      'main',
      'parseCommandLine',
    ]);
  });
});
