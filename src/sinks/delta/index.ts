// Public API of the local Delta Lake writer.
export { DeltaTable } from './table.ts';
export { enableDeletionVectors } from './upgrade.ts';
export { TypedBatchBuilder } from './typed.ts';
export type { TypedBatch } from './typed.ts';
export { compileSpec } from './schema.ts';
export type {
  AppendOptions, DeltaColumn, DeltaColumnType, DeltaRow, DeltaTableOptions, DeltaTableSpec, DeltaValue, UpsertOptions, UpsertResult,
} from './types.ts';
