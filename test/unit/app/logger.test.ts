// Logs are JSON lines with the stream position bound, and secrets never reach them.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { loadConfig, redactConfig } from '../../../src/app/config.ts';
import { LOG_REDACTED, createLogger, invoiceLogger, leveledLog, taskLogger } from '../../../src/app/logger.ts';

const SECRET = 'correct-horse-battery-staple';

/** A logger writing into an array of parsed lines. */
function capture(): { lines: Record<string, unknown>[]; logger: ReturnType<typeof createLogger> } {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: createLogger({ level: 'debug', base: { instance: 'invoice-stream-0' }, destination }) };
}

/** Lets pino's writes reach the stream. */
const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('logger', () => {
  it('writes JSON with level labels, ISO time and task, partition, offset and invoice_id bindings', async () => {
    const { lines, logger } = capture();
    const task = taskLogger(logger, { task: '1_3', topic: 'payments', partition: 3, offset: '42' });
    invoiceLogger(task, 'inv_o-1').info('held payment applied');
    await flush();
    expect(lines[0]).toMatchObject({
      level: 'info', name: 'invoice-stream', instance: 'invoice-stream-0', task: '1_3', topic: 'payments',
      partition: 3, offset: '42', invoice_id: 'inv_o-1', msg: 'held payment applied',
    });
    expect(String(lines[0]?.time)).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('carries the runtime\'s leveled messages and their fields (task, generation) as JSON', async () => {
    const { lines, logger } = capture();
    const log = leveledLog(logger);
    log('warn', 'task failure: closing tasks and rejoining the group', { task: '1_0', generation: 7 });
    log('debug', 'no fields');
    await flush();
    expect(lines[0]).toMatchObject({ level: 'warn', task: '1_0', generation: 7, msg: 'task failure: closing tasks and rejoining the group' });
    expect(lines[1]).toMatchObject({ level: 'debug', msg: 'no fields' });
  });

  it('redacts secrets even in a config logged without redactConfig', async () => {
    const { lines, logger } = capture();
    const config = loadConfig({
      argv: [], env: {
        KAFKA_BROKERS: 'k:1', INVOICE_STREAM_SASL_MECHANISM: 'plain', INVOICE_STREAM_SASL_USERNAME: 'u', INVOICE_STREAM_SASL_PASSWORD: SECRET,
        INVOICE_STREAM_SINK: 'databricks', DATABRICKS_HOST: 'h', DATABRICKS_HTTP_PATH: '/sql/x', DATABRICKS_TOKEN: SECRET,
      },
    });
    logger.info({ config }, 'starting');
    logger.info({ config: redactConfig(config) }, 'starting (redacted)');
    logger.debug({ sasl: { password: SECRET }, token: SECRET }, 'other shapes');
    await flush();
    const text = JSON.stringify(lines);
    expect(text).not.toContain(SECRET);
    expect(lines[0]).toMatchObject({ config: { sasl: { password: LOG_REDACTED }, sink: { auth: { token: LOG_REDACTED } } } });
    expect(lines[2]).toMatchObject({ token: LOG_REDACTED, sasl: { password: LOG_REDACTED } });
  });
});
