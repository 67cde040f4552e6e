// Shrinks a diverging scenario to a minimal one (greedy line removal while the two sides still
// disagree), for FINDINGS.md. Usage: node test/oracle/minimize.ts SEED
import { generateScenario } from './generate.ts';
import { differential } from './differential.ts';
import type { OracleInput } from './model.ts';

/** Removes lines one at a time while `differential` still reports a difference. */
export async function minimize(input: OracleInput): Promise<OracleInput> {
  let current = input;
  let changed = true;
  while (changed) {
    changed = false;
    for (const file of ['orders', 'payments', 'activity'] as const) {
      for (let i = current[file].length - 1; i >= 0; i--) {
        const candidate = { ...current, [file]: current[file].filter((_, j) => j !== i) };
        if ((await differential(candidate)).length > 0) {
          current = candidate;
          changed = true;
        }
      }
    }
    if (current.asOfMicros !== undefined) {
      const candidate = { ...current, asOfMicros: undefined };
      if ((await differential(candidate)).length > 0) {
        current = candidate;
        changed = true;
      }
    }
  }
  return current;
}

if (import.meta.main) {
  const seed = Number(process.argv[2]);
  const small = await minimize(generateScenario(seed));
  for (const file of ['orders', 'payments', 'activity'] as const) {
    console.log(`# ${file}.jsonl`);
    for (const line of small[file]) console.log(line);
  }
  if (small.asOfMicros !== undefined) console.log(`# as-of ${new Date(small.asOfMicros / 1000).toISOString()}`);
  console.log(`# differences:\n${(await differential(small)).join('\n')}`);
}
