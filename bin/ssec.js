#!/usr/bin/env node
// Node 20 cannot run TypeScript itself; tsx's loader lets `npx ssec` run the sources right after
// `npm ci` with no build step that could go stale.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
const code = await main(process.argv.slice(2));
process.exitCode = code;
// A finished command must not be held open by a stray keep-alive socket or timer; the timer is
// unref'd, so a process that empties its event loop exits at once as usual.
setTimeout(() => process.exit(code), 3000).unref();
