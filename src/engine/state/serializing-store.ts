// Typed values over a byte backend, with no cache: each put serializes and writes through.
import type { Serde } from '../serdes/api.ts';
import type { KeyValueStore } from './api.ts';
import type { KeyValueBackend } from './backend.ts';

/** Serializes values on the way down and deserializes on the way up. */
export class SerializingKeyValueStore<V> implements KeyValueStore<V> {
  readonly name: string;
  readonly #inner: KeyValueBackend;
  readonly #serde: Serde<V>;

  constructor(inner: KeyValueBackend, serde: Serde<V>) {
    this.name = inner.name;
    this.#inner = inner;
    this.#serde = serde;
  }

  get(key: string): V | undefined {
    const bytes = this.#inner.get(key);
    return bytes === undefined ? undefined : this.#serde.deserialize(this.name, bytes);
  }

  put(key: string, value: V): void {
    const bytes = this.#serde.serialize(this.name, value);
    if (bytes === null) this.#inner.delete(key);
    else this.#inner.put(key, bytes);
  }

  delete(key: string): void {
    this.#inner.delete(key);
  }

  *range(from?: string, to?: string): Iterable<[string, V]> {
    for (const [key, bytes] of this.#inner.range(from, to)) yield [key, this.#serde.deserialize(this.name, bytes)];
  }

  approximateSize(): number {
    return this.#inner.approximateSize();
  }

  flush(): Promise<void> {
    return this.#inner.flush();
  }

  close(): Promise<void> {
    return this.#inner.close();
  }
}
