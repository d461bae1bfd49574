/**
 * The server side of `l3.sync_routers` (`bus/l3-agent-rpc.ts`; Neutron's `L3RpcCallback.sync_routers`):
 * the routers bound to the asking host, each projected to what the data plane reads (`RouterSpec` of
 * `src/agent/router/router-spec.ts`): gateway and interface ports with their subnets' facts, associated
 * floating IPs, extra routes and the L3 revision. A full sync (no `router_ids`) first schedules routers
 * nobody hosts, as Neutron's agent sync does.
 *
 * @module
 */
import type {
  L3MethodParams,
  L3MethodResult,
  L3Router,
  RouterFloatingIpChange,
} from '../bus/l3-agent-rpc.js';
import {
  agentsRepository,
  type FloatingIpRecord,
  floatingIpsRepository,
  networksRepository,
  type PortRecord,
  type Queryable,
  type RouterRecord,
  routerL3Repository,
  routersRepository,
  type SubnetRecord,
  subnetsRepository,
} from '../db/index.js';
import { DEVICE_OWNER_ROUTER_GATEWAY, DEVICE_OWNER_ROUTER_INTERFACE } from '../ipam/index.js';
import { L3_AGENT_TYPE, type RouterSchedulerDeps, scheduleUnscheduledRouters } from './router-scheduler.js';
import { routerPorts } from './router-service.js';

type L3Port = L3Router['interfaces'][number];

async function portSpec(
  db: Queryable,
  port: PortRecord,
  subnets: Map<string, SubnetRecord | undefined>,
): Promise<L3Port> {
  const network = await networksRepository.get(db, port.networkId);
  const addresses: L3Port['addresses'] = [];
  for (const fixed of port.fixedIps) {
    if (!subnets.has(fixed.subnetId))
      subnets.set(fixed.subnetId, await subnetsRepository.get(db, fixed.subnetId));
    const subnet = subnets.get(fixed.subnetId);
    if (subnet === undefined) continue; // the subnet went in this very moment: the next revision fixes it
    addresses.push({
      subnetId: subnet.id,
      ipAddress: fixed.ipAddress,
      cidr: subnet.cidr,
      ipVersion: subnet.ipVersion,
      gatewayIp: subnet.gatewayIp,
      ...(subnet.ipVersion === 6 && {
        ipv6RaMode: subnet.ipv6RaMode,
        dnsNameservers: [...subnet.dnsNameservers],
      }),
    });
  }
  return {
    portId: port.id,
    networkId: port.networkId,
    macAddress: port.macAddress,
    mtu: network?.mtu ?? 1500,
    addresses,
    ...(network !== undefined && {
      provider: {
        networkType: network.networkType,
        physicalNetwork: network.physicalNetwork,
        segmentationId: network.segmentationId,
      },
    }),
  };
}

/** A floating IP as its router's spec lists it; undefined when it is not associated. */
function floatingIpSpecOf(f: FloatingIpRecord): L3Router['floatingIps'][number] | undefined {
  if (f.fixedPortId === null || f.fixedIpAddress === null) return undefined;
  return {
    id: f.id,
    floatingIpAddress: f.floatingIpAddress,
    fixedIpAddress: f.fixedIpAddress,
    portId: f.fixedPortId,
  };
}

/**
 * What `record` (as committed) does to router `routerId`'s floating IPs, for the router event: mapped as
 * {@link routerSpecOf} would list it, or gone from the router (moved away, disassociated or deleted).
 */
export function floatingIpChangeOf(
  record: FloatingIpRecord | undefined,
  id: string,
  routerId: string,
): Omit<RouterFloatingIpChange, 'baseRevision'> {
  const spec = record?.routerId === routerId ? floatingIpSpecOf(record) : undefined;
  return spec === undefined ? { removed: [id], upserted: [] } : { removed: [], upserted: [spec] };
}

/** The data plane's view of one router at `revision` (pure but for the reads in `db`). */
export async function routerSpecOf(db: Queryable, router: RouterRecord, revision: number): Promise<L3Router> {
  const ports = await routerPorts(db, router.id);
  const subnets = new Map<string, SubnetRecord | undefined>();
  const gatewayPort = ports.find((p) => p.deviceOwner === DEVICE_OWNER_ROUTER_GATEWAY);
  const interfaces: L3Port[] = [];
  for (const port of ports.filter((p) => p.deviceOwner === DEVICE_OWNER_ROUTER_INTERFACE).sort(byId))
    interfaces.push(await portSpec(db, port, subnets));
  const floatingIps = (await floatingIpsRepository.listByRouter(db, router.id))
    .flatMap((f) => floatingIpSpecOf(f) ?? [])
    .sort(byId);
  return {
    id: router.id,
    projectId: router.projectId,
    adminStateUp: router.adminStateUp,
    gateway:
      gatewayPort === undefined || router.gatewayNetworkId === null
        ? null
        : { ...(await portSpec(db, gatewayPort, subnets)), enableSnat: router.enableSnat },
    interfaces,
    floatingIps,
    routes: router.routes.map((r) => ({ destination: r.destination, nexthop: r.nexthop })),
    revision,
  };
}

function byId<T extends { readonly id: string }>(a: T, b: T): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** `l3.sync_routers`: the host's routers (all, or those of `router_ids` still bound to it). */
export async function syncRouters(
  deps: RouterSchedulerDeps,
  params: L3MethodParams<'l3.sync_routers'>,
): Promise<L3MethodResult<'l3.sync_routers'>> {
  const { database } = deps;
  const agent = await agentsRepository.getByTypeAndHost(database.db, L3_AGENT_TYPE, params.host);
  if (agent === undefined) return { routers: [] };
  if (params.router_ids === undefined) await scheduleUnscheduledRouters(deps);
  const bound = await routerL3Repository.routerIdsOfAgent(database.db, agent.id);
  const wanted =
    params.router_ids === undefined ? bound : bound.filter((id) => params.router_ids?.includes(id));
  const rows = new Map(
    (await routerL3Repository.listByRouters(database.db, wanted)).map((r) => [r.routerId, r]),
  );
  const routers: L3Router[] = [];
  for (const id of wanted) {
    const router = await routersRepository.get(database.db, id);
    const row = rows.get(id);
    if (router && row) routers.push(await routerSpecOf(database.db, router, row.revision));
  }
  return { routers };
}
