// SQL generation of the Databricks writer, without a warehouse: DDL text, MERGE shapes per mode,
// the switch to one JSON parameter above 256 parameters, and exact value encoding.
import { describe, expect, it } from 'vitest';
import { CLIENT_BALANCES_TABLE, INVOICE_EVENTS_TABLE, INVOICES_TABLE } from '../../../src/invoice/tables.ts';
import type { DeltaRow, DeltaTableSpec } from '../../../src/sinks/delta/index.ts';
import {
  batchJson, createTableSql, encodeValue, jsonSchema, MAX_PARAMETERS, mergeSql, offsetMergeSql, parameterCount, qualifiedName,
  quoteIdent, sourceForm, sqlType,
} from '../../../src/sinks/databricks/sql.ts';

const TARGET = { catalog: 'finance', schema: 'ar' };

const small: DeltaTableSpec = {
  name: 't', keyColumns: ['id'], versionColumn: 'version',
  columns: [
    { name: 'id', type: 'string', nullable: false },
    { name: 'amount', type: 'decimal(38,4)', nullable: true },
    { name: 'version', type: 'long', nullable: false },
  ],
};

describe('identifiers and types', () => {
  it('quotes identifiers and rejects anything but [A-Za-z0-9_]', () => {
    expect(quoteIdent('timestamp')).toBe('`timestamp`');
    expect(qualifiedName(TARGET, 'invoices')).toBe('`finance`.`ar`.`invoices`');
    expect(() => quoteIdent('a`b')).toThrow(/invalid SQL identifier/);
    expect(() => quoteIdent('x; DROP TABLE y')).toThrow();
  });

  it('maps column types; money stays DECIMAL(38,4)', () => {
    expect(sqlType('decimal(38,4)')).toBe('DECIMAL(38,4)');
    expect(sqlType('long')).toBe('BIGINT');
    expect(sqlType('integer')).toBe('INT');
    expect(sqlType('timestamp')).toBe('TIMESTAMP');
    expect(sqlType('date')).toBe('DATE');
  });
});

describe('DDL', () => {
  it('creates the table when missing, clustered by its key', () => {
    expect(createTableSql(TARGET, CLIENT_BALANCES_TABLE)).toBe([
      'CREATE TABLE IF NOT EXISTS `finance`.`ar`.`client_balances` (',
      '  `client_id` STRING NOT NULL,',
      '  `currency` STRING NOT NULL,',
      '  `invoiced_total` DECIMAL(38,4) NOT NULL,',
      '  `paid_total` DECIMAL(38,4) NOT NULL,',
      '  `outstanding` DECIMAL(38,4) NOT NULL,',
      '  `open_invoices` BIGINT NOT NULL,',
      '  `overdue_invoices` BIGINT NOT NULL,',
      '  `updated_at` TIMESTAMP NOT NULL',
      ') USING DELTA CLUSTER BY (`client_id`, `currency`)',
      "TBLPROPERTIES ('delta.enableDeletionVectors' = 'true')",
    ].join('\n'));
    expect(createTableSql(TARGET, INVOICES_TABLE)).toContain('`paid_at` TIMESTAMP,\n');
  });
});

describe('MERGE', () => {
  const rows: DeltaRow[] = [{ id: 'a', amount: '1.5', version: 2 }, { id: 'b', amount: null, version: 1 }];

  it('versioned: guarded update, insert, in-batch dedup by highest version then last row', () => {
    const { sql, params } = mergeSql(TARGET, small, rows);
    expect(sql).toBe([
      'MERGE INTO `finance`.`ar`.`t` AS t',
      'USING (SELECT `id`, `amount`, `version` FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY `id` ORDER BY `version` DESC NULLS LAST, `_ord` DESC) AS `_rn` FROM ('
      + 'SELECT `_ord`, CAST(`id` AS STRING) AS `id`, CAST(`amount` AS DECIMAL(38,4)) AS `amount`, CAST(`version` AS BIGINT) AS `version` '
      + 'FROM VALUES (0, :p0, :p1, :p2), (1, :p3, NULL, :p4) AS v(`_ord`, `id`, `amount`, `version`)) AS typed) AS ranked WHERE `_rn` = 1) AS s',
      'ON t.`id` = s.`id`',
      'WHEN MATCHED AND s.`version` > t.`version` THEN UPDATE SET *',
      'WHEN NOT MATCHED THEN INSERT *',
    ].join('\n'));
    expect(params).toEqual({ p0: 'a', p1: '1.5', p2: '2', p3: 'b', p4: '1' });
  });

  it('insert-only (invoice_events): no WHEN MATCHED clause', () => {
    const row: DeltaRow = {
      event_id: 'e1', event_type: 'invoice.created', timestamp: '2024-01-01T00:00:00Z', invoice_id: 'i', order_id: 'o', client_id: 'c',
      currency: 'EUR', amount: '1', payment_method: null, invoice_total: '1', amount_paid: '0', outstanding: '1', status: 'open',
      issue_date: '2024-01-01', due_date: '2024-01-31', days_to_pay: null, days_overdue: null, version: 1,
    };
    const { sql } = mergeSql(TARGET, INVOICE_EVENTS_TABLE, [row], 'insert-only');
    expect(sql).not.toContain('WHEN MATCHED');
    expect(sql).toMatch(/WHEN NOT MATCHED THEN INSERT \*$/);
    expect(sql).toContain('ORDER BY `_ord` ASC');
    expect(sql).toContain('CAST(`timestamp` AS TIMESTAMP) AS `timestamp`');
  });

  it('latest (client_balances): composite key, update only when some column differs (NULL-safe)', () => {
    const row: DeltaRow = { client_id: 'c', currency: 'EUR', invoiced_total: '1', paid_total: '0', outstanding: '1', open_invoices: 1, overdue_invoices: 0, updated_at: '2024-01-01T00:00:00Z' };
    const { sql } = mergeSql(TARGET, CLIENT_BALANCES_TABLE, [row]);
    expect(sql).toContain('ON t.`client_id` = s.`client_id` AND t.`currency` = s.`currency`');
    expect(sql).toContain('WHEN MATCHED AND NOT (t.`invoiced_total` <=> s.`invoiced_total` AND ');
    expect(sql).toContain('PARTITION BY `client_id`, `currency` ORDER BY `_ord` DESC');
  });

  it('switches to ONE JSON parameter above 256 parameters, with money as strings', () => {
    const many: DeltaRow[] = Array.from({ length: 86 }, (_, i) => ({ id: `k${i}`, amount: '12345678901234567890123456789012.3456', version: i }));
    expect(parameterCount(small, many.slice(0, 85))).toBe(255);
    expect(sourceForm(small, many.slice(0, 85))).toBe('values');
    expect(parameterCount(small, many)).toBe(258);
    expect(sourceForm(small, many)).toBe('json');
    const { sql, params } = mergeSql(TARGET, small, many);
    expect(Object.keys(params)).toEqual(['rows']);
    expect(sql).toContain("posexplode(from_json(:rows, 'ARRAY<STRUCT<`id`: STRING, `amount`: STRING, `version`: STRING>>')) AS (`_ord`, `r`)");
    expect(sql).toContain('CAST(`r`.`amount` AS DECIMAL(38,4)) AS `amount`');
    const decoded = JSON.parse(params.rows ?? '') as Record<string, string | null>[];
    expect(decoded[85]).toEqual({ id: 'k85', amount: '12345678901234567890123456789012.3456', version: '85' });
    expect(MAX_PARAMETERS).toBe(256);
  });

  it('keeps NULLs out of the parameters', () => {
    expect(batchJson(small, [{ id: 'x', amount: null, version: 1 }])).toBe('[{"id":"x","amount":null,"version":"1"}]');
    expect(jsonSchema(small)).toBe('ARRAY<STRUCT<`id`: STRING, `amount`: STRING, `version`: STRING>>');
  });

  it('rejects bad specs and empty batches', () => {
    expect(() => mergeSql(TARGET, small, [])).toThrow(/empty/);
    expect(() => mergeSql(TARGET, { ...small, versionColumn: undefined }, rows, 'versioned')).toThrow(/version column/);
    expect(() => mergeSql(TARGET, { ...small, keyColumns: ['nope'] }, rows)).toThrow(/key column/);
    expect(() => mergeSql(TARGET, { ...small, columns: [...small.columns, { name: '_rn', type: 'long', nullable: true }] }, rows)).toThrow(/reserved/);
  });

  it('offset markers move forward only', () => {
    const { sql, params } = offsetMergeSql(TARGET, 'invoices', 'g/invoices/3', 42);
    expect(sql).toContain('MERGE INTO `finance`.`ar`.`_sink_offsets` AS t');
    expect(sql).toContain('ON t.`table_name` = s.`table_name` AND t.`app_id` = s.`app_id`');
    expect(sql).toContain('WHEN MATCHED AND s.`version` > t.`version` THEN UPDATE SET *');
    expect(params).toEqual({ table_name: 'invoices', app_id: 'g/invoices/3', version: '42' });
  });
});

describe('value encoding', () => {
  const money = { name: 'm', type: 'decimal(38,4)' as const, nullable: false };
  it('keeps decimals exact and refuses what DECIMAL(38,4) would round', () => {
    expect(encodeValue(money, '4750.00')).toBe('4750.00');
    expect(encodeValue(money, '-0.0001')).toBe('-0.0001');
    expect(encodeValue(money, '1.23450')).toBe('1.23450'); // trailing zero: exact
    expect(encodeValue(money, 12)).toBe('12');
    expect(() => encodeValue(money, '1.23456')).toThrow(/invalid value/);
    expect(() => encodeValue(money, 0.1)).toThrow(/invalid value/); // a binary float is never money
    expect(() => encodeValue(money, '1e3')).toThrow();
    expect(() => encodeValue(money, '1'.repeat(35))).toThrow();
    expect(encodeValue(money, '9'.repeat(34))).toBe('9'.repeat(34));
  });

  it('checks the other types', () => {
    expect(encodeValue({ name: 'v', type: 'long', nullable: false }, 9007199254740991)).toBe('9007199254740991');
    expect(() => encodeValue({ name: 'v', type: 'long', nullable: false }, 1.5)).toThrow();
    expect(() => encodeValue({ name: 'v', type: 'integer', nullable: false }, 2 ** 31)).toThrow();
    expect(encodeValue({ name: 'b', type: 'boolean', nullable: false }, false)).toBe('false');
    expect(encodeValue({ name: 'd', type: 'date', nullable: false }, '2024-02-29')).toBe('2024-02-29');
    expect(() => encodeValue({ name: 'd', type: 'date', nullable: false }, '2024-2-29')).toThrow();
    expect(encodeValue({ name: 't', type: 'timestamp', nullable: false }, '2024-01-01T00:00:00.123456Z')).toBe('2024-01-01T00:00:00.123456Z');
    expect(() => encodeValue({ name: 't', type: 'timestamp', nullable: false }, '2024-01-01 00:00:00')).toThrow();
    expect(() => encodeValue({ name: 't', type: 'timestamp', nullable: false }, null)).toThrow(/not nullable/);
    expect(encodeValue({ name: 't', type: 'timestamp', nullable: true }, undefined)).toBeNull();
  });
});
