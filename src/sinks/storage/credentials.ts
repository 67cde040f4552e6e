// Messages that leave the process (logs) must not carry credentials. The SDK keeps them out of its
// errors, but a server's answer or a proxy's can echo a key id; this is the last line of defence.

// AWS access key ids: long-term (AKIA) and temporary (ASIA) ones.
const ACCESS_KEY_ID = /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g;
const SECRET_VARIABLES = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'] as const;

/** `text` with access key ids and the credential values of `env` replaced by `[REDACTED]`. */
export function withoutCredentials(text: string, env: NodeJS.ProcessEnv = process.env): string {
  let out = text;
  // Short values are left alone: replacing every "ab" would say more than it hides.
  for (const name of SECRET_VARIABLES) {
    const value = env[name];
    if (value !== undefined && value.length >= 8) out = out.split(value).join('[REDACTED]');
  }
  return out.replace(ACCESS_KEY_ID, '[REDACTED]');
}
