// Bounds an await on the network: a client call can hang across a broker outage (a disconnect
// waiting for a LeaveGroup, an abort retrying a dead coordinator), and a hung await here would
// stop the whole processing loop instead of letting recovery run.

/** `promise`, or a rejection naming `what` after `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish in ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}
