#!/usr/bin/env node
// The `httpstack` command; the code is in ../dist (run `pnpm build` first).
import { main } from '../dist/index.js';

process.exitCode = await main(process.argv.slice(2));
// Everything is closed after a graceful shutdown; should a handle linger, do not hang.
setTimeout(() => process.exit(), 2000).unref();
