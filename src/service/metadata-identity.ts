/**
 * The server side of `metadata.get_instance` (spec §6.3 steps 3–5, issue 5): which instance is behind a
 * metadata request, from what the agent's proxy knows for sure — the network it listens on and the TCP
 * peer address. The port holding that address gives the instance (`device_id`) and the project; the
 * builtin backend also gets everything its trees are built from. Nothing crosses projects: an instance
 * record of another project than the port's is not returned, and only the instance's own project's
 * ports are listed.
 *
 * @module
 */
import type { MethodParams, MethodResult } from '../bus/dhcp-agent-rpc.js';
import {
  type Database,
  type InstanceRecord,
  instancesRepository,
  type NetworkRecord,
  networksRepository,
  type PortRecord,
  portsRepository,
  type Queryable,
  type SubnetRecord,
  subnetsRepository,
} from '../db/index.js';
import { canonicalIp } from '../ipam/index.js';

type GetInstanceParams = MethodParams<'metadata.get_instance'>;
type GetInstanceResult = MethodResult<'metadata.get_instance'>;
type MetadataContextView = NonNullable<GetInstanceResult['context']>;
type MetadataPortView = MetadataContextView['requestPort'];

const NOBODY: GetInstanceResult = { identity: null, context: null };

/** The address as stored: canonical text; an IPv4-mapped IPv6 peer (`::ffff:a.b.c.d`) is its IPv4. */
export function storedAddress(text: string): string | undefined {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(text);
  return canonicalIp(mapped ? mapped[1]! : text);
}

function subnetView(subnet: SubnetRecord): MetadataPortView['fixedIps'][number]['subnet'] {
  return {
    id: subnet.id,
    cidr: subnet.cidr,
    ipVersion: subnet.ipVersion,
    gatewayIp: subnet.gatewayIp,
    enableDhcp: subnet.enableDhcp,
    // network_data.json's network type (`ipv6_slaac`, …) for IPv6 subnets the agent does not serve itself.
    ...(subnet.ipVersion === 6 && { ipv6AddressMode: subnet.ipv6AddressMode }),
    dnsNameservers: [...subnet.dnsNameservers],
    hostRoutes: subnet.hostRoutes.map((r) => ({ destination: r.destination, nexthop: r.nexthop })),
  };
}

function instanceView(record: InstanceRecord): MetadataContextView['instance'] {
  return {
    id: record.id,
    name: record.name,
    hostname: record.hostname,
    projectId: record.projectId,
    availabilityZone: record.availabilityZone,
    launchIndex: record.launchIndex,
    ec2Id: record.ec2Id,
    publicKeys: Object.entries(record.publicKeys).map(([name, key]) => ({ name, key })),
    userDataBase64: record.userDataBase64,
    metadata: { ...record.metadata },
  };
}

/** The instance's ports with their subnets and MTUs, in `portIds` order. */
async function metadataPorts(db: Queryable, portIds: readonly string[]): Promise<MetadataPortView[]> {
  const records = await portsRepository.list(db, { equals: { id: [...portIds] } });
  const byId = new Map(records.map((p) => [p.id, p]));
  const ordered = portIds.map((id) => byId.get(id)).filter((p): p is PortRecord => p !== undefined);
  const subnetIds = [...new Set(ordered.flatMap((p) => p.fixedIps.map((ip) => ip.subnetId)))];
  const networkIds = [...new Set(ordered.map((p) => p.networkId))];
  // Independent reads: in parallel on PostgreSQL's pool (SQLite runs them one after the other anyway).
  const [subnetList, networkList] = await Promise.all([
    subnetIds.length === 0 ? [] : subnetsRepository.list(db, { equals: { id: subnetIds } }),
    Promise.all(networkIds.map((id) => networksRepository.get(db, id))),
  ]);
  const subnets = new Map(subnetList.map((s) => [s.id, s]));
  const networks = new Map<string, NetworkRecord | undefined>(
    networkIds.map((id, i) => [id, networkList[i]]),
  );
  return ordered.map((port) => ({
    id: port.id,
    networkId: port.networkId,
    macAddress: port.macAddress,
    mtu: networks.get(port.networkId)?.mtu ?? null,
    fixedIps: port.fixedIps.flatMap((ip) => {
      const subnet = subnets.get(ip.subnetId);
      return subnet ? [{ ipAddress: ip.ipAddress, subnet: subnetView(subnet) }] : [];
    }),
  }));
}

/**
 * Answers `metadata.get_instance`: `identity` when exactly one port of the network holds the address
 * and has a device; `context` when qdhcp also keeps an instance record with that id in the port's
 * project. `domain` is the server's `dns_domain`.
 */
export async function getMetadataInstance(
  database: Pick<Database, 'db'>,
  domain: string,
  params: GetInstanceParams,
): Promise<GetInstanceResult> {
  const { db } = database;
  const address = storedAddress(params.ipAddress);
  if (address === undefined) return NOBODY;
  const holders = await instancesRepository.holdersOfAddress(db, params.networkId, address);
  const holder = holders.length === 1 ? holders[0]! : undefined;
  if (holder === undefined || holder.deviceId === '') return NOBODY;
  const identity = { portId: holder.portId, instanceId: holder.deviceId, projectId: holder.projectId };
  // The record and its ports (those of the port's project: the record must be of that project too).
  const [instance, portIdsById] = await Promise.all([
    instancesRepository.get(db, holder.deviceId),
    instancesRepository.portIdsOf(db, [{ id: holder.deviceId, projectId: holder.projectId }]),
  ]);
  if (!instance || instance.projectId !== holder.projectId) return { identity, context: null };
  const portIds = portIdsById.get(instance.id) ?? [];
  const ports = await metadataPorts(db, portIds);
  const requestPort = ports.find((p) => p.id === holder.portId);
  if (!requestPort) return { identity, context: null };
  return { identity, context: { instance: instanceView(instance), requestPort, ports, domain } };
}
