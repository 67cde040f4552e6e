#!/usr/bin/env node
// The `invoice-stream` command: the TypeScript sources run directly with Node's type stripping
// (Node >= 22.18), as in the container image. There is no compiled copy: one built into dist/
// (the `build` script until 2026-12-06) could not find what ships beside the sources (schemas/,
// samples/, package.json, the worker modules), and this file preferred it, so `npm run build`
// broke the command.
const { enableCompileCache } = await import('../src/app/compile-cache.ts');
enableCompileCache();
await import('../src/app/cli.ts');
