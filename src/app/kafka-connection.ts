// The Kafka client settings of the app's config: brokers, TLS and SASL, in the shape the runtime's
// client takes. One place, so `run` and `sink` connect the same way.
import { readFileSync } from 'node:fs';
import type { KafkaConnection } from '../runtime/index.ts';
import type { Config } from './config/schema.ts';

/** An inline PEM as is; anything else is a path (the config already checked it is readable). */
function pem(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return value.trimStart().startsWith('-----BEGIN ') ? value : readFileSync(value, 'utf8');
}

/** Client connection settings for this config; `clientSuffix` names a second client (e.g. the sink). */
export function kafkaClientOptions(config: Config, clientSuffix = ''): KafkaConnection {
  const options: KafkaConnection = { brokers: config.brokers, clientId: `${config.clientId}${clientSuffix}` };
  if (config.tls.enabled) {
    options.ssl = { ca: pem(config.tls.ca), cert: pem(config.tls.cert), key: pem(config.tls.key), rejectUnauthorized: config.tls.rejectUnauthorized };
  }
  if (config.sasl) {
    const { mechanism, username, password } = config.sasl;
    options.sasl = { mechanism, username, password };
  }
  return options;
}
