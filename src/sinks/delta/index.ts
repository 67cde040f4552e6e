// Public API of the local Delta Lake writer.
export { DeltaTable } from './table.ts';
export type { TypedBatch, TypedBatchBuilder } from './typed.ts';
export type {
  AppendOptions, DeltaColumn, DeltaColumnType, DeltaRow, DeltaTableOptions, DeltaTableSpec, DeltaValue, UpsertOptions, UpsertResult,
} from './types.ts';
