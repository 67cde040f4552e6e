// Applies the layout: creates missing internal topics and checks that existing ones still have
// the partition counts the tasks need (a changelog with the wrong count would scatter state).
import type { RuntimeAdmin } from '../client/api.ts';
import type { ApplicationLayout } from './layout.ts';

/** Creates the internal topics; throws a clear fatal error if an existing one does not fit. */
export async function ensureInternalTopics(admin: RuntimeAdmin, layout: ApplicationLayout): Promise<void> {
  await admin.createTopics(layout.internalTopics);
  const counts = await admin.partitionCounts(layout.internalTopics.map((t) => t.name));
  for (const spec of layout.internalTopics) {
    const actual = counts.get(spec.name);
    if (actual !== spec.partitions) {
      throw new Error(`internal topic ${spec.name} has ${actual ?? 'no'} partitions, the topology needs ${spec.partitions}: delete it (application reset) or fix the input topics`);
    }
  }
}
