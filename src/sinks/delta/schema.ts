// The table's schema in its three forms: the spec (what callers declare), the Delta schemaString
// (what the log records) and the Parquet schema (what data files carry).
import type { SchemaElement } from 'hyparquet';
import { columnCodec, type ColumnCodec } from './columns.ts';
import type { DeltaColumnType, DeltaTableSpec } from './types.ts';

/** The compiled form of a spec: codecs by column and the key/version accessors. */
export interface CompiledSpec {
  spec: DeltaTableSpec;
  codecs: ColumnCodec[];
  byName: Map<string, ColumnCodec>;
  keyCodecs: ColumnCodec[];
  parquetSchema: SchemaElement[];
  schemaString: string;
}

/** Validate a spec and build its codecs; throws with the reason when the spec is unusable. */
export function compileSpec(spec: DeltaTableSpec): CompiledSpec {
  if (spec.keyColumns.length === 0) throw new Error(`table ${spec.name}: no key columns`);
  return compile(spec);
}

/**
 * The compiled schema a table's log records, without a key: for maintenance that moves rows
 * without looking at them (OPTIMIZE from the command line, which has no table spec).
 */
export function compileLogSchema(name: string, schemaString: string): CompiledSpec {
  const fields = (JSON.parse(schemaString) as { fields: SchemaField[] }).fields;
  const columns = fields.map(f => {
    if (typeof f.type !== 'string') throw new Error(`table ${name}: column ${f.name} has a nested type, which this writer does not support`);
    return { name: f.name, type: f.type.replace(/\s+/g, '') as DeltaColumnType, nullable: f.nullable };
  });
  return compile({ name, columns, keyColumns: [] });
}

function compile(spec: DeltaTableSpec): CompiledSpec {
  if (spec.columns.length === 0) throw new Error(`table ${spec.name}: no columns`);
  const codecs = spec.columns.map(columnCodec);
  const byName = new Map(codecs.map(c => [c.column.name, c]));
  if (byName.size !== codecs.length) throw new Error(`table ${spec.name}: duplicate column names`);
  const keyCodecs = spec.keyColumns.map(k => {
    const c = byName.get(k);
    if (!c) throw new Error(`table ${spec.name}: key column ${k} is not a column`);
    return c;
  });
  if (spec.versionColumn !== undefined) {
    const v = byName.get(spec.versionColumn);
    if (!v || (v.column.type !== 'long' && v.column.type !== 'integer')) {
      throw new Error(`table ${spec.name}: version column ${spec.versionColumn} must be a long or integer column`);
    }
  }
  const parquetSchema: SchemaElement[] = [
    { name: 'schema', num_children: codecs.length },
    ...codecs.map(c => c.element),
  ];
  return { spec, codecs, byName, keyCodecs, parquetSchema, schemaString: deltaSchemaString(spec) };
}

/** The Delta schemaString of a spec (a JSON struct type, as in PROTOCOL.md "Schema Serialization"). */
export function deltaSchemaString(spec: DeltaTableSpec): string {
  return JSON.stringify({
    type: 'struct',
    fields: spec.columns.map(c => ({ name: c.name, type: c.type, nullable: c.nullable, metadata: {} })),
  });
}

interface SchemaField { name: string; type: unknown; nullable: boolean }

/** Throw when a table's recorded schema differs from the spec (no silent schema evolution). */
export function checkSchema(spec: DeltaTableSpec, schemaString: string): void {
  const recorded = (JSON.parse(schemaString) as { fields: SchemaField[] }).fields;
  const norm = (t: unknown): unknown => typeof t === 'string' ? t.replace(/\s+/g, '') : t;
  const want = spec.columns.map(c => `${c.name}:${c.type}:${c.nullable}`).join(',');
  const have = recorded.map(f => `${f.name}:${String(norm(f.type))}:${f.nullable}`).join(',');
  if (want !== have) throw new Error(`table ${spec.name}: schema in the log (${have}) differs from the spec (${want})`);
}
