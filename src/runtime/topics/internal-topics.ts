// Applies the layout: creates missing internal topics and checks that existing ones still have
// the partition counts the tasks need (a changelog with the wrong count would scatter state).
import type { RuntimeAdmin } from '../client/api.ts';
import type { ApplicationLayout } from './layout.ts';

/** How long a topic another instance is creating may stay absent (or without partitions) from metadata. */
const SETTLE_ATTEMPTS = 20;
const SETTLE_DELAY_MS = 250;

/** Creates the internal topics; throws a clear fatal error if an existing one does not fit. */
export async function ensureInternalTopics(admin: RuntimeAdmin, layout: ApplicationLayout, delayMs = SETTLE_DELAY_MS): Promise<void> {
  const names = layout.internalTopics.map((t) => t.name);
  for (let attempt = 1; ; attempt++) {
    // A create can fail on UNKNOWN_TOPIC_OR_PARTITION while a topic
    // just created (by us or another instance) is not in the broker's metadata yet, and so may
    // the metadata request: both count as "not settled yet".
    let lastError: unknown;
    await admin.createTopics(layout.internalTopics).catch((error: unknown) => (lastError = error));
    const counts = await admin.partitionCounts(names).catch((error: unknown) => {
      lastError = error;
      return new Map<string, number>();
    });
    const wrong = layout.internalTopics.filter((spec) => counts.get(spec.name) !== spec.partitions);
    const first = wrong[0];
    if (!first) {
      if (lastError === undefined) return;
      // The counts fit but the create call failed: it also sets configs the runtime needs on
      // existing topics (retention.ms=-1 on repartition topics), which must not fail unseen.
      if (attempt >= SETTLE_ATTEMPTS) throw lastError;
      await new Promise((r) => setTimeout(r, delayMs));
      continue;
    }
    // Two instances starting together: one creates the topics, the other's create fails
    // (already exists) and its next metadata request may not list them yet, or list them without
    // partitions. Only a settled count that differs is the fatal misfit.
    const settling = wrong.some((spec) => !(Number(counts.get(spec.name)) > 0));
    if (!settling || attempt >= SETTLE_ATTEMPTS) {
      if (lastError !== undefined && settling) throw lastError;
      const actual = counts.get(first.name);
      throw new Error(`internal topic ${first.name} has ${actual ?? 'no'} partitions, the topology needs ${first.partitions}: delete it (application reset) or fix the input topics`);
    }
    await new Promise((r) => setTimeout(r, delayMs));
  }
}
