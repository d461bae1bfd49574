import { QdhcpError } from '../common/errors.js';
import type { BridgeSpec, DhcpDeviceSpec, Uplink } from '../linux/plumbing-commands.js';
import { cidrOf, networkFacts, subnetContains } from './dhcp-config/network-facts.js';
import type { AgentNetwork, AgentPort } from './model.js';
import {
  bridgeName,
  dhcpNamespaceName,
  namespaceDeviceName,
  tapName,
  vlanDeviceName,
  vxlanDeviceName,
} from './naming.js';
import type { PlumbingSettings } from './plumbing-settings.js';
import type { DhcpSettings } from './settings.js';

/** Metadata addresses on the DHCP device (spec §4.15 step 5, §6.1). */
export const METADATA_ADDRESSES: readonly string[] = ['169.254.169.254/32', 'fe80::a9fe:a9fe/64'];

/**
 * The desired devices of one network: its bridge (+uplink) and the DHCP port's veth pair. `bridge` is
 * undefined (and so is `device.bridge`) when Neutron's L2 agent owns L2 (`l2_owner`): the agent then
 * neither makes the bridge nor plugs the tap into it.
 */
export interface DesiredPlumbing {
  readonly hostNamespace: string | undefined;
  readonly bridge: BridgeSpec | undefined;
  readonly device: DhcpDeviceSpec;
}

/** The uplink of a network from its provider attributes (flat, vlan, vxlan, local). */
export function uplinkFor(network: AgentNetwork, settings: PlumbingSettings): Uplink {
  const type = network['provider:network_type'] ?? 'local';
  const physnet = network['provider:physical_network'] ?? '';
  const segmentation = network['provider:segmentation_id'] ?? undefined;
  const mapped = (): string => {
    const device = settings.physicalInterfaceMappings.get(physnet);
    if (device === undefined) {
      throw new QdhcpError('NETWORK_MODEL_INVALID', {
        subject: `network ${network.id}`,
        reason: `physical network ${JSON.stringify(physnet)} has no interface mapping`,
      });
    }
    return device;
  };
  switch (type) {
    case 'local':
      return { kind: 'none' };
    case 'flat':
      return { kind: 'device', device: mapped() };
    case 'vlan': {
      if (segmentation === undefined)
        throw new QdhcpError('NETWORK_MODEL_INVALID', {
          subject: `network ${network.id}`,
          reason: 'vlan without segmentation id',
        });
      const parent = mapped();
      return { kind: 'vlan', parent, vlanId: segmentation, device: vlanDeviceName(parent, segmentation) };
    }
    case 'vxlan': {
      if (segmentation === undefined)
        throw new QdhcpError('NETWORK_MODEL_INVALID', {
          subject: `network ${network.id}`,
          reason: 'vxlan without VNI',
        });
      if (settings.localIp === undefined)
        throw new QdhcpError('NETWORK_MODEL_INVALID', {
          subject: `network ${network.id}`,
          reason: 'vxlan needs --local-ip',
        });
      return {
        kind: 'vxlan',
        device: vxlanDeviceName(segmentation),
        vni: segmentation,
        localIp: settings.localIp,
        remotes: vxlanRemotes(network, settings),
        group: settings.vxlanGroup,
        underlayDevice: settings.vxlanUnderlayDevice,
        dstPort: settings.vxlanPort,
      };
    }
    default:
      throw new QdhcpError('NETWORK_MODEL_INVALID', {
        subject: `network ${network.id}`,
        reason: `network type ${type} is not supported by the bridge data plane`,
      });
  }
}

/**
 * Where a VXLAN network floods: the configured remotes and the peers the server sent, without this host's
 * own address, sorted and unique (so the FDB converge compares sets).
 */
export function vxlanRemotes(network: AgentNetwork, settings: PlumbingSettings): string[] {
  const all = new Set([...settings.vxlanRemotes, ...(network.vxlan_peers ?? [])]);
  if (settings.localIp !== undefined) all.delete(settings.localIp);
  return [...all].sort();
}

/**
 * The bridge a network lives on: the operator's existing bridge when `bridge_mappings` maps its physnet
 * (flat only), else qdhcp's `brq…` with the uplink of {@link uplinkFor}. A vlan network on a mapped bridge is
 * refused: tagging needs an interface to put the VLAN device on, and Neutron's linuxbridge agent cannot do
 * it either (its `ensure_vlan_bridge` asks for a sub-interface of the physnet's interface, which a
 * bridge-mapped physnet has none of).
 */
export function bridgeFor(network: AgentNetwork, settings: PlumbingSettings): BridgeSpec {
  const type = network['provider:network_type'] ?? 'local';
  const physnet = network['provider:physical_network'] ?? '';
  const existing =
    (type === 'flat' || type === 'vlan') && physnet !== '' ? settings.bridgeMappings.get(physnet) : undefined;
  if (existing === undefined) return { bridge: bridgeName(network.id), uplink: uplinkFor(network, settings) };
  if (type === 'vlan')
    throw new QdhcpError('NETWORK_MODEL_INVALID', {
      subject: `network ${network.id}`,
      reason: `vlan network on physical network ${JSON.stringify(physnet)}, which bridge_mappings maps to the existing bridge ${existing}: a vlan network needs physical_interface_mappings`,
    });
  return { bridge: existing, uplink: { kind: 'none' }, existing: true };
}

/**
 * The devices a network should have (spec §4.15): addresses = the DHCP port's fixed IPs on DHCP-enabled
 * subnets (`ip/prefix`) plus the metadata addresses when a metadata option is on; default route via the
 * first DHCP-enabled IPv4 subnet with a gateway (on-link when the gateway is outside that subnet); the tap
 * goes on the network's bridge ({@link bridgeFor}: `brq…` or the operator's mapped bridge). With
 * `l2Owner: 'neutron-linuxbridge'` no bridge and no uplink, as neutron-dhcp-agent's linuxbridge interface
 * driver: the provider attributes are the L2 agent's business, so a physnet without a mapping here is fine.
 */
export function desiredPlumbing(
  network: AgentNetwork,
  dhcpPort: AgentPort,
  dhcp: DhcpSettings,
  settings: PlumbingSettings,
): DesiredPlumbing {
  const facts = networkFacts(network);
  const addresses: string[] = [];
  for (const fixed of dhcpPort.fixed_ips) {
    const subnet = facts.byId.get(fixed.subnet_id);
    if (subnet === undefined || !subnet.subnet.enable_dhcp) continue;
    addresses.push(`${fixed.ip_address}/${cidrOf(subnet.subnet).prefixLength}`);
  }
  if (dhcp.enableIsolatedMetadata || dhcp.forceMetadata) {
    addresses.push(...METADATA_ADDRESSES.filter((address) => settings.ipv6 || !address.includes(':')));
  }
  let gateway: DhcpDeviceSpec['gateway'];
  const first = facts.subnets.find(
    (s) => s.ipVersion === 4 && s.subnet.enable_dhcp && s.subnet.gateway_ip != null,
  );
  if (first !== undefined && first.subnet.gateway_ip != null) {
    gateway = { address: first.subnet.gateway_ip, onLink: !subnetContains(first, first.subnet.gateway_ip) };
  }
  const bridge = settings.l2Owner === 'qdhcp' ? bridgeFor(network, settings) : undefined;
  return {
    hostNamespace: settings.hostNamespace,
    bridge,
    device: {
      namespace: dhcpNamespaceName(network.id, settings.namespacePrefix),
      bridge: bridge?.bridge,
      tap: tapName(dhcpPort.id),
      device: namespaceDeviceName(dhcpPort.id),
      mac: dhcpPort.mac_address,
      mtu: network.mtu > 0 ? network.mtu : undefined,
      addresses,
      gateway,
    },
  };
}

/** True when the agent should serve the network (spec §4.7): admin up with a DHCP-enabled subnet. */
export function networkNeedsDhcp(network: AgentNetwork): boolean {
  return network.admin_state_up && network.subnets.some((subnet) => subnet.enable_dhcp);
}

/**
 * The one test of "is this the agent's own DHCP port": owner `network:dhcp` and this agent's device id
 * (spec §4.14). Its addresses belong to the plumbing, so a change of it re-plumbs the network.
 */
export function isAgentDhcpPort(port: AgentPort | undefined, deviceId: string): boolean {
  return port?.device_owner === 'network:dhcp' && port.device_id === deviceId;
}

/** The agent's DHCP port in a network ({@link isAgentDhcpPort}). */
export function findAgentDhcpPort(network: AgentNetwork, deviceId: string): AgentPort | undefined {
  return network.ports.find((port) => isAgentDhcpPort(port, deviceId));
}
