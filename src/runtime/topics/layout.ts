// The physical plan of an application: its tasks and internal topics, derived from the engine's
// sub-topologies and the partition counts of the user's input topics. Pure, so it is unit-tested
// without a broker; `internal-topics.ts` applies it.
import type { Subtopology } from '../../engine/topology/subtopologies.ts';
import type { TopicSpec } from '../client/api.ts';
import { FatalRuntimeError } from '../errors.ts';

/** A sub-topology with its physical topic names and partition count (= its task count). */
export interface SubtopologyLayout {
  id: number;
  /** Physical source topics (repartition topics with their `<application.id>-` prefix). */
  sourceTopics: string[];
  partitions: number;
  /** Stores of this sub-topology that write a changelog, with its physical topic. */
  changelogs: Array<{ store: string; topic: string }>;
}

/** The whole plan. */
export interface ApplicationLayout {
  subtopologies: SubtopologyLayout[];
  /** Internal topics to create: repartition and changelog topics. */
  internalTopics: TopicSpec[];
  /** The physical repartition topics (purged up to the committed offsets, stream/purge.ts). */
  repartitionTopics: string[];
  /** Topology topic name → physical name (identity for user topics). */
  physicalName(topic: string): string;
}

/** Inputs of the plan. */
export interface LayoutInput {
  applicationId: string;
  subtopologies: readonly Subtopology[];
  /** Stores that log (StoreBuilder.loggingEnabled). */
  loggedStores: ReadonlySet<string>;
  /** Partition counts of the user topics that exist. */
  userTopicPartitions: ReadonlyMap<string, number>;
  /** Fixed partition counts for some repartition topics (by topology name). */
  repartitionPartitions?: ReadonlyMap<string, number>;
  replicationFactor?: number;
}

/** `<application.id>-<name>` for an internal topic, unless the topology already prefixed it. */
export function internalTopicName(applicationId: string, name: string): string {
  return name.startsWith(`${applicationId}-`) ? name : `${applicationId}-${name}`;
}

/** `<application.id>-<store>-changelog`. */
export function changelogTopicName(applicationId: string, store: string): string {
  return `${applicationId}-${store}-changelog`;
}

/**
 * `max.message.bytes` of the internal topics the runtime creates. A record carries more than the
 * input it came from (the invoice pipeline's repartition record holds the parsed event and the
 * original bytes: about 2.5 times a large order), and a record over its topic's limit stops the
 * instance; with the broker's 1 MiB default a valid 535 KB order did (2026-12-06). 16 MiB covers
 * inputs up to the validation's 1 MiB default with room to spare; the broker's socket and fetch
 * limits are far above it, and a fetch always returns at least one batch (KIP-74).
 */
export const INTERNAL_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/**
 * Topic configs of a repartition topic. Retention is infinite (Kafka Streams' KIP-284): a record
 * keeps the timestamp of the input it came from, event time, which for a backfill is months old;
 * with the broker's time retention the next retention check deleted records no task had read yet
 * (the invoice chaos test lost invoice events and balances that way, 2026-12-06). A repartition
 * topic an older version created with time retention is set to it at start (`enforcedConfigs`).
 */
export const REPARTITION_TOPIC_CONFIGS: Readonly<Record<string, string>> = {
  'cleanup.policy': 'delete',
  'retention.ms': '-1',
  'max.message.bytes': String(INTERNAL_MAX_MESSAGE_BYTES),
};

/** Computes partition counts (repartition topics take the max of their writers' partitions, as
 * Kafka Streams does), checks co-partitioning, and lists the internal topics. */
export function planLayout(input: LayoutInput): ApplicationLayout {
  const repartition = new Set(input.subtopologies.flatMap((s) => s.repartitionTopics));
  // Each name built once: one built per record was a new string that every Map it met (the
  // producer's grouping, the metrics' counts) had to hash again.
  const physicalNames = new Map([...repartition].map((topic) => [topic, internalTopicName(input.applicationId, topic)]));
  const physicalName = (topic: string): string => physicalNames.get(topic) ?? topic;
  const counts = new Map<string, number>();
  for (const s of input.subtopologies) {
    for (const t of s.sourceTopics) {
      if (repartition.has(t)) continue;
      const n = input.userTopicPartitions.get(t);
      if (n === undefined) throw new Error(`source topic ${t} (sub-topology ${s.id}) does not exist: create it before starting`);
      counts.set(t, n);
    }
  }
  for (const [t, n] of input.repartitionPartitions ?? []) counts.set(t, n);
  // Fixed point: a repartition topic's count is known once all its writers' sources are.
  for (let round = 0; round <= input.subtopologies.length; round++) {
    let changed = false;
    for (const topic of repartition) {
      if (counts.has(topic)) continue;
      const writers = input.subtopologies.filter((s) => s.sinkTopics.includes(topic));
      const writerCounts = writers.map((w) => Math.max(...w.sourceTopics.map((t) => counts.get(t) ?? NaN)));
      if (writers.length > 0 && writerCounts.every((n) => Number.isFinite(n))) {
        counts.set(topic, Math.max(...writerCounts));
        changed = true;
      }
    }
    if (!changed) break;
  }
  const subtopologies: SubtopologyLayout[] = [];
  const internalTopics: TopicSpec[] = [];
  for (const topic of repartition) {
    const n = counts.get(topic);
    if (n === undefined) throw new Error(`repartition topic ${topic}: cannot infer its partition count (no writer with known sources); configure it`);
    internalTopics.push({ name: physicalName(topic), partitions: n, replicationFactor: input.replicationFactor, configs: { ...REPARTITION_TOPIC_CONFIGS }, enforcedConfigs: ['retention.ms'] });
  }
  for (const s of input.subtopologies) {
    const sourceCounts = s.sourceTopics.map((t) => counts.get(t) as number);
    if (new Set(sourceCounts).size > 1) {
      const detail = s.sourceTopics.map((t, i) => `${t}=${sourceCounts[i]}`).join(', ');
      throw new FatalRuntimeError(`sub-topology ${s.id} is not co-partitioned: its source topics must have the same partition count (${detail})`);
    }
    const partitions = sourceCounts[0] ?? 0;
    const changelogs = s.stores.filter((st) => input.loggedStores.has(st)).map((store) => ({ store, topic: changelogTopicName(input.applicationId, store) }));
    for (const c of changelogs) {
      internalTopics.push({ name: c.topic, partitions, replicationFactor: input.replicationFactor, configs: { 'cleanup.policy': 'compact', 'max.message.bytes': String(INTERNAL_MAX_MESSAGE_BYTES) } });
    }
    subtopologies.push({ id: s.id, sourceTopics: s.sourceTopics.map(physicalName), partitions, changelogs });
  }
  return { subtopologies, internalTopics, repartitionTopics: [...repartition].map(physicalName), physicalName };
}
