// The client-balances aggregate: contribution changes (keyed by client and currency, after the
// second repartition) → the `client_balances` table row, forwarded as a changelog.
import type { KeyValueStore, Processor, ProcessorContext, StreamRecord } from '../engine/index.ts';
import { applyContribution, type ClientBalanceRow, type ContributionChange } from './balances.ts';
import { STORE } from './stores.ts';

/** Aggregates contribution changes into client balance rows. */
export class BalanceProcessor implements Processor<string, ContributionChange, string, ClientBalanceRow> {
  #context!: ProcessorContext<string, ClientBalanceRow>;
  #store!: KeyValueStore<ClientBalanceRow>;

  init(context: ProcessorContext<string, ClientBalanceRow>): void {
    this.#context = context;
    this.#store = context.getStateStore(STORE.balances);
  }

  process(record: StreamRecord<string, ContributionChange>): void {
    const row = applyContribution(this.#store.get(record.key), record.value, record.timestamp * 1000);
    this.#store.put(record.key, row);
    this.#context.forward({ key: record.key, value: row, timestamp: record.timestamp });
  }
}
