// FINDINGS.md F7: the same replay gives another outcome after enough earlier replays in the same
// process. Usage: node test/oracle/repro-f7.ts  (prints the number of differences from the oracle
// for 160 identical replays of the F6 edge case; they change after the 128th).
import { differential } from './differential.ts';
import { EDGE_CASES } from './edge-cases.ts';

if (import.meta.main) {
  const counts: number[] = [];
  for (let i = 0; i < 160; i++) counts.push((await differential(EDGE_CASES.emptyOccurredAt as NonNullable<typeof EDGE_CASES.emptyOccurredAt>)).length);
  console.log(counts.join(','));
}
