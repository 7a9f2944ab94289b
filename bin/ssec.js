#!/usr/bin/env node
// Node 20 cannot run TypeScript itself; tsx's loader lets `npx ssec` run the sources right after
// `npm ci` with no build step that could go stale.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
