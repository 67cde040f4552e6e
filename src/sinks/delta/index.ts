// Public API of the local Delta Lake writer.
export { DeltaTable } from './table.ts';
export { enableDeletionVectors } from './upgrade.ts';
export { optimize } from './optimize.ts';
export { DEFAULT_OPTIMIZE, type OptimizeOptions } from './optimize-options.ts';
export type { OptimizeCommandOptions, OptimizeResult } from './optimize.ts';
export { vacuum, DEFAULT_RETENTION_MS } from './vacuum.ts';
export type { VacuumOptions, VacuumResult } from './vacuum.ts';
export { TypedBatchBuilder } from './typed.ts';
export type { TypedBatch } from './typed.ts';
export { compileSpec } from './schema.ts';
export type {
  AppendOptions, CompactionOptions, CompactionStats, DeltaColumn, DeltaColumnType, DeltaRow, DeltaTableOptions, DeltaTableSpec, DeltaValue, UpsertOptions, UpsertResult,
} from './types.ts';
