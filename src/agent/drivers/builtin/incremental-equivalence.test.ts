import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { createLogger } from '../../../common/logger.js';
import { encodeMessage } from '../../../dhcp/index.js';
import { parseHostsFile } from '../../../dhcp-server/dnsmasq/hosts-file.js';
import { parseOptionLine, parseOptsFile } from '../../../dhcp-server/dnsmasq/option-line.js';
import { handleRequest } from '../../../dhcp-server/engine.js';
import { HostTable } from '../../../dhcp-server/host-table.js';
import type { OptionSetting } from '../../../dhcp-server/option-setting.js';
import { buildRequest } from '../../../dhcp-server/testing/requests.js';
import type { Decision } from '../../../dhcp-server/types.js';
import { deriveDhcpConfig } from '../../dhcp-config/derive.js';
import { optionLineText, renderHostsFile, renderOptsFile } from '../../dhcp-config/render.js';
import type { AgentNetwork, AgentPort } from '../../model.js';
import { decidesSubnetOptions } from '../../model.js';
import { dhcpPortDeviceId } from '../../naming.js';
import { DEFAULT_PLUMBING_SETTINGS } from '../../plumbing-settings.js';
import { DEFAULT_DHCP_SETTINGS } from '../../settings.js';
import { type DriverDeps, prepareNetwork } from '../prepare-network.js';
import { ServedNetwork } from './served-network.js';

/**
 * The builtin driver's incremental tables must answer exactly like the dnsmasq driver's files: after any
 * sequence of port events, the engine fed by ServedNetwork (incremental) and the engine fed by the rendered
 * `host`/`opts` files of the final model (parsed as `qdhcp serve` would) give byte-identical replies.
 */
const NET = 'eq000000-0000-4000-8000-000000000001';
const SUBNETS = ['eq000000-0000-4000-8000-0000000000a1', 'eq000000-0000-4000-8000-0000000000a2'] as const;
const deps: DriverDeps = {
  dhcp: { ...DEFAULT_DHCP_SETTINGS, enableIsolatedMetadata: true },
  plumbing: DEFAULT_PLUMBING_SETTINGS,
  dhcpDeviceId: (id) => dhcpPortDeviceId('eq-host', id),
  logger: createLogger({ level: 'silent' }),
};
const dhcpPort: AgentPort = {
  id: 'dhcp-port',
  mac_address: 'fa:16:3e:ff:00:00',
  fixed_ips: [
    { subnet_id: SUBNETS[0], ip_address: '10.90.0.2' },
    { subnet_id: SUBNETS[1], ip_address: '10.91.0.2' },
  ],
  device_owner: 'network:dhcp',
  device_id: deps.dhcpDeviceId(NET),
};
const baseNetwork: AgentNetwork = {
  id: NET,
  admin_state_up: true,
  mtu: 1400,
  subnets: [
    {
      id: SUBNETS[0],
      ip_version: 4,
      cidr: '10.90.0.0/24',
      gateway_ip: '10.90.0.1',
      enable_dhcp: true,
      dns_nameservers: ['192.0.2.53'],
      host_routes: [],
    },
    {
      id: SUBNETS[1],
      ip_version: 4,
      cidr: '10.91.0.0/24',
      gateway_ip: null,
      enable_dhcp: true,
      dns_nameservers: [],
      host_routes: [{ destination: '192.0.2.0/24', nexthop: '10.91.0.9' }],
    },
  ],
  ports: [dhcpPort],
};

const MAC_COUNT = 6;
const mac = (i: number): string => `fa:16:3e:00:00:0${i}`;

const portArbitrary = fc.record({
  index: fc.integer({ min: 0, max: MAC_COUNT - 1 }),
  subnet: fc.integer({ min: 0, max: 1 }),
  host: fc.integer({ min: 10, max: 20 }),
  owner: fc.constantFrom('compute:nova', 'compute:nova', 'network:router_interface', 'network:dhcp'),
  extra: fc.subarray([
    { opt_name: 'bootfile-name', opt_value: 'pxe.0' },
    { opt_name: 'mtu', opt_value: '1300' },
    { opt_name: 'tag:ipxe,bootfile-name', opt_value: 'http://boot' },
    { opt_name: 'client-id', opt_value: 'cid' },
  ]),
});
const eventArbitrary = fc.oneof(
  portArbitrary.map((port) => ({ kind: 'upsert' as const, port })),
  fc.integer({ min: 0, max: MAC_COUNT - 1 }).map((index) => ({ kind: 'delete' as const, index })),
);

type PortShape = typeof portArbitrary extends fc.Arbitrary<infer T> ? T : never;

function toPort(shape: PortShape): AgentPort {
  const subnet = SUBNETS[shape.subnet] ?? SUBNETS[0];
  const router = shape.owner === 'network:router_interface';
  return {
    id: `port-${shape.index}`,
    mac_address: mac(shape.index),
    fixed_ips: [{ subnet_id: subnet, ip_address: `10.9${shape.subnet}.0.${router ? 1 : shape.host}` }],
    device_owner: shape.owner,
    extra_dhcp_opts: shape.extra,
  };
}

/** The comparable part of a decision: drop reason, or the encoded reply bytes. */
function outcome(decision: Decision): string {
  return decision.kind === 'drop'
    ? `drop:${decision.reason}`
    : Buffer.from(encodeMessage(decision.reply)).toString('hex');
}

test('incremental builtin tables answer exactly like the rendered dnsmasq files (property)', () => {
  fc.assert(
    fc.property(fc.array(eventArbitrary, { maxLength: 25 }), (events) => {
      const served = new ServedNetwork(prepareNetwork(baseNetwork, deps));
      let ports: AgentPort[] = [dhcpPort];
      for (const event of events) {
        // The reconciler's NetworkState drives the same calls: hosts of the changed port, and the subnet
        // options again when a router interface or DHCP port came or went (its delta's `subnetOptions`).
        const before = ports.find(
          (p) => p.id === (event.kind === 'upsert' ? `port-${event.port.index}` : `port-${event.index}`),
        );
        let after: AgentPort | undefined;
        if (event.kind === 'upsert') {
          const port = toPort(event.port);
          after = port;
          served.upsertPort(port);
          ports = ports.some((p) => p.id === port.id)
            ? ports.map((p) => (p.id === port.id ? port : p))
            : [...ports, port];
        } else {
          served.deletePort(`port-${event.index}`);
          ports = ports.filter((p) => p.id !== `port-${event.index}`);
        }
        if (decidesSubnetOptions(before) || decidesSubnetOptions(after))
          served.refreshSubnetOptions({ ...baseNetwork, ports });
      }
      const finalNetwork = { ...baseNetwork, ports };
      const config = deriveDhcpConfig(finalNetwork, prepareNetwork(finalNetwork, deps).context);
      const forced: OptionSetting[] = config.forcedOptions.flatMap((line) => {
        const parsed = parseOptionLine(optionLineText(line), true, 'force');
        return parsed.kind === 'option' ? [parsed.setting] : [];
      });
      const fileTables = {
        hosts: HostTable.build(parseHostsFile(renderHostsFile(config)).entries),
        options: [...forced, ...parseOptsFile(renderOptsFile(config)).settings],
      };
      for (let i = 0; i < MAC_COUNT; i++) {
        for (const type of ['DISCOVER', 'INFORM'] as const) {
          const request = buildRequest({
            type,
            mac: mac(i),
            ...(type === 'INFORM' ? { ciaddr: `10.90.0.${10 + i}` } : {}),
          });
          assert.equal(
            outcome(served.decide(request)),
            outcome(handleRequest(request, served.engineConfig, fileTables)),
            `${type} from ${mac(i)}`,
          );
        }
      }
    }),
    { numRuns: 150 },
  );
});
