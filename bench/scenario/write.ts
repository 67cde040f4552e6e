// Writes a generated scenario: `node bench/scenario/write.ts --orders=400 --seed=1 --out=samples`.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateScenario, type Scenario } from './generator.ts';

/** Generates and writes orders.jsonl, payments.jsonl, activity.jsonl into `dir`; returns the line counts. */
export async function writeScenario(dir: string, orders: number, seed: number): Promise<Record<keyof Scenario, number>> {
  const scenario = generateScenario({ orders, seed });
  await mkdir(dir, { recursive: true });
  for (const name of ['orders', 'payments', 'activity'] as const) {
    await writeFile(join(dir, `${name}.jsonl`), `${scenario[name].join('\n')}\n`);
  }
  return { orders: scenario.orders.length, payments: scenario.payments.length, activity: scenario.activity.length };
}

if (process.argv[1]?.endsWith('write.ts')) {
  const arg = (name: string, fallback: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
  const counts = await writeScenario(arg('out', 'samples'), Number(arg('orders', '400')), Number(arg('seed', '1')));
  console.log(JSON.stringify(counts));
}
