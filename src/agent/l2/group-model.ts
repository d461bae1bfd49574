/**
 * What the L2 role knows of its plugged ports' security groups (issue 14): the ports, their groups' rules
 * at each group's revision and the members of the groups those rules name, by port at each group's members
 * revision. Filled from `securitygroups.info` and moved by the changes a `qdhcp.security-group-event`
 * carries (src/bus/security-group-rpc.ts), so a rule or member change is applied without asking the server
 * again — O(change), whatever the number of ports — when the group here is at the change's base revision;
 * a change further on is a gap (the caller re-reads the group's ports), one already here is ignored.
 *
 * A read may be newer than the revisions it carries (they are read first): changes are keyed (a rule by
 * id, a member by port), so applying one again leaves what is there. Pure.
 *
 * @module
 */
import type {
  AgentPortSecurity,
  AgentSecurityGroup,
  SecurityGroupMembersChange,
  SecurityGroupResult,
  SecurityGroupRulesChange,
} from '../../bus/security-group-rpc.js';

type Info = SecurityGroupResult<'securitygroups.info'>;

/** A remote group's members: each port's addresses; revision undefined when read from a server without it. */
interface Members {
  readonly revision: number | undefined;
  readonly ports: Map<string, readonly string[]>;
}

/** What applying a change did: `gap` — the group here is older than its base (re-read it). */
export type ChangeOutcome = 'applied' | 'already' | 'gap' | 'unknown';

/** A member's addresses when a server without `memberPorts` answered (all of a group's under one key). */
const ALL = '';

export class GroupModel {
  private readonly ports = new Map<string, AgentPortSecurity>();
  private readonly groups = new Map<string, AgentSecurityGroup>();
  private readonly members = new Map<string, Members>();

  /**
   * Takes a `securitygroups.info` reply for `asked` (ports it leaves out are unknown to the server). A group
   * or member list older than what is here is kept (an event applied meanwhile is newer).
   */
  merge(asked: readonly string[], info: Info): void {
    const answered = new Set(info.ports.map((port) => port.id));
    for (const id of asked) if (!answered.has(id)) this.ports.delete(id);
    for (const port of info.ports) this.ports.set(port.id, port);
    for (const group of info.securityGroups) {
      const here = this.groups.get(group.id)?.revision_number;
      if (here !== undefined && group.revision_number !== undefined && group.revision_number < here) continue;
      this.groups.set(group.id, group);
    }
    for (const [id, members] of Object.entries(info.members)) {
      const byPort = info.memberPorts?.[id];
      const here = this.members.get(id)?.revision;
      if (byPort !== undefined) {
        if (here !== undefined && byPort.revision < here) continue;
        this.members.set(id, { revision: byPort.revision, ports: new Map(Object.entries(byPort.ports)) });
      } else
        this.members.set(id, {
          revision: undefined,
          ports: new Map([[ALL, [...members.IPv4, ...members.IPv6]]]),
        });
    }
  }

  /** A group's rules moved from `baseRevision` to `revision`. */
  applyRules(change: SecurityGroupRulesChange): ChangeOutcome {
    const group = this.groups.get(change.securityGroupId);
    if (group === undefined) return 'unknown';
    const here = group.revision_number;
    if (here !== undefined && here >= change.revision) return 'already';
    if (here !== change.baseRevision) return 'gap';
    const removed = new Set(change.removed);
    const added = new Set(change.added.map((rule) => rule.id));
    const rules = group.rules.filter((rule) => !removed.has(rule.id) && !added.has(rule.id));
    this.groups.set(group.id, {
      ...group,
      rules: [...rules, ...change.added],
      revision_number: change.revision,
    });
    return 'applied';
  }

  /** A group's members moved from `baseRevision` to `revision`. */
  applyMembers(change: SecurityGroupMembersChange): ChangeOutcome {
    const members = this.members.get(change.securityGroupId);
    if (members === undefined) return 'unknown';
    if (members.revision !== undefined && members.revision >= change.revision) return 'already';
    if (members.revision !== change.baseRevision) return 'gap';
    const ports = new Map(members.ports);
    for (const { id, addresses } of change.ports)
      if (addresses.length === 0) ports.delete(id);
      else ports.set(id, addresses);
    this.members.set(change.securityGroupId, { revision: change.revision, ports });
    return 'applied';
  }

  /**
   * The reply `securitygroups.info` would give for these ports, from what is here; undefined when a group
   * of theirs or the members of a group their rules name are not here (the ports must be read).
   */
  info(portIds: readonly string[]): Info | undefined {
    const ports = portIds.flatMap((id) => this.ports.get(id) ?? []);
    const securityGroups: AgentSecurityGroup[] = [];
    for (const id of new Set(ports.flatMap((port) => port.security_groups))) {
      const group = this.groups.get(id);
      if (group === undefined) return undefined;
      securityGroups.push(group);
    }
    const members: Info['members'] = {};
    for (const group of securityGroups)
      for (const rule of group.rules) {
        const remote = rule.remote_group_id;
        if (remote === null || members[remote] !== undefined) continue;
        const known = this.members.get(remote);
        if (known === undefined) return undefined;
        const addresses = [...known.ports.values()].flat();
        members[remote] = {
          IPv4: addresses.filter((a) => !a.includes(':')),
          IPv6: addresses.filter((a) => a.includes(':')),
        };
      }
    return { ports, securityGroups, members };
  }

  /** The remote groups whose members are held here by port, at their members revision. */
  knownMembers(): Record<string, number> {
    const known: Record<string, number> = {};
    for (const [id, { revision }] of this.members) if (revision !== undefined) known[id] = revision;
    return known;
  }

  /** The groups a port is in and those their rules name as remote (a change of one concerns it). */
  concerning(portId: string): Set<string> {
    const own = this.ports.get(portId)?.security_groups ?? [];
    const remote = own.flatMap(
      (id) => this.groups.get(id)?.rules.flatMap((r) => r.remote_group_id ?? []) ?? [],
    );
    return new Set([...own, ...remote]);
  }

  /** Forgets ports no longer plugged, then the groups and members no remaining port needs. */
  keepOnly(portIds: ReadonlySet<string>): void {
    for (const id of [...this.ports.keys()]) if (!portIds.has(id)) this.ports.delete(id);
    const groups = new Set([...this.ports.values()].flatMap((port) => port.security_groups));
    for (const id of [...this.groups.keys()]) if (!groups.has(id)) this.groups.delete(id);
    const remotes = new Set(
      [...this.groups.values()].flatMap((g) => g.rules.flatMap((r) => r.remote_group_id ?? [])),
    );
    for (const id of [...this.members.keys()]) if (!remotes.has(id)) this.members.delete(id);
  }
}
