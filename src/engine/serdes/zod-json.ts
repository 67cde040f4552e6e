// JSON validated by a zod schema: the value is typed, or the failure says why and keeps the
// original bytes (for the dead-letter queue).
import type { z } from 'zod';
import { DeserializationError, type Deserializer, type Serde } from './api.ts';

/** A typed value, or why the bytes were rejected. */
export type Validated<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: DeserializationError };

/** Parses and validates; the error's `reason` is `invalid_json` or `schema_violation`, its `bytes` the input. */
export function parseJson<S extends z.ZodType>(schema: S, data: Buffer | null): Validated<z.output<S>> {
  if (data === null) return { ok: false, error: new DeserializationError('null_value', 'value is null', null) };
  let json: unknown;
  try {
    json = JSON.parse(data.toString('utf8'));
  } catch (error) {
    return { ok: false, error: new DeserializationError('invalid_json', error instanceof Error ? error.message : String(error), data, { cause: error }) };
  }
  const result = schema.safeParse(json);
  if (result.success) return { ok: true, value: result.data };
  const message = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
  return { ok: false, error: new DeserializationError('schema_violation', message, data, { cause: result.error }) };
}

/** A serde that throws `DeserializationError` on bad input, so the source's error handler dead-letters it. */
export function zodJsonSerde<S extends z.ZodType>(schema: S): Serde<z.output<S>> {
  return {
    serialize: (_topic, data) => Buffer.from(JSON.stringify(data), 'utf8'),
    deserialize: (_topic, data) => {
      const result = parseJson(schema, data);
      if (!result.ok) throw result.error;
      return result.value;
    },
  };
}

/** A deserializer that never throws: the processor gets `Validated<T>` and decides what bad input means. */
export function zodJsonResultDeserializer<S extends z.ZodType>(schema: S): Deserializer<Validated<z.output<S>>> {
  return { deserialize: (_topic, data) => parseJson(schema, data) };
}
