// Bench runner: `npm run bench -- [name|prefix] [--arg=value ...]`. Discovers bench/*.bench.ts,
// each exporting `benchmarks` (a map of name → async function printing JSON lines), and runs
// the ones whose name equals or starts with the given name (all when none is given).
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, type BenchmarkMap } from './lib.ts';

const here = dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const wanted = argv.find((a) => !a.startsWith('--'));
const args = parseArgs(argv);

const found: Array<[string, BenchmarkMap[string]]> = [];
for (const file of readdirSync(here).filter((f) => f.endsWith('.bench.ts')).sort()) {
  const mod = (await import(join(here, file))) as { benchmarks?: BenchmarkMap };
  for (const [name, fn] of Object.entries(mod.benchmarks ?? {})) found.push([name, fn]);
}
const selected = wanted === undefined ? found : found.filter(([name]) => name === wanted || name.startsWith(wanted));
if (selected.length === 0) {
  console.error(`no benchmark named ${wanted}; known: ${found.map(([n]) => n).join(', ')}`);
  process.exit(2);
}
for (const [name, fn] of selected) {
  try {
    await fn(args);
  } catch (error) {
    console.error(`benchmark ${name} failed:`, error);
    process.exitCode = 1;
  }
}
