// Early heartbeats after a join. A member that formed its generation alone, while another
// member's JoinGroup was on its way, holds that member in JoinGroup until it learns of the new
// rebalance, which the client's own timer tells it at the next heartbeat (1 s). It happens whenever
// members join within a few milliseconds of each other: a broker with
// `group.initial.rebalance.delay.ms=0` (common outside production) completes the first generation
// with the first member alone, and stream threads of one instance join together. Measured
// (live-invoices, two threads, such a broker): the second thread idled ~1.1 s of a 12 s run while
// the first processed every task. A heartbeat of our own shortly after each join finds the
// rebalance in ~100 ms; the client then rejoins as it would after its own heartbeat.
import { heartbeatV4, type Connection } from '@platformatic/kafka';

/** When the probes go, after a join completes: one soon, one later for a join slower to arrive. */
export const JOIN_PROBE_DELAYS_MS: readonly number[] = [100, 400];

const REBALANCE_IN_PROGRESS = 27;

/** The member as of one generation. */
export interface ProbedMember {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | undefined;
}

/**
 * One Heartbeat for `member`: true when the coordinator answers that a rebalance is in progress
 * (the member must rejoin). Any other error is the client's own timer's business: false.
 */
export async function rebalancePending(connection: Connection, member: ProbedMember): Promise<boolean> {
  try {
    await heartbeatV4.api.async(connection, member.groupId, member.generationId, member.memberId, member.groupInstanceId ?? null);
    return false;
  } catch (error) {
    return (error as { response?: { errorCode?: unknown } }).response?.errorCode === REBALANCE_IN_PROGRESS;
  }
}
