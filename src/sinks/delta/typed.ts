// Typed column batches: rows validated once, straight into typed arrays (no normalized row objects,
// no BigInt per cell). The one Parquet encoder (flat-parquet.ts) writes these: appends build them
// from rows, merges from the column batches they read and edit (`columnsToTyped`).
// Validation accepts exactly what the codecs' `normalize` accepts; the stored physical value is
// what `toPhysical(normalize(v))` gives, so an appended row and an upserted one are stored alike.
import type { ColumnBatch } from './columnar.ts';
import type { CompiledSpec } from './schema.ts';
import type { DeltaColumn, DeltaRow, DeltaValue } from './types.ts';
import { smallUnscaled, unscaledFromBytes } from '../../values/decimal.ts';
import { parseTimestamp } from '../../values/time.ts';
import { dateToDays, decimalToUnscaled, memo, parseDecimalType, timestampToMicros } from './values.ts';

/** Physical kind of a typed column. */
export type TypedKind = 'str' | 'i32' | 'i64' | 'bool' | 'dec';

/**
 * One column. `str`: JS strings; `i32` (integer, date as days): Int32Array; `i64` (long, timestamp
 * as micros): safe integers in a Float64Array; `dec`: unscaled safe integers in a Float64Array;
 * `bool`: 0/1. Values outside the safe integer range sit in `big` by row (their slot holds 0).
 * `nulls[i] === 1` marks a null (the value slot is then 0 / null).
 */
export interface TypedColumn {
  column: DeltaColumn;
  kind: TypedKind;
  /** decimal scale (dec only). */
  scale: number;
  values: (string | null)[] | Int32Array | Float64Array | Uint8Array;
  nulls: Uint8Array | undefined;
  nullCount: number;
  big: Map<number, bigint> | undefined;
}

/** Rows of a table as typed columns, in the spec's column order. */
export interface TypedBatch {
  length: number;
  columns: TypedColumn[];
}

const dateDays = memo(dateToDays);

type Push = (v: DeltaValue | undefined, i: number) => void;

function fail(col: DeltaColumn, kind: string, v: DeltaValue | undefined): never {
  if (v === null || v === undefined) throw new Error(`column ${col.name} is not nullable`);
  throw new Error(`column ${col.name}: expected ${kind}, got ${JSON.stringify(v)}`);
}

/** Appends rows to typed columns, validating each cell; `finish` hands the batch over. */
export class TypedBatchBuilder {
  readonly spec: CompiledSpec;
  #cols: TypedColumn[] = [];
  #push: Push[] = [];
  #names: string[];
  #cap: number;
  #length = 0;

  constructor(spec: CompiledSpec, capacity = 1024) {
    this.spec = spec;
    this.#names = spec.codecs.map(c => c.column.name);
    this.#cap = Math.max(16, capacity);
    this.#reset();
  }

  /** Rows appended since the last `finish`. */
  get length(): number {
    return this.#length;
  }

  /** Append one row (its keys must be columns of the table; missing nullable columns are null). */
  push(row: DeltaRow): void {
    const i = this.#length;
    if (i === this.#cap) this.#grow();
    const names = this.#names;
    const push = this.#push;
    for (let c = 0; c < names.length; c++) (push[c] as Push)(row[names[c] as string], i);
    this.#length = i + 1;
  }

  /** Append rows, rejecting unknown columns as the upsert path does. */
  pushAll(rows: Iterable<DeltaRow>, checkColumns = true): void {
    for (const row of rows) {
      if (checkColumns) {
        for (const k of Object.keys(row)) {
          if (!this.spec.byName.has(k)) throw new Error(`table ${this.spec.spec.name}: unknown column ${k}`);
        }
      }
      this.push(row);
    }
  }

  /** The rows appended so far as a batch; the builder starts empty again. */
  finish(): TypedBatch {
    const n = this.#length;
    const columns = this.#cols.map((c): TypedColumn => ({
      ...c,
      values: c.kind === 'str' ? (c.values as (string | null)[]).slice(0, n) : (c.values as Int32Array).subarray(0, n),
      nulls: c.nulls?.subarray(0, n),
    }));
    this.#reset();
    return { length: n, columns };
  }

  #reset(): void {
    this.#length = 0;
    this.#cols = this.spec.codecs.map(codec => newColumn(codec.column, this.#cap));
    this.#push = this.#cols.map(col => pusher(col));
  }

  #grow(): void {
    const cap = this.#cap * 2;
    for (const c of this.#cols) {
      if (c.kind !== 'str') {
        const old = c.values as Int32Array;
        const next = new (old.constructor as Int32ArrayConstructor)(cap);
        next.set(old);
        c.values = next;
      }
      if (c.nulls) {
        const next = new Uint8Array(cap);
        next.set(c.nulls);
        c.nulls = next;
      }
    }
    this.#cap = cap;
  }
}

function newColumn(column: DeltaColumn, cap: number): TypedColumn {
  const t = column.type;
  const dt = parseDecimalType(t);
  const kind: TypedKind = t === 'string' ? 'str' : t === 'integer' || t === 'date' ? 'i32' : t === 'long' || t === 'timestamp' ? 'i64'
    : t === 'boolean' ? 'bool' : dt ? 'dec' : (() => { throw new Error(`column ${column.name}: unsupported type ${t}`); })();
  const values = kind === 'str' ? [] : kind === 'i32' ? new Int32Array(cap) : kind === 'bool' ? new Uint8Array(cap) : new Float64Array(cap);
  return { column, kind, scale: dt?.scale ?? 0, values, nulls: column.nullable ? new Uint8Array(cap) : undefined, nullCount: 0, big: undefined };
}

// Each pusher writes slot i of the column's current arrays (read through `col`, which #grow replaces).
function pusher(col: TypedColumn): Push {
  const c = col.column;
  const isNull = (v: DeltaValue | undefined, i: number): boolean => {
    if (v !== null && v !== undefined) return false;
    if (!col.nulls) fail(c, c.type, v);
    col.nulls[i] = 1;
    col.nullCount++;
    return true;
  };
  switch (c.type) {
    case 'string':
      return (v, i) => {
        if (typeof v === 'string') { (col.values as (string | null)[])[i] = v; return; }
        if (isNull(v, i)) { (col.values as (string | null)[])[i] = null; return; }
        fail(c, 'string', v);
      };
    case 'long':
    case 'integer': {
      const long = c.type === 'long';
      const limit = long ? Number.MAX_SAFE_INTEGER : 2 ** 31 - 1;
      return (v, i) => {
        if (typeof v === 'number') {
          if (!Number.isInteger(v) || v > limit || v < -limit - (long ? 0 : 1)) throw new Error(`column ${c.name}: ${v} is not a ${c.type}`);
          (col.values as Float64Array)[i] = v;
          return;
        }
        if (!isNull(v, i)) fail(c, c.type, v);
      };
    }
    case 'boolean':
      return (v, i) => {
        if (typeof v === 'boolean') { (col.values as Uint8Array)[i] = v ? 1 : 0; return; }
        if (!isNull(v, i)) fail(c, 'boolean', v);
      };
    case 'date':
      return (v, i) => {
        if (typeof v === 'string') { (col.values as Int32Array)[i] = dateDays(v); return; }
        if (!isNull(v, i)) fail(c, 'date', v);
      };
    case 'timestamp': {
      // Consecutive rows often carry the same instant (the events of one input record).
      let lastText: string | undefined;
      let lastMicros = 0;
      return (v, i) => {
        if (typeof v === 'string') {
          if (v === lastText) { (col.values as Float64Array)[i] = lastMicros; return; }
          const n = parseTimestamp(v);
          if (n !== undefined && Number.isSafeInteger(n)) { (col.values as Float64Array)[i] = lastMicros = n; lastText = v; return; }
          setBig(col, i, timestampToMicros(v));
          return;
        }
        if (!isNull(v, i)) fail(c, 'timestamp', v);
      };
    }
    default: {
      const { precision, scale } = parseDecimalType(c.type) as { precision: number; scale: number };
      // The fast path's numbers have at most 15 digits: only a narrower column needs a bound.
      const bound = precision < 15 ? 10 ** precision : Infinity;
      return (v, i) => {
        if (typeof v === 'string') {
          const n = smallUnscaled(v, scale);
          if (n !== undefined && n < bound && n > -bound) { (col.values as Float64Array)[i] = n; return; }
          setBig(col, i, decimalToUnscaled(v, precision, scale));
          return;
        }
        if (typeof v === 'number') { setBig(col, i, decimalToUnscaled(v, precision, scale)); return; }
        if (!isNull(v, i)) fail(c, 'decimal string', v);
      };
    }
  }
}

function setBig(col: TypedColumn, i: number, v: bigint): void {
  if (v >= -9007199254740991n && v <= 9007199254740991n) {
    (col.values as Float64Array)[i] = Number(v);
    return;
  }
  (col.values as Float64Array)[i] = 0;
  (col.big ??= new Map()).set(i, v);
}

/** Rows [start, end) of a batch (views, no copies). */
export function sliceTyped(batch: TypedBatch, start: number, end: number): TypedBatch {
  end = Math.min(end, batch.length);
  const columns = batch.columns.map((c): TypedColumn => {
    let nullCount = 0;
    const nulls = c.nulls?.subarray(start, end);
    if (nulls && c.nullCount > 0) for (let i = 0; i < nulls.length; i++) nullCount += nulls[i] as number;
    let big: Map<number, bigint> | undefined;
    if (c.big) {
      for (const [i, v] of c.big) if (i >= start && i < end) (big ??= new Map()).set(i - start, v);
    }
    const values = c.kind === 'str' ? (c.values as (string | null)[]).slice(start, end) : (c.values as Int32Array).subarray(start, end);
    return { ...c, values, nulls, nullCount, big };
  });
  return { length: end - start, columns };
}

/** Canonical rows as a typed batch (validating every cell, unknown columns rejected). */
export function rowsToTyped(rows: Iterable<DeltaRow>, spec: CompiledSpec): TypedBatch {
  const b = new TypedBatchBuilder(spec);
  b.pushAll(rows);
  return b.finish();
}

const utf8 = new TextDecoder();

/**
 * A column batch of physical values (what the merge path reads and edits) as a typed batch, so
 * rewritten files go through the same encoder and stats as appends. The values are already the
 * table's (read from its files or made by `toPhysical` of normalized rows): nothing is validated.
 */
export function columnsToTyped(batch: ColumnBatch, spec: CompiledSpec): TypedBatch {
  const n = batch.length;
  const columns = spec.codecs.map((codec): TypedColumn => {
    const col = newColumn(codec.column, n);
    const src = batch.columns.get(codec.column.name);
    if (!src) throw new Error(`column ${codec.column.name} missing from the batch`);
    const strs = col.kind === 'str' ? col.values as (string | null)[] : undefined;
    for (let i = 0; i < n; i++) {
      const v = src[i];
      if (v === null || v === undefined) {
        if (!col.nulls) throw new Error(`column ${codec.column.name} is not nullable`);
        col.nulls[i] = 1;
        col.nullCount++;
        if (strs) strs[i] = null;
        continue;
      }
      switch (col.kind) {
        case 'str': (strs as (string | null)[])[i] = typeof v === 'string' ? v : utf8.decode(v as Uint8Array); break;
        case 'i32': (col.values as Int32Array)[i] = Number(v); break;
        case 'bool': (col.values as Uint8Array)[i] = v ? 1 : 0; break;
        default: {
          // INT64 and decimals: bigint (read back, or toPhysical) or number; wide decimals in `big`.
          const x = v instanceof Uint8Array ? unscaledFromBytes(v) : v as bigint | number;
          if (typeof x === 'number') (col.values as Float64Array)[i] = x;
          else setBig(col, i, x);
        }
      }
    }
    return col;
  });
  return { length: n, columns };
}
