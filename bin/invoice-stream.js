#!/usr/bin/env node
// The `invoice-stream` command. Runs the compiled CLI when built (npm install of the package),
// else the TypeScript sources directly with Node's type stripping (a checkout, Node >= 22.18).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const built = fileURLToPath(new URL('../dist/src/app/cli.js', import.meta.url));
await import(existsSync(built) ? pathToFileURL(built).href : '../src/app/cli.ts');
