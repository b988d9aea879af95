#!/usr/bin/env node
// Entry point of the installed command; the TypeScript sources are compiled to dist/ by `npm run build` (run by npm ci / npm install).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = new URL('../dist/cli/index.js', import.meta.url);
if (!existsSync(fileURLToPath(cli))) {
  console.error('pg-index-advisor is not built yet: run `npm run build` (or `npm ci`, which builds it).');
  process.exit(1);
}
const { main } = await import(cli.href);
process.exitCode = await main(process.argv);
// The command always ends: a connection some error path left open must not keep a nightly job
// alive. Unreferenced, the timer does not hold up a process that is done anyway.
setTimeout(() => process.exit(), 5_000).unref();
