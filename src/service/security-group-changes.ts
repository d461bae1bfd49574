/**
 * The security group changes of one mutation (issue 14), collected during its transaction and published
 * after the commit as one `qdhcp.security-group-event`: which groups and ports changed, and — so that an
 * agent holding a group at the revision before can apply it without `securitygroups.info` — each group's
 * rules added and removed, and its members' new addresses (src/bus/security-group-rpc.ts). Several changes
 * of one group in one transaction (a bulk of ports) merge into one from the first base revision. Pure.
 *
 * @module
 */
import {
  type SecurityGroupEventV1,
  type SecurityGroupMembersChange,
  type SecurityGroupRulesChange,
  securityGroupEvent,
} from '../bus/security-group-rpc.js';

/** The contract's limit of items in one change; a larger one is left out (agents re-read that group). */
const CHANGE_LIMIT = 1000;

export class SecurityGroupChangeSet {
  private readonly groups = new Set<string>();
  private readonly ports = new Set<string>();
  private readonly rules = new Map<string, SecurityGroupRulesChange>();
  private readonly members = new Map<string, SecurityGroupMembersChange>();

  /** Forgets everything (the transaction is run again). */
  clear(): void {
    this.groups.clear();
    this.ports.clear();
    this.rules.clear();
    this.members.clear();
  }

  changed(groupIds: readonly string[], portIds: readonly string[] = []): void {
    for (const id of groupIds) this.groups.add(id);
    for (const id of portIds) this.ports.add(id);
  }

  rulesChanged(change: SecurityGroupRulesChange): void {
    this.groups.add(change.securityGroupId);
    const before = this.rules.get(change.securityGroupId);
    if (before === undefined) {
      this.rules.set(change.securityGroupId, change);
      return;
    }
    const gone = new Set(change.removed);
    const wasAdded = new Set(before.added.map((rule) => rule.id));
    this.rules.set(change.securityGroupId, {
      ...before,
      revision: change.revision,
      removed: [...before.removed, ...change.removed.filter((id) => !wasAdded.has(id))],
      added: [...before.added.filter((rule) => !gone.has(rule.id)), ...change.added],
    });
  }

  membersChanged(change: SecurityGroupMembersChange): void {
    this.groups.add(change.securityGroupId);
    const before = this.members.get(change.securityGroupId);
    if (before === undefined) {
      this.members.set(change.securityGroupId, change);
      return;
    }
    const ports = new Map([...before.ports, ...change.ports].map((port) => [port.id, port] as const));
    this.members.set(change.securityGroupId, {
      ...before,
      revision: change.revision,
      ports: [...ports.values()],
    });
  }

  /** The event to publish after the commit, or undefined when nothing changed. */
  event(now: Date): SecurityGroupEventV1 | undefined {
    if (this.groups.size === 0 && this.ports.size === 0) return undefined;
    const rules = [...this.rules.values()].filter(
      (change) => change.added.length + change.removed.length <= CHANGE_LIMIT,
    );
    const members = [...this.members.values()].filter((change) => change.ports.length <= CHANGE_LIMIT);
    const changes = rules.length + members.length > 0 ? { rules, members } : undefined;
    return securityGroupEvent([...this.groups], [...this.ports], now, changes);
  }
}
