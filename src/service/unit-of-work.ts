/**
 * Running one API mutation: one write transaction, re-run as a whole on a retriable conflict (spec 3.5,
 * with millisecond back-off instead of Neutron's half second), and the collected events published only
 * after the commit succeeded.
 *
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type Bus,
  type ResourceAction,
  type ResourceEventV1,
  type ResourceKind,
  resourceEvent,
} from '../bus/index.js';
import type { SecurityGroupMembersChange, SecurityGroupRulesChange } from '../bus/security-group-rpc.js';
import { QdhcpError } from '../common/errors.js';
import { type Database, networksRepository, type Queryable } from '../db/index.js';
import type { Clock } from './clock.js';
import { SecurityGroupChangeSet } from './security-group-changes.js';

/** Most attempts of one operation before giving up. */
const MAX_ATTEMPTS = 25;

/** What the services need to run mutations. */
export interface UnitOfWorkDeps {
  readonly database: Database;
  readonly bus: Bus;
  readonly clock: Clock;
  /** Told about events the bus could not accept (the change itself stays committed). */
  readonly onPublishError?: (error: unknown, event: ResourceEventV1) => void;
}

/** The transaction of one attempt, plus the events to publish if it commits. */
export interface WriteScope {
  readonly tx: Queryable;
  /**
   * Records a change of a resource of `networkId`: bumps the network's change counter (so consecutive
   * events of a network differ by one) and queues the event for after the commit.
   */
  emit(
    resource: ResourceKind,
    action: ResourceAction,
    id: string,
    networkId: string,
    state: object,
  ): Promise<number>;
  /**
   * Locks the network's row for the rest of the transaction (PostgreSQL `FOR UPDATE`; SQLite's
   * `BEGIN IMMEDIATE` already holds the database lock). Returns the network's change counter; throws
   * NETWORK_NOT_FOUND when it is missing.
   */
  lockNetwork(networkId: string): Promise<number>;
  /** Runs `callback` once the transaction has committed (never after a rollback). */
  afterCommit(callback: () => void): void;
  /**
   * Records that these groups' rules or members, or these ports' membership, changed: one
   * `qdhcp.security-group-event` to every agent after the commit (src/bus/security-group-rpc.ts).
   */
  securityGroupsChanged(groupIds: readonly string[], portIds?: readonly string[]): void;
  /** A group's rules changed from a revision to the next: carried by that event (applied without a read). */
  securityGroupRulesChanged(change: SecurityGroupRulesChange): void;
  /** A group's members changed from a members revision to the next: carried by that event too. */
  securityGroupMembersChanged(change: SecurityGroupMembersChange): void;
}

/**
 * Runs `work` in a write transaction, retrying the whole of it on retriable conflicts, then publishes
 * the events it emitted. Domain errors (QdhcpError) are never retried.
 */
export async function runMutation<T>(
  deps: UnitOfWorkDeps,
  work: (scope: WriteScope) => Promise<T>,
): Promise<T> {
  const events: ResourceEventV1[] = [];
  const committed: (() => void)[] = [];
  const groupChanges = new SecurityGroupChangeSet();
  let result: T;
  for (let attempt = 1; ; attempt++) {
    try {
      result = await deps.database.write(async (tx) => {
        events.length = 0;
        committed.length = 0;
        groupChanges.clear();
        const scope: WriteScope = {
          tx,
          async emit(resource, action, id, networkId, state) {
            const revision = await networksRepository.bumpSyncRevision(tx, networkId);
            events.push(
              resourceEvent(
                {
                  resource,
                  action,
                  id,
                  networkId,
                  networkRevision: revision ?? 0,
                  state: state as Record<string, unknown>,
                },
                deps.clock(),
              ),
            );
            return revision ?? 0;
          },
          async lockNetwork(networkId) {
            const revision = await networksRepository.lock(tx, networkId, deps.database.kind === 'postgres');
            if (revision === undefined) throw new QdhcpError('NETWORK_NOT_FOUND', { net_id: networkId });
            return revision;
          },
          afterCommit(callback) {
            committed.push(callback);
          },
          securityGroupsChanged(groupIds, portIds = []) {
            groupChanges.changed(groupIds, portIds);
          },
          securityGroupRulesChanged(change) {
            groupChanges.rulesChanged(change);
          },
          securityGroupMembersChanged(change) {
            groupChanges.membersChanged(change);
          },
        };
        return work(scope);
      });
      break;
    } catch (error) {
      if (error instanceof QdhcpError || !deps.database.isRetriable(error) || attempt >= MAX_ATTEMPTS)
        throw error;
      // Jittered, growing but short: colliding writers re-run their whole operation a moment apart.
      await sleep(Math.random() * Math.min(2 * attempt, 20));
    }
  }
  for (const callback of committed) callback();
  // The change is committed: a transport failure must not turn it into an error (or a retry).
  // Subscribers that miss an event see a gap in the network revision and resync that network.
  for (const event of events) {
    await deps.bus.publish(event).catch((error: unknown) => deps.onPublishError?.(error, event));
  }
  const groupEvent = groupChanges.event(deps.clock());
  // Lost (broker away): the agents' periodic re-read of their ports is the safety net, and the next change
  // of that group finds its base revision missing there (a gap: re-read).
  if (groupEvent !== undefined) await deps.bus.publish(groupEvent).catch(() => undefined);
  return result;
}
