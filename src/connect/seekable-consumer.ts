// The consumer the sink stage needs: the runtime's group consumer, whose `seek` starts each
// partition where its table's txn says (the Delta log is the source of truth for positions).
import type { GroupConsumer } from '../runtime/client/api.ts';

/** A group consumer that can move a partition's fetch position (the runtime's GroupConsumer). */
export type SeekableGroupConsumer = GroupConsumer;
