/**
 * What an agent asks the server for when it (re)syncs a network: the network, its subnets and its
 * ports as one consistent snapshot, with the network revision it corresponds to: the snapshot behind the
 * DHCP agent contract's `dhcp.get_network` / `dhcp.get_active_networks` (agent-dhcp-rpc.ts).
 *
 * @module
 */
import type { ServerConfig } from '../common/config.js';
import { QdhcpError } from '../common/errors.js';
import {
  type Database,
  networksRepository,
  type PortRecord,
  portsRepository,
  provisioningRepository,
  type Queryable,
  subnetsRepository,
} from '../db/index.js';
import type { AllocationCache } from './allocation-cache.js';
import { formatTimestamp } from './clock.js';
import { provisionedStatus } from './provisioning-blocks.js';
import { runMutation, type UnitOfWorkDeps } from './unit-of-work.js';
import {
  type NetworkView,
  networkView,
  type PortView,
  portView,
  type SubnetView,
  subnetView,
} from './views.js';

/** A consistent snapshot of one network as agents see it (admin views). */
export interface NetworkState {
  readonly networkRevision: number;
  readonly network: NetworkView;
  readonly subnets: SubnetView[];
  readonly ports: PortView[];
}

/** Optimistic reads before reading under the network's lock. */
const OPTIMISTIC_READS = 3;

/** One read of the network; undefined when its revision moved during the read. */
async function readOnce(
  db: Queryable,
  config: ServerConfig,
  networkId: string,
  withPorts: boolean,
): Promise<NetworkState | undefined> {
  const before = await networksRepository.get(db, networkId);
  if (!before) throw new QdhcpError('NETWORK_NOT_FOUND', { net_id: networkId });
  const subnets = await subnetsRepository.listByNetwork(db, networkId);
  const ports = withPorts ? await portsRepository.listByNetwork(db, networkId) : [];
  const after = await networksRepository.get(db, networkId);
  if (!after) throw new QdhcpError('NETWORK_NOT_FOUND', { net_id: networkId });
  if (after.syncRevision !== before.syncRevision) return undefined;
  return {
    networkRevision: after.syncRevision,
    network: networkView(
      after,
      subnets.map((s) => s.id),
      true,
    ),
    subnets: subnets.map(subnetView),
    ports: ports.map((p) => portView(p, config.dnsDomain, true)),
  };
}

/**
 * Reads the network state: optimistically without a transaction (re-read when the revision moved
 * meanwhile), then — when writers keep changing the network faster than it can be read, as on a busy
 * 10,000-port network — once under the network's lock, which every writer of the network takes first,
 * so the snapshot is consistent and the reader cannot starve. `withPorts: false`: the network and its
 * subnets only (`ports` empty), for callers that need no port.
 */
export async function readNetworkState(
  database: Database,
  config: ServerConfig,
  networkId: string,
  { withPorts = true }: { readonly withPorts?: boolean } = {},
): Promise<NetworkState> {
  for (let attempt = 0; attempt < OPTIMISTIC_READS; attempt++) {
    const state = await readOnce(database.db, config, networkId, withPorts);
    if (state !== undefined) return state;
  }
  return database.write(async (tx) => {
    const locked = await networksRepository.lock(tx, networkId, database.kind === 'postgres');
    if (locked === undefined) throw new QdhcpError('NETWORK_NOT_FOUND', { net_id: networkId });
    const state = await readOnce(tx, config, networkId, withPorts);
    if (state === undefined) throw new QdhcpError('INTERNAL'); // a writer without the lock: a bug
    return state;
  });
}

/**
 * A DHCP agent reports that it serves these ports (spec 1.9, `dhcp_ready_on_ports`, contract method
 * `dhcp.ports_ready`): the DHCP block of each one that is not `ACTIVE` is lifted, and a port left without
 * blocks becomes `ACTIVE` (src/service/provisioning-blocks.ts: instance ports also wait for their tap's
 * wiring), one transaction and one event each. Unknown ids, and ports on networks `servedNetwork`
 * rejects, are skipped; returns the ids whose status changed.
 */
export async function markDhcpReady(
  deps: UnitOfWorkDeps & { readonly config: ServerConfig; readonly allocationCache?: AllocationCache },
  portIds: readonly string[],
  servedNetwork: (networkId: string) => boolean = () => true,
): Promise<string[]> {
  const changed: string[] = [];
  if (portIds.length === 0) return changed;
  // Agents report every port of a network after each converge (a periodic resync of a 10,000-port network
  // reports 10,000): two reads first, so ports already ACTIVE, or whose DHCP readiness is already
  // recorded (waiting for their wiring), cost no transaction each.
  const candidates = (
    await portsRepository.list(deps.database.db, { equals: { id: [...new Set(portIds)] } })
  ).filter((port) => port.status !== 'ACTIVE' && servedNetwork(port.networkId));
  const ready = await provisioningRepository.readyOf(
    deps.database.db,
    candidates.map((port) => port.id),
  );
  const pending = candidates.filter((port) => !ready.get(port.id)?.has('dhcp'));
  for (const { id } of pending) {
    const done = await runMutation(deps, async (scope) => {
      const port = await portsRepository.get(scope.tx, id);
      if (!port || port.status === 'ACTIVE' || !servedNetwork(port.networkId)) return false;
      await provisioningRepository.markReady(scope.tx, id, 'dhcp');
      if ((await provisionedStatus(scope.tx, port)) !== 'ACTIVE') return false;
      const revision = await scope.lockNetwork(port.networkId);
      const updated: PortRecord = {
        ...port,
        status: 'ACTIVE',
        updatedAt: formatTimestamp(deps.clock()),
        revisionNumber: port.revisionNumber + 1,
      };
      await portsRepository.update(scope.tx, updated);
      const next = await scope.emit(
        'port',
        'updated',
        id,
        port.networkId,
        portView(updated, deps.config.dnsDomain, true),
      );
      // Addresses unchanged: the next port create keeps using the cached allocations (issue 17).
      scope.afterCommit(() => deps.allocationCache?.carry(port.networkId, revision, next));
      return true;
    });
    if (done) changed.push(id);
  }
  return changed;
}
