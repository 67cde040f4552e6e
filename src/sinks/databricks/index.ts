// Public API of the Databricks writer (MERGE through @databricks/sql).
export { connectionOptions, databricksWriterFromConfig, DriverSqlRunner } from './client.ts';
export type { DatabricksConnectionConfig, DatabricksSinkConfig, DriverOptions } from './client.ts';
export { classifyError, DatabricksStatementError, statementError } from './errors.ts';
export type { RetryReason } from './errors.ts';
export { createTableSql, mergeSql, OFFSETS_TABLE, qualifiedName } from './sql.ts';
export type { DatabricksTarget, MergeMode, Statement } from './sql.ts';
export { DatabricksTable, DatabricksWriter } from './writer.ts';
export type { DatabricksUpsertResult, DatabricksWriterOptions, ResultRow, SqlRunner } from './writer.ts';
