// The invoice pipeline (docs/contract.md) as a topology on the engine's Processor API:
//
//   orders, payments, invoice-activity → validate ─┬→ dlq
//                                                 └→ by-invoice repartition → invoice processor ─┬→ invoices (events)
//                                                                                                ├→ invoice rows (KTable changelog)
//                                                                                                ├→ dlq (domain dead letters)
//                                                                                                └→ by-client repartition → client balances → balance rows
import { Stores, Topology, type KeyValueStoreBuilder, type KeyValueStoreSupplier, type SinkSerializers } from '../src/engine/index.ts';
import { Accounting } from '../src/invoice/accounting.ts';
import type { AvroInputDecoder } from '../src/invoice/avro-input.ts';
import { BalanceProcessor } from '../src/invoice/balance-processor.ts';
import { DEDUP_CACHE_ENTRIES, dedupClockSerde } from '../src/invoice/dedup-window.ts';
import type { InputRole } from '../src/invoice/events.ts';
import type { InvoiceEvent } from '../src/invoice/invoice.ts';
import { InvoiceProcessor, SEVEN_DAYS_MICROS } from '../src/invoice/invoice-processor.ts';
import { STORE } from '../src/invoice/stores.ts';
import { MICROS_PER_DAY } from '../src/values/time.ts';
import { ValidateProcessor } from '../src/invoice/validate-processor.ts';
import { EventTimeReader } from '../src/invoice/event-time.ts';

/** Topic names of the pipeline (inputs configurable; outputs derived from the prefix). */
export interface PipelineTopics {
  orders: string;
  payments: string;
  activity: string;
  /** `<prefix>.invoices`; with routing, the stem of `<prefix>.invoices.<type>`. */
  invoiceEvents: string;
  /** The `invoices` table changelog (key invoice_id). */
  invoiceRows: string;
  /** The `client_balances` table changelog (key [client_id, currency]). */
  balanceRows: string;
  dlq: string;
  byInvoiceRepartition: string;
  byClientRepartition: string;
}

/** Serializers of the sinks and repartition topics; omitted: objects pass through (in-process runs). */
export interface PipelineSerdes {
  invoiceEvents?: SinkSerializers<string, InvoiceEvent>;
  rows?: SinkSerializers<string, unknown>;
  repartition?: SinkSerializers<string, unknown>;
  repartitionDeserializer?: { key?: { deserialize(topic: string, data: Buffer | null): unknown }; value?: { deserialize(topic: string, data: Buffer | null): unknown } };
}

/** Settings of the invoice pipeline. */
export interface InvoicePipelineOptions {
  inputs?: Partial<Pick<PipelineTopics, 'orders' | 'payments' | 'activity'>>;
  /** Output topic prefix; empty: `invoices`, `dlq`, ... */
  prefix?: string;
  /** The dead-letter topic (default `<prefix>.dlq`). */
  dlqTopic?: string;
  /** Route invoice events to `<prefix>.invoices.<type>` (e.g. `invoices.paid`). */
  routeByType?: boolean;
  /** Where stores live (default: in memory). */
  storeSupplier?: (name: string) => KeyValueStoreSupplier;
  /** Changelogs for the Kafka runtime (default off: replays and tests rebuild from input). */
  changelogs?: boolean;
  /** Entries each store's write-back cache holds (default: the engine's, 100k; the dedup store's at most DEDUP_CACHE_ENTRIES). */
  cacheMaxEntries?: number;
  /** Dedup horizon in days of clock (default 30; the contract asks for at least 7). */
  dedupHorizonDays?: number;
  /** Live mode: advance the clock on the wall clock too, every this many ms. */
  wallClockIntervalMs?: number;
  maxValueBytes?: number;
  /** Inputs are a replay's lines: one too long to hold arrives cut, with its length in a header (oversize). */
  cutLines?: boolean;
  /** Accept Confluent-framed Avro input values, decoded with writer schemas from a registry. */
  avroInputs?: AvroInputDecoder;
  serdes?: PipelineSerdes;
  accounting?: Accounting;
}

/** The built pipeline: the topology, its topics, its accounting counters and its event-time reader. */
export interface InvoicePipeline {
  topology: Topology;
  topics: PipelineTopics;
  accounting: Accounting;
  /**
   * Event time of the raw inputs (`eventTime.occurredAtMillis`): the replay's `timestampOf`, the
   * live sources' extractor. It keeps each parse for this pipeline's validation, which takes it.
   */
  eventTime: EventTimeReader;
}

/** Output topic names for a prefix. */
export function pipelineTopics(options: Pick<InvoicePipelineOptions, 'inputs' | 'prefix' | 'dlqTopic'> = {}): PipelineTopics {
  const p = options.prefix ? `${options.prefix}.` : '';
  return {
    orders: options.inputs?.orders ?? 'orders',
    payments: options.inputs?.payments ?? 'payments',
    activity: options.inputs?.activity ?? 'invoice-activity',
    invoiceEvents: `${p}invoices`,
    invoiceRows: `${p}invoice-rows`,
    balanceRows: `${p}client-balances`,
    dlq: options.dlqTopic ?? `${p}dlq`,
    byInvoiceRepartition: `${p}invoice-pipeline-by-invoice-repartition`,
    byClientRepartition: `${p}invoice-pipeline-by-client-repartition`,
  };
}

/** Builds the invoice pipeline topology. */
export function buildInvoicePipeline(options: InvoicePipelineOptions = {}): InvoicePipeline {
  const topics = pipelineTopics(options);
  const accounting = options.accounting ?? new Accounting();
  const supplier = options.storeSupplier ?? ((name: string) => Stores.inMemoryKeyValueStore(name));
  const logged = <V>(builder: KeyValueStoreBuilder<V>) => (options.changelogs ? builder.withLoggingEnabled() : builder.withLoggingDisabled());
  const store = (name: string) => {
    const builder = Stores.keyValueStoreBuilder(supplier(name));
    if (options.cacheMaxEntries !== undefined) builder.withCachingEnabled(options.cacheMaxEntries);
    return logged(builder);
  };
  // The dedup store has value bytes and a cache size of its own (dedup-window.ts says why).
  const dedupStore = () =>
    logged(Stores.keyValueStoreBuilder(supplier(STORE.dedup), dedupClockSerde).withCachingEnabled(Math.min(options.cacheMaxEntries ?? DEDUP_CACHE_ENTRIES, DEDUP_CACHE_ENTRIES)));
  const serdes = options.serdes ?? {};
  const roles = new Map<string, InputRole>([
    [topics.orders, 'orders'],
    [topics.payments, 'payments'],
    [topics.activity, 'activity'],
  ]);
  // Routed names built once per event type, not per record (a new string per record is hashed
  // again by every Map keyed by topic downstream).
  const routed = new Map<string, string>();
  const eventTopic = options.routeByType
    ? (_key: string, value: InvoiceEvent) => {
        let topic = routed.get(value.event_type);
        if (topic === undefined) routed.set(value.event_type, (topic = `${topics.invoiceEvents}.${value.event_type.slice('invoice.'.length)}`));
        return topic;
      }
    : topics.invoiceEvents;
  const dedupHorizonMicros = (options.dedupHorizonDays ?? 30) * MICROS_PER_DAY;
  const rd = serdes.repartitionDeserializer;
  const eventTime = new EventTimeReader();

  // Raw bytes pass through; with Avro inputs the deserializer's `prepare` fetches writer schemas
  // ahead (the Kafka runtime calls it for polled records), since validation decodes synchronously.
  const avroInputs = options.avroInputs;
  const input = avroInputs
    ? { deserialize: (_topic: string, data: Buffer | null) => data, prepare: (data: Buffer | null) => avroInputs.prepare(data) }
    : undefined;
  const t = new Topology()
    .addSource('orders-source', topics.orders, undefined, input)
    .addSource('payments-source', topics.payments, undefined, input)
    .addSource('activity-source', topics.activity, undefined, input)
    .addProcessor(
      'validate',
      () => new ValidateProcessor({ roles, accounting, outputs: { valid: 'by-invoice-sink', dlq: 'dlq-sink' }, maxValueBytes: options.maxValueBytes, avroInputs: options.avroInputs, cutLines: options.cutLines, eventTime }),
      'orders-source', 'payments-source', 'activity-source',
    )
    // Two DLQ sinks, one per sub-topology: a shared sink would fuse validation and the invoice task.
    .addSink('dlq-sink', topics.dlq, undefined, 'validate')
    .addRepartitionTopic(topics.byInvoiceRepartition)
    .addSink('by-invoice-sink', topics.byInvoiceRepartition, serdes.repartition, 'validate')
    .addSource('by-invoice-source', topics.byInvoiceRepartition, rd?.key, rd?.value)
    .addProcessor(
      'invoice-processor',
      () =>
        new InvoiceProcessor({
          outputs: { events: 'invoice-events-sink', table: 'invoice-rows-sink', dlq: 'domain-dlq-sink', balances: 'by-client-sink' },
          accounting,
          dedupHorizonMicros,
          holdMicros: SEVEN_DAYS_MICROS,
          wallClockIntervalMs: options.wallClockIntervalMs,
        }),
      'by-invoice-source',
    )
    .addSink('invoice-events-sink', eventTopic, serdes.invoiceEvents, 'invoice-processor')
    .addSink('invoice-rows-sink', topics.invoiceRows, serdes.rows, 'invoice-processor')
    .addSink('domain-dlq-sink', topics.dlq, undefined, 'invoice-processor')
    .addRepartitionTopic(topics.byClientRepartition)
    .addSink('by-client-sink', topics.byClientRepartition, serdes.repartition, 'invoice-processor')
    .addSource('by-client-source', topics.byClientRepartition, rd?.key, rd?.value)
    .addProcessor('client-balances', () => new BalanceProcessor(), 'by-client-source')
    .addSink('balance-rows-sink', topics.balanceRows, serdes.rows, 'client-balances');

  for (const name of [STORE.invoices, STORE.dedup, STORE.held, STORE.heldExpiry, STORE.dueIndex, STORE.clock]) {
    t.addStateStore(name === STORE.dedup ? dedupStore() : store(name), 'invoice-processor');
  }
  t.addStateStore(store(STORE.balances), 'client-balances');
  return { topology: t, topics, accounting, eventTime };
}
