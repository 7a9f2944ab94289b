#!/usr/bin/env node
// Node 20 cannot run TypeScript itself; tsx's loader lets `npx ssec` run the sources right after
// `npm ci` with no build step that could go stale.
import { register } from 'tsx/esm/api';

register();
// The AWS SDK warns on every run under Node 20 that its releases after January 2027 need Node 22.
// That is for whoever upgrades dependencies (the lockfile pins versions that run on 20, and the
// README says so), not for a responder reading a command's output; set the variable to see it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { main } = await import('../src/cli/main.ts');
const code = await main(process.argv.slice(2));
process.exitCode = code;
// A finished command must not be held open by a stray keep-alive socket or timer; the timer is
// unref'd, so a process that empties its event loop exits at once as usual.
setTimeout(() => process.exit(code), 3000).unref();
