/**
 * The security groups of the L2 role's plugged ports, enforced in batches (issue 14, docs/compute.md
 * "Security groups"): one `securitygroups.info` per 1,000 ports, then one `ipset restore` for every member
 * change and one `iptables-restore --noflush` per family for every chain that changed. Ports with the same
 * groups share their rules' chains (src/linux/iptables-sg-rules.ts), so a rule change rewrites those few
 * chains and a membership change is set elements only, whatever the number of ports.
 *
 * What is in the kernel is tracked here (the shared chains' text, the ipsets' members, each tap's chain
 * key); a failed apply leaves it as it was, so the next batch writes the same changes again.
 *
 * A security group event's changes (a rule, a member's addresses) are applied to what is known of the
 * groups (group-model.ts) without `securitygroups.info`, and written through one tap per set of shared
 * chains: a change costs the same at 10 and at 1,000 ports. A gap (the group here older than the change's
 * base) or a group the event names without a change re-reads that one tap per shared chain set.
 *
 * @module
 */
import type { SecurityGroupChanges, SecurityGroupResult } from '../../bus/security-group-rpc.js';
import type { Logger } from '../../common/logger.js';
import type { NamespaceName } from '../../linux/ip-batch.js';
import {
  applyGroupScripts,
  applyIpset,
  destroyIpsets,
  ensureSecurityGroupBase,
} from '../../linux/iptables-sg.js';
import {
  groupsRestoreScript,
  ipsetChangeLines,
  type PortChains,
  removeScript,
  type SgFamily,
  type SharedChainSpec,
} from '../../linux/iptables-sg-rules.js';
import { GroupModel } from './group-model.js';
import type { KeptState } from './leftovers.js';
import { portGroupsOf } from './port-groups.js';
import type { SecurityGroupRpc } from './security-group-client.js';

type Info = SecurityGroupResult<'securitygroups.info'>;
const FAMILIES: readonly SgFamily[] = ['IPv4', 'IPv6'];
/** The contract's limit of ports per `securitygroups.info`. */
const INFO_BATCH = 1000;
/** A group event enforced later than this after the server's commit is logged at info. */
const SLOW_EVENT_MS = 100;

/** A tap to enforce and its port. */
export interface GroupTarget {
  readonly tap: string;
  readonly portId: string;
}

/** A tap as enforced: its port and its shared chains' key (undefined: not filtered by groups). */
interface Enforced {
  readonly portId: string;
  readonly key: string | undefined;
}

/** A security group event's groups and changes, waiting for the enforcement loop. */
export interface GroupEvent {
  readonly securityGroupIds: readonly string[];
  readonly changes?: SecurityGroupChanges | undefined;
  /** The event's `occurredAt` (the server's commit) and when it arrived here (performance.now()): the
   * stages logged by `l2.group_event_applied` (docs/performance.md "Issue 14"). */
  readonly occurredAt?: string | undefined;
  readonly receivedAt?: number | undefined;
}

/** A set of groups' chains in the kernel: their text per family and the ipsets their rules name. */
interface SharedChains {
  readonly text: Readonly<Record<SgFamily, string>>;
  readonly sets: readonly string[];
}

export interface GroupEnforcerDeps {
  readonly host: string;
  readonly namespace: NamespaceName;
  readonly client: SecurityGroupRpc;
  readonly logger: Logger;
}

export class GroupEnforcer {
  private readonly taps = new Map<string, Enforced>();
  private readonly shared = new Map<string, SharedChains>();
  private readonly remoteSets = new Map<string, readonly string[]>();
  private readonly model = new GroupModel();
  private baseReady = false;
  /** The last batch's kernel time (ipset, iptables-restore), for `l2.group_event_applied`. */
  private lastKernelMs: { ipsetMs?: number; iptablesMs?: number } = {};

  constructor(private readonly deps: GroupEnforcerDeps) {}

  /**
   * Applies an event's changes to what is known and writes them to the kernel through one tap per set of
   * shared chains; groups without an applicable change are re-read the same way (one tap per set).
   * Returns how many taps were asked for with `securitygroups.info` (0: applied without a read).
   */
  async applyEvent(event: GroupEvent): Promise<number> {
    const started = performance.now();
    const waitedMs = event.receivedAt === undefined ? undefined : started - event.receivedAt;
    const reads = await this.applyChanges(event);
    const ms = (value: number | undefined) => (value === undefined ? undefined : Math.round(value * 10) / 10);
    const busMs = event.occurredAt === undefined ? undefined : Date.now() - Date.parse(event.occurredAt);
    // One line per event would be one per port created: info only past issue 14's target (100 ms).
    const slow = (busMs ?? 0) > SLOW_EVENT_MS;
    this.deps.logger[slow ? 'info' : 'debug'](
      {
        event: 'l2.group_event_applied',
        reads,
        sinceCommitMs: busMs,
        waitedMs: ms(waitedMs),
        applyMs: ms(performance.now() - started),
        ...this.lastKernelMs,
      },
      'security group change enforced',
    );
    return reads;
  }

  private async applyChanges(event: GroupEvent): Promise<number> {
    this.lastKernelMs = {};
    const applied = new Set<string>();
    const reread = new Set<string>();
    const covered = new Set<string>();
    const outcomes = [
      ...(event.changes?.rules ?? []).map((c) => [c.securityGroupId, this.model.applyRules(c)] as const),
      ...(event.changes?.members ?? []).map((c) => [c.securityGroupId, this.model.applyMembers(c)] as const),
    ];
    for (const [id, outcome] of outcomes) {
      covered.add(id);
      if (outcome === 'applied') applied.add(id);
      if (outcome === 'gap') reread.add(id);
    }
    for (const id of event.securityGroupIds) if (!covered.has(id)) reread.add(id);
    const toApply = new Map<string, GroupTarget>();
    const toRead = new Map<string, GroupTarget>();
    const concerningOfKey = new Map<string, Set<string>>();
    for (const [tap, { portId, key }] of this.taps) {
      if (key === undefined || toRead.has(key)) continue;
      let concerning = concerningOfKey.get(key);
      if (concerning === undefined) {
        concerning = this.model.concerning(portId);
        concerningOfKey.set(key, concerning);
      }
      if ([...reread].some((id) => concerning.has(id))) {
        toRead.set(key, { tap, portId });
        toApply.delete(key);
      } else if (!toApply.has(key) && [...applied].some((id) => concerning.has(id)))
        toApply.set(key, { tap, portId });
    }
    const targets = [...toApply.values()];
    const known = this.model.info(targets.map((target) => target.portId));
    // A rule naming a remote group whose members are not known here yet: read (those taps only).
    if (known === undefined) for (const [key, target] of toApply) toRead.set(key, target);
    else await this.apply(targets, known);
    await this.enforce([...toRead.values()]);
    return toRead.size;
  }

  /** The taps whose port is in or whose rules name one of the groups (O(taps): not on the event path). */
  tapsConcerned(groupIds: readonly string[]): string[] {
    return [...this.taps]
      .filter(([, { portId }]) => groupIds.some((id) => this.model.concerning(portId).has(id)))
      .map(([tap]) => tap);
  }

  /** What this enforcer has in the kernel (leftovers.ts removes the rest a previous process left). */
  kept(): Omit<KeptState, 'table'> {
    const groupTaps = [...this.taps].filter(([, tap]) => tap.key !== undefined).map(([tap]) => tap);
    const sharedKeys = [...this.shared.keys()];
    return { groupTaps, sharedKeys, base: this.baseReady, sets: [...this.remoteSets.keys()] };
  }

  /** Reads the targets' groups and moves the kernel to them: sets first, then chains (one batch). */
  async enforce(targets: readonly GroupTarget[]): Promise<void> {
    if (targets.length === 0) return;
    const started = performance.now();
    const portIds = targets.map((target) => target.portId);
    const read = await this.read(portIds, this.model.knownMembers());
    this.model.merge(portIds, read);
    // What is known may be newer than the read (a change applied meanwhile); both are at least as new.
    // Not all known (a group kept newer names a remote group the read did not): the whole read, alone.
    const known = this.model.info(portIds) ?? (await this.read(portIds, {}));
    await this.apply(targets, known, started);
  }

  /** Moves the kernel to `info` for the targets: sets first, then chains (one batch). */
  private async apply(
    targets: readonly GroupTarget[],
    info: Info,
    started = performance.now(),
  ): Promise<void> {
    const read = performance.now();
    const setLines: string[] = [];
    const nextSets = new Map<string, readonly string[]>();
    const sharedSpecs = new Map<string, SharedChainSpec & { sets: readonly string[] }>();
    const ports: PortChains[] = [];
    const unprotected: string[] = [];
    const next = new Map<string, Enforced>();
    for (const { tap, portId } of targets) {
      const groups = portGroupsOf(tap, portId, info);
      const before = this.taps.get(tap)?.key;
      next.set(tap, { portId, key: groups?.spec.key });
      if (groups === undefined) {
        if (before !== undefined) unprotected.push(tap);
        continue;
      }
      const { spec, sets } = groups;
      for (const [name, { family, members }] of sets) {
        if (nextSets.has(name)) continue;
        nextSets.set(name, members);
        setLines.push(...ipsetChangeLines(name, family, this.remoteSets.get(name), members));
      }
      if (!sharedSpecs.has(spec.key)) sharedSpecs.set(spec.key, { ...spec, sets: [...sets.keys()] });
      if (before !== spec.key) ports.push({ device: tap, key: spec.key, withJumps: before === undefined });
    }
    // Only the shared chains whose text changed, per family (an IPv4 rule leaves ip6tables alone).
    const changed: Record<SgFamily, SharedChainSpec[]> = { IPv4: [], IPv6: [] };
    const written: Array<[string, SharedChains]> = [];
    for (const spec of sharedSpecs.values()) {
      const text = {
        IPv4: groupsRestoreScript([spec], [], 'IPv4'),
        IPv6: groupsRestoreScript([spec], [], 'IPv6'),
      };
      const old = this.shared.get(spec.key)?.text;
      for (const family of FAMILIES) if (old?.[family] !== text[family]) changed[family].push(spec);
      written.push([spec.key, { text, sets: spec.sets }]);
    }
    const texts = {
      IPv4: groupsRestoreScript(changed.IPv4, ports, 'IPv4'),
      IPv6: groupsRestoreScript(changed.IPv6, ports, 'IPv6'),
    };
    if (texts.IPv4 !== '' || texts.IPv6 !== '') await this.ensureBase();
    const computed = performance.now();
    await applyIpset(this.deps.namespace, setLines);
    for (const [name, members] of nextSets) this.remoteSets.set(name, members);
    const setsDone = performance.now();
    await applyGroupScripts(this.deps.namespace, texts);
    for (const [key, chains] of written) this.shared.set(key, chains);
    if (unprotected.length > 0) await this.removeChains(unprotected);
    for (const [tap, enforced] of next) this.taps.set(tap, enforced);
    const ms = (from: number, to: number) => Math.round((to - from) * 10) / 10;
    this.lastKernelMs = { ipsetMs: ms(computed, setsDone), iptablesMs: ms(setsDone, performance.now()) };
    this.deps.logger.debug(
      {
        event: 'l2.groups_enforced',
        ports: targets.length,
        setLines: setLines.length,
        chains: changed.IPv4.length + changed.IPv6.length + ports.length,
        readMs: ms(started, read),
        computeMs: ms(read, computed),
        ipsetMs: ms(computed, setsDone),
        iptablesMs: ms(setsDone, performance.now()),
      },
      'security groups enforced',
    );
  }

  /** The tap is gone or no longer ours: its jumps and chains go. */
  async remove(tap: string): Promise<void> {
    if (this.taps.get(tap)?.key !== undefined) await this.removeChains([tap]);
    this.taps.delete(tap);
  }

  /**
   * Removes the shared chains no tap jumps to any more, then the ipsets no remaining chain names (the
   * kernel refuses to destroy a set a rule still names).
   */
  async prune(): Promise<void> {
    this.model.keepOnly(new Set([...this.taps.values()].map((tap) => tap.portId)));
    const used = new Set([...this.taps.values()].map((tap) => tap.key));
    const unusedKeys = [...this.shared.keys()].filter((key) => !used.has(key));
    if (unusedKeys.length > 0) {
      const text = removeScript([], unusedKeys);
      await applyGroupScripts(this.deps.namespace, { IPv4: text, IPv6: text });
      for (const key of unusedKeys) this.shared.delete(key);
    }
    const named = new Set([...this.shared.values()].flatMap((chains) => chains.sets));
    const unusedSets = [...this.remoteSets.keys()].filter((name) => !named.has(name));
    if (unusedSets.length === 0) return;
    await destroyIpsets(this.deps.namespace, unusedSets);
    for (const name of unusedSets) this.remoteSets.delete(name);
    this.deps.logger.info(
      { event: 'l2.ipsets_destroyed', sets: unusedSets },
      'unused security group sets removed',
    );
  }

  private async removeChains(taps: readonly string[]): Promise<void> {
    const text = removeScript(taps);
    await applyGroupScripts(this.deps.namespace, { IPv4: text, IPv6: text });
    for (const tap of taps) {
      const enforced = this.taps.get(tap);
      if (enforced !== undefined) this.taps.set(tap, { ...enforced, key: undefined });
    }
  }

  /** `securitygroups.info` for the ports, in batches of the contract's limit, merged. */
  private async read(portIds: readonly string[], knownMembers: Record<string, number>): Promise<Info> {
    const merged: Info = { ports: [], securityGroups: [], members: {} };
    const seen = new Set<string>();
    for (let i = 0; i < portIds.length; i += INFO_BATCH) {
      const part = await this.deps.client.info(
        this.deps.host,
        portIds.slice(i, i + INFO_BATCH),
        knownMembers,
      );
      merged.ports.push(...part.ports);
      for (const group of part.securityGroups) {
        if (seen.has(group.id)) continue;
        seen.add(group.id);
        merged.securityGroups.push(group);
      }
      Object.assign(merged.members, part.members);
      if (part.memberPorts !== undefined) merged.memberPorts = { ...merged.memberPorts, ...part.memberPorts };
    }
    return merged;
  }

  private async ensureBase(): Promise<void> {
    if (this.baseReady) return;
    const bridged = await ensureSecurityGroupBase(this.deps.namespace);
    if (!bridged)
      this.deps.logger.warn(
        { event: 'l2.bridge_nf_off', namespace: this.deps.namespace ?? '(current)' },
        'net.bridge.bridge-nf-call-iptables is 0: security groups are not enforced on bridged traffic',
      );
    this.baseReady = true;
  }
}
