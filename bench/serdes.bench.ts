// serde-repartition: the live pipeline's repartition serde (`repartitionSerde`, binary; with
// `--format=json` the JSON of `internalJsonSerde` it replaced) alone, on the records it carries: input envelopes (the validated event and the original key and bytes, as
// Buffers) and balance contributions (no Buffers), in the live mix (about two envelopes per
// contribution). Serialize and deserialize are timed apart, in CPU µs per record (less noisy
// than wall time on a shared machine).
// Run: npm run bench -- serde-repartition [--orders=5000] [--rounds=20] [--format=binary|json]
import { repartitionSerde } from '../src/invoice/repartition-serde.ts';
import { internalJsonSerde } from '../src/invoice/serdes.ts';
import { validateValue } from '../src/invoice/validation.ts';
import { emit, numberArg, type BenchArgs, type BenchmarkMap } from './lib.ts';
import { generateScenario } from './scenario/generator.ts';

async function serdeRepartition(args: BenchArgs): Promise<void> {
  const rounds = numberArg(args, 'rounds', 20);
  const scenario = generateScenario({ orders: numberArg(args, 'orders', 5_000), seed: 11 });
  const values: unknown[] = [];
  const roles = [['orders', scenario.orders], ['payments', scenario.payments], ['activity', scenario.activity]] as const;
  for (const [role, lines] of roles) {
    lines.forEach((line, offset) => {
      const bytes = Buffer.from(line, 'utf8');
      const result = validateValue(role, bytes);
      if (!result.ok) return;
      values.push({ event: result.event, origin: { topic: `bench.${role}`, partition: offset % 4, offset, key: Buffer.from(`key-${offset}`), value: bytes } });
      if (offset % 2 === 0) {
        const amount = (offset * 37.5).toFixed(2);
        values.push({ clientId: `cli_${offset % 3000}`, currency: 'EUR', scale: 2, old: null, new: { invoiced: amount, paid: '0.00', outstanding: amount, open: 1, overdue: 0 } });
      }
    });
  }
  const format = args.format ?? 'binary';
  if (format !== 'binary' && format !== 'json') throw new Error(`--format must be binary or json, not ${format}`);
  const serde = format === 'json' ? internalJsonSerde<unknown>() : repartitionSerde();
  const serialized = values.map((v) => serde.serialize('t', v) as Buffer);
  let serializeUs = 0;
  let deserializeUs = 0;
  let sink = 0;
  // The first round warms the JIT and is not counted.
  for (let round = 0; round <= rounds; round++) {
    let cpu = process.cpuUsage();
    for (const v of values) sink += (serde.serialize('t', v) as Buffer).length;
    let used = process.cpuUsage(cpu);
    if (round > 0) serializeUs += used.user + used.system;
    cpu = process.cpuUsage();
    for (const b of serialized) sink += serde.deserialize('t', b) === null ? 0 : 1;
    used = process.cpuUsage(cpu);
    if (round > 0) deserializeUs += used.user + used.system;
  }
  const records = values.length * rounds;
  if (sink === 0) throw new Error('nothing serialized');
  emit({
    name: 'serde-repartition', format, records_per_s: Math.round(records / ((serializeUs + deserializeUs) / 1e6)), records,
    serialize_cpu_us: +(serializeUs / records).toFixed(3), deserialize_cpu_us: +(deserializeUs / records).toFixed(3),
    bytes_per_record: Math.round(serialized.reduce((n, b) => n + b.length, 0) / serialized.length),
  });
}

export const benchmarks: BenchmarkMap = { 'serde-repartition': serdeRepartition };
