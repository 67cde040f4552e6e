// Conversions between kafkajs's shapes (string offsets, loose headers) and the runtime's.
import type { IHeaders, KafkaMessage, Message, RecordMetadata } from 'kafkajs';
import type { ConsumedRecord, OutgoingRecord, ProduceAck } from '../api.ts';
import { ProducerFencedError } from '../api.ts';

/** kafkajs message → runtime record. */
export function toConsumedRecord(topic: string, partition: number, message: KafkaMessage): ConsumedRecord {
  return {
    topic,
    partition,
    offset: Number(message.offset),
    key: message.key ?? null,
    value: message.value ?? null,
    timestamp: Number(message.timestamp),
    headers: toHeaders(message.headers),
  };
}

function toHeaders(headers: IHeaders | undefined): Record<string, Buffer | undefined> {
  const out: Record<string, Buffer | undefined> = {};
  if (!headers) return out;
  for (const [name, value] of Object.entries(headers)) {
    // A repeated header arrives as an array: keep the last, as a Java consumer's lastHeader does.
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    out[name] = last === undefined ? undefined : Buffer.isBuffer(last) ? last : Buffer.from(last);
  }
  return out;
}

/** Groups outgoing records by topic, as kafkajs's sendBatch wants them. */
export function toTopicMessages(records: readonly OutgoingRecord[]): Array<{ topic: string; messages: Message[] }> {
  const byTopic = new Map<string, Message[]>();
  for (const r of records) {
    let list = byTopic.get(r.topic);
    if (!list) byTopic.set(r.topic, (list = []));
    list.push({
      key: r.key,
      value: r.value,
      partition: r.partition,
      timestamp: r.timestamp === undefined ? undefined : String(r.timestamp),
      headers: r.headers,
    });
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}

/** kafkajs produce metadata → acks. */
export function toAcks(metadata: RecordMetadata[]): ProduceAck[] {
  return metadata.map((m) => ({ topic: m.topicName, partition: m.partition, baseOffset: Number(m.baseOffset ?? m.offset ?? -1) }));
}

const FENCED_TYPES = new Set(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED', 'INVALID_PRODUCER_ID_MAPPING', 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED']);

/** True when an error (or one it wraps) says another producer owns our transactional id now. */
export function isFencing(error: unknown): boolean {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length > 0) {
    const e = queue.shift();
    if (!e || typeof e !== 'object' || seen.has(e)) continue;
    seen.add(e);
    const rec = e as { type?: unknown; cause?: unknown; originalError?: unknown; errors?: unknown };
    if (typeof rec.type === 'string' && FENCED_TYPES.has(rec.type)) return true;
    queue.push(rec.cause, rec.originalError);
    if (Array.isArray(rec.errors)) queue.push(...rec.errors);
  }
  return false;
}

/** Rethrows fencing as ProducerFencedError so callers need not know kafkajs's error types. */
export function translateError(error: unknown, transactionalId: string): Error {
  if (isFencing(error)) return new ProducerFencedError(`producer ${transactionalId} was fenced by a newer instance`, { cause: error });
  return error instanceof Error ? error : new Error(String(error));
}
