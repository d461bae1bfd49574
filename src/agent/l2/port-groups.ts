/**
 * A port's security groups as the host enforces them (issue 14, docs/compute.md "Security groups"): the
 * `securitygroups.info` reply turned into the text spec of src/linux/iptables-sg-rules.ts, with each
 * `remote_group_id` resolved to an ipset of its members' addresses. Pure.
 *
 * @module
 */
import type { SecurityGroupResult } from '../../bus/security-group-rpc.js';
import {
  type PortGroupsSpec,
  remoteSetName,
  type SgFamily,
  type SgRuleSpec,
  sharedChainKey,
} from '../../linux/iptables-sg-rules.js';

/** The sets a port's rules name → their members (the ipset elements). */
export type RemoteSets = Map<string, { readonly family: SgFamily; readonly members: readonly string[] }>;

/**
 * The spec of one port, or undefined when its groups are not enforced (port unknown to the server, or
 * `port_security_enabled` false: Neutron filters nothing then).
 */
export function portGroupsOf(
  device: string,
  portId: string,
  info: SecurityGroupResult<'securitygroups.info'>,
): { spec: PortGroupsSpec; sets: RemoteSets } | undefined {
  const port = info.ports.find((p) => p.id === portId);
  if (port === undefined || !port.port_security_enabled) return undefined;
  const groups = info.securityGroups.filter((g) => port.security_groups.includes(g.id));
  const sets: RemoteSets = new Map();
  const rules: SgRuleSpec[] = groups.flatMap((group) =>
    group.rules.map((rule) => {
      let remoteSet: string | null = null;
      if (rule.remote_group_id !== null) {
        remoteSet = remoteSetName(rule.remote_group_id, rule.ethertype);
        sets.set(remoteSet, {
          family: rule.ethertype,
          members: info.members[rule.remote_group_id]?.[rule.ethertype] ?? [],
        });
      }
      return {
        direction: rule.direction,
        ethertype: rule.ethertype,
        protocol: rule.protocol,
        portRangeMin: rule.port_range_min,
        portRangeMax: rule.port_range_max,
        remotePrefix: rule.normalized_cidr ?? rule.remote_ip_prefix,
        remoteSet,
      };
    }),
  );
  // Neutron refuses to mix stateful and stateless groups on one port; a port without groups is stateful.
  const stateful = groups.every((group) => group.stateful);
  const key = sharedChainKey(stateful, port.security_groups);
  return { spec: { device, key, stateful, rules }, sets };
}
