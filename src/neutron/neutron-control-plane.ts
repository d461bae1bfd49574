/**
 * The agent's control plane when it is a real neutron-server (issue 16): the agent contract's calls
 * (`bus/dhcp-agent-rpc.ts`) made as Neutron's DHCP agent makes them, over oslo.messaging
 * (`oslo-transport.ts`), and the server's casts translated into the reconciler's messages
 * (`neutron-notifications.ts`). Everything received is validated; results are checked against the same
 * result schemas as qdhcp's own server's.
 *
 * Topics and versions (Zed: `DhcpRpcCallback` 1.10, `AgentExtRpcCallback` 1.2): `q-plugin`
 * `get_active_networks_info` 1.1, `get_network_info` 1.0, `create_dhcp_port` 1.1, `update_dhcp_port` 1.1,
 * `release_dhcp_port` 1.0, `dhcp_ready_on_ports` 1.5; `q-reports-plugin` `report_state` 1.2.
 *
 * @module
 */
import { Value } from '@sinclair/typebox/value';
import type { AgentControlPlane } from '../agent/control-plane.js';
import type { AgentRpc } from '../agent/reconciler/agent-rpc.js';
import type { BusLogger, Unsubscribe } from '../bus/bus.js';
import {
  DHCP_AGENT_METHODS,
  type DhcpAgentMethod,
  type MethodParams,
  type MethodResult,
  AgentNetwork as WireNetwork,
  AgentPort as WirePort,
} from '../bus/dhcp-agent-rpc.js';
import { QdhcpError } from '../common/errors.js';
import { DeletedPorts, NetworkCounters, translateCast } from './neutron-notifications.js';
import { neutronAddresses } from './neutron-url.js';
import { OsloTransport } from './oslo-transport.js';

/** neutron_lib.agent.topics. */
const TOPIC_PLUGIN = 'q-plugin';
const TOPIC_REPORTS = 'q-reports-plugin';
const TOPIC_DHCP_AGENT = 'dhcp_agent';
/** neutron_lib.constants.DEVICE_ID_RESERVED_DHCP_PORT. */
const RESERVED_DHCP_PORT = 'reserved_dhcp_port';

export interface NeutronControlPlaneOptions {
  /** Neutron's `transport_url` (`rabbit://user:pass@host:port/vhost`). */
  readonly transportUrl: string;
  /** oslo's `control_exchange` (default `neutron`). */
  readonly exchange?: string;
  /** This agent's `host`: the server casts to `dhcp_agent.<host>` and binds DHCP ports to it. */
  readonly host: string;
  /** `rpc_response_timeout` in ms (Neutron: 60 s). */
  readonly timeoutMs?: number;
  /** `[AGENT] availability_zone`. */
  readonly availabilityZone?: string;
  /** Reported in `configurations` (Neutron's agent reports its `dhcp_driver` and lease time). */
  readonly dhcpLeaseDuration?: number;
  readonly logger: BusLogger;
}

/** A network dict as `get_network_info` returns it, with our counter as `revision`, validated. */
function toWireNetwork(value: unknown, revision: number, method: string): WireNetwork {
  const candidate = typeof value === 'object' && value !== null ? { ...value, revision } : value;
  if (!Value.Check(WireNetwork, candidate)) {
    const first = Value.Errors(WireNetwork, candidate).First();
    throw new QdhcpError('BUS_INVALID_REPLY', {
      method,
      reason: `not a network at ${first?.path || '/'}: ${first?.message ?? '?'}`,
    });
  }
  return candidate;
}

function toWirePort(value: unknown, method: string): WirePort {
  if (Value.Check(WirePort, value)) return value;
  const first = Value.Errors(WirePort, value).First();
  throw new QdhcpError('BUS_INVALID_REPLY', {
    method,
    reason: `not a port at ${first?.path || '/'}: ${first?.message ?? '?'}`,
  });
}

export class NeutronControlPlane implements AgentControlPlane {
  readonly kind = 'neutron' as const;
  readonly rpc: AgentRpc;
  private readonly transport: OsloTransport;
  private readonly counters = new NetworkCounters();
  private readonly deletedPorts = new DeletedPorts();
  private readonly handlers = new Set<(message: unknown) => void>();
  private readonly resyncListeners = new Set<(reason: string) => void>();
  private readonly timeoutMs: number;

  constructor(private readonly options: NeutronControlPlaneOptions) {
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.transport = new OsloTransport({
      // oslo's rabbit driver shuffles the hosts once, so agents spread over a cluster's nodes.
      addresses: shuffled(neutronAddresses(options.transportUrl)),
      exchange: options.exchange ?? 'neutron',
      topic: TOPIC_DHCP_AGENT,
      server: options.host,
      logger: options.logger,
      onCast: (request) => this.onCast(request.method, request.args),
      onReconnect: () => this.resync('RabbitMQ connection re-established'),
    });
    this.rpc = { call: (method, params) => this.call(method, params) };
  }

  /** Connects (in the background until the broker answers); resolves when first connected. */
  start(): Promise<void> {
    return this.transport.start();
  }

  subscribe(_host: string, handler: (message: unknown) => void): Unsubscribe {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  onResync(listener: (reason: string) => void): Unsubscribe {
    this.resyncListeners.add(listener);
    return () => this.resyncListeners.delete(listener);
  }

  stats() {
    return this.transport.stats();
  }

  close(): Promise<void> {
    return this.transport.close();
  }

  private resync(reason: string): void {
    for (const listener of this.resyncListeners) listener(reason);
  }

  private onCast(method: string, args: Readonly<Record<string, unknown>>): void {
    const translation = translateCast(this.options.host, method, args);
    switch (translation.kind) {
      case 'invalid':
        this.transport.countInvalid();
        this.options.logger.warn(
          { event: 'neutron.cast_invalid', method, reason: translation.reason },
          'invalid notification dropped',
        );
        return;
      case 'ignored':
        this.options.logger.info(
          { event: 'neutron.cast_ignored', method, reason: translation.reason },
          'notification ignored',
        );
        return;
      case 'resync':
        this.resync(translation.reason);
        return;
      case 'message': {
        if (method === 'port_delete_end')
          this.deletedPorts.add(String((args.payload as { port_id: string }).port_id));
        else if (
          method.startsWith('port_') &&
          this.deletedPorts.has(String((args.payload as { port: { id: string } }).port.id))
        ) {
          this.options.logger.info(
            { event: 'neutron.cast_stale', method },
            'notification of a deleted port dropped',
          );
          return;
        }
        const message = translation.message(this.counters.next(translation.networkId));
        for (const handler of this.handlers) handler(message);
        return;
      }
    }
  }

  private async call<M extends DhcpAgentMethod>(
    method: M,
    params: MethodParams<M>,
  ): Promise<MethodResult<M>> {
    const result = await this.dispatch(method, params);
    const schema = DHCP_AGENT_METHODS[method].result;
    if (!Value.Check(schema, result)) {
      const first = Value.Errors(schema, result).First();
      throw new QdhcpError('BUS_INVALID_REPLY', {
        method,
        reason: `does not match the contract at ${first?.path || '/'}: ${first?.message ?? '?'}`,
      });
    }
    return result as MethodResult<M>;
  }

  private plugin(method: string, args: Record<string, unknown>, version: string): Promise<unknown> {
    return this.transport.call(TOPIC_PLUGIN, method, args, version, this.timeoutMs);
  }

  private async dispatch(method: DhcpAgentMethod, params: unknown): Promise<unknown> {
    switch (method) {
      case 'agent.report_state':
        return this.reportState(params as MethodParams<'agent.report_state'>);
      case 'dhcp.get_active_networks': {
        const revisionOf = this.counters.all();
        const networks = await this.plugin('get_active_networks_info', { host: this.options.host }, '1.1');
        if (!Array.isArray(networks))
          throw new QdhcpError('BUS_INVALID_REPLY', {
            method: 'get_active_networks_info',
            reason: 'not a list',
          });
        return {
          networks: networks.map((network: { id?: unknown }) =>
            toWireNetwork(network, revisionOf(String(network?.id)), 'get_active_networks_info'),
          ),
        };
      }
      case 'dhcp.get_network': {
        const { networkId } = params as MethodParams<'dhcp.get_network'>;
        return { network: await this.getNetwork(networkId) };
      }
      case 'dhcp.ensure_port':
        return { port: await this.ensurePort(params as MethodParams<'dhcp.ensure_port'>) };
      case 'dhcp.release_port': {
        const { networkId, deviceId } = params as MethodParams<'dhcp.release_port'>;
        await this.plugin(
          'release_dhcp_port',
          { network_id: networkId, device_id: deviceId, host: this.options.host },
          '1.0',
        );
        return {};
      }
      case 'dhcp.ports_ready': {
        const { portIds } = params as MethodParams<'dhcp.ports_ready'>;
        await this.plugin('dhcp_ready_on_ports', { port_ids: portIds }, '1.5');
        return {};
      }
      case 'dhcp.networks_served':
        // Neutron reschedules an admin-down agent's networks without a drain: nothing to tell it.
        return {};
      case 'metadata.get_instance':
        // Under Neutron the metadata proxy forwards to neutron-metadata-agent or signs to Nova itself.
        throw new QdhcpError('NEUTRON_UNSUPPORTED', { method });
    }
  }

  private async getNetwork(networkId: string): Promise<WireNetwork | null> {
    const revision = this.counters.current(networkId);
    const network = await this.plugin(
      'get_network_info',
      { network_id: networkId, host: this.options.host },
      '1.0',
    );
    return network === null ? null : toWireNetwork(network, revision, 'get_network_info');
  }

  /** Neutron's heartbeat: `report_state` (a call, as DhcpAgentWithStateReport makes it), the answer mapped. */
  private async reportState(
    params: MethodParams<'agent.report_state'>,
  ): Promise<MethodResult<'agent.report_state'>> {
    const { configurations } = params;
    const agentState = {
      binary: params.binary,
      host: params.host,
      availability_zone: this.options.availabilityZone ?? params.availabilityZone,
      topic: TOPIC_DHCP_AGENT,
      configurations: {
        dhcp_driver: `qdhcp.${configurations.driver}`,
        dhcp_lease_duration: this.options.dhcpLeaseDuration ?? 86_400,
        log_agent_heartbeats: false,
        networks: configurations.networks,
        subnets: configurations.subnets,
        ports: configurations.ports,
      },
      ...(params.startFlag && { start_flag: true }),
      agent_type: params.agentType,
      uuid: crypto.randomUUID(),
    };
    // neutron_lib ISO8601_TIME_FORMAT, UTC: "%Y-%m-%dT%H:%M:%S.%f".
    const time = `${new Date().toISOString().replace('Z', '')}000`;
    const status = await this.transport.call(
      TOPIC_REPORTS,
      'report_state',
      { agent_state: { agent_state: agentState }, time },
      '1.2',
      this.timeoutMs,
    );
    // None: the server dropped a report older than its start; it counts as alive.
    if (status === 'new' || status === 'revived') return { status };
    return { status: 'alive' };
  }

  /**
   * The DHCP port as Neutron's agent sets it up (`DeviceManager.setup_dhcp_port`): this agent's port with
   * an address on every DHCP subnet (updated when subnets differ), else a reserved one taken over, else a
   * new one. Null when the network is gone.
   */
  private async ensurePort(params: MethodParams<'dhcp.ensure_port'>): Promise<WirePort | null> {
    const { networkId, deviceId, subnetIds } = params;
    const network = await this.getNetwork(networkId);
    if (network === null) return null;
    const own = network.ports.find((port) => port.device_id === deviceId);
    if (own !== undefined) {
      const wanted = new Set(subnetIds);
      const held = new Set(own.fixed_ips.map((fixed) => fixed.subnet_id));
      if (wanted.size === held.size && [...wanted].every((id) => held.has(id))) return own;
      const fixedIps = [
        ...own.fixed_ips.filter((fixed) => wanted.has(fixed.subnet_id)),
        ...subnetIds.filter((id) => !held.has(id)).map((id) => ({ subnet_id: id })),
      ];
      return this.updatePort(own.id, { network_id: networkId, fixed_ips: fixedIps });
    }
    const reserved = network.ports.find((port) => port.device_id === RESERVED_DHCP_PORT);
    if (reserved !== undefined) {
      const taken = await this.updatePort(reserved.id, { network_id: networkId, device_id: deviceId }).catch(
        () => null,
      );
      if (taken !== null) return taken;
    }
    const created = await this.plugin(
      'create_dhcp_port',
      {
        port: {
          port: {
            name: '',
            admin_state_up: true,
            device_id: deviceId,
            network_id: networkId,
            project_id: network.project_id,
            fixed_ips: subnetIds.map((id) => ({ subnet_id: id })),
          },
        },
        host: this.options.host,
      },
      '1.1',
    );
    // None: an expected failure on the server (the network or a subnet went meanwhile): try again later.
    if (created === null)
      throw new QdhcpError('BUS_REQUEST_FAILED', {
        method: 'create_dhcp_port',
        reason: 'the server created no port',
      });
    return toWirePort(created, 'create_dhcp_port');
  }

  private async updatePort(portId: string, port: Record<string, unknown>): Promise<WirePort> {
    const updated = await this.plugin(
      'update_dhcp_port',
      { port_id: portId, port: { port }, host: this.options.host },
      '1.1',
    );
    if (updated === null)
      throw new QdhcpError('BUS_REQUEST_FAILED', {
        method: 'update_dhcp_port',
        reason: 'the server updated no port',
      });
    return toWirePort(updated, 'update_dhcp_port');
  }
}

/** A copy in random order (Fisher-Yates; `random.shuffle` in oslo's rabbit driver). */
function shuffled<T>(items: readonly T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}
