// Child entry for the differential test: runs seeds in a fresh Node process, so the replays go
// through the code paths of a CLI run (process-wide caches still empty; see FINDINGS.md F7).
// Usage: node test/oracle/fresh.ts FIRST_SEED COUNT OPTIONS_JSON → one JSON line: the failures.
import { differential } from './differential.ts';
import { generateScenario } from './generate.ts';
import type { OracleOptions } from './model.ts';

if (import.meta.main) {
  const [first, count, options] = process.argv.slice(2);
  const failures: string[] = [];
  for (let seed = Number(first); seed < Number(first) + Number(count); seed++) {
    const diffs = await differential(generateScenario(seed), JSON.parse(options ?? '{}') as OracleOptions);
    if (diffs.length > 0) failures.push(`seed ${seed} (fresh process):\n  ${diffs.slice(0, 10).join('\n  ')}`);
  }
  console.log(JSON.stringify(failures));
}
