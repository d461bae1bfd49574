import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { formatIpv4, prefixToMask } from '../../../dhcp/index.js';
import { type DhcpRange, parseDhcpRange } from '../../../dhcp-server/dnsmasq/dhcp-range.js';
import { parseHostsFile } from '../../../dhcp-server/dnsmasq/hosts-file.js';
import { parseOptionLine, parseOptsFile } from '../../../dhcp-server/dnsmasq/option-line.js';
import type { HostBinding } from '../../../dhcp-server/host-binding.js';
import type { OptionSetting } from '../../../dhcp-server/option-setting.js';
import { deriveDhcpConfig } from '../../dhcp-config/derive.js';
import { optionLineText, rangeText, renderHostsFile, renderOptsFile } from '../../dhcp-config/render.js';
import type { DhcpConfig } from '../../dhcp-config/types.js';
import type { AgentNetwork, AgentPort, ExtraDhcpOpt, Subnet } from '../../model.js';
import { DEFAULT_DHCP_SETTINGS, type DhcpContext } from '../../settings.js';
import { engineConfigOf, hostBindingsOf, optionSettingsOf, type UnusableLine } from './engine-input.js';

/**
 * Parity of the two edges (issue 11): over generated networks, the configuration the builtin driver hands
 * the engine (typed, engine-input.ts) is exactly what the dnsmasq driver's files give `qdhcp serve` once
 * parsed back (render.ts → dhcp-server/dnsmasq/ parsers): the same bindings, option bytes, tags, ranges
 * and refused entries. The dnsmasq parity fixtures (test/e2e/serve-parity.test.ts) tie the text to
 * dnsmasq itself.
 */

const octet = fc.integer({ min: 0, max: 255 });
const address = (first: number) =>
  fc.tuple(octet, octet, octet).map(([b, c, d]) => `${first}.${b}.${c}.${d}`);
const anyAddress = fc.oneof(address(10), address(192), fc.constant('0.0.0.0'));
const cidr = fc
  .tuple(fc.integer({ min: 1, max: 223 }), octet, octet, fc.integer({ min: 0, max: 32 }))
  .map(
    ([a, b, c, length]) =>
      `${formatIpv4((((a << 24) | (b << 16) | (c << 8)) >>> 0) & prefixToMask(length))}/${length}`,
  );

/** An address inside `10.<n>.0.0/16` (every generated IPv4 subnet is one). */
const hostIn = (n: number) =>
  fc.tuple(octet, fc.integer({ min: 1, max: 254 })).map(([c, d]) => `10.${n}.${c}.${d}`);

const extraOptions: readonly ExtraDhcpOpt[] = [
  { opt_name: 'bootfile-name', opt_value: 'pxelinux.0' },
  { opt_name: 'tag:ipxe,bootfile-name', opt_value: 'http://boot/ipxe' },
  { opt_name: '66', opt_value: '192.0.2.10', ip_version: 4 },
  { opt_name: 'mtu', opt_value: '1300' },
  { opt_name: 'mtu', opt_value: '70000' },
  { opt_name: 'router', opt_value: 'not-an-address' },
  { opt_name: 'no-such-option', opt_value: 'x' },
  { opt_name: 'client-id', opt_value: '01:aa:bb' },
  { opt_name: 'client-id', opt_value: 'vm-id' },
  { opt_name: 'dns-server', opt_value: '[2001:db8::1]', ip_version: 6 },
];

const subnetArbitrary = (n: number) =>
  fc.record({
    gateway: fc.option(hostIn(n), { nil: null }),
    dns: fc.array(fc.oneof(anyAddress, fc.constant('0.0.0.0')), { maxLength: 2 }),
    routes: fc.array(
      fc.record({ destination: fc.oneof(cidr, fc.constant('0.0.0.0/0')), nexthop: anyAddress }),
      {
        maxLength: 3,
      },
    ),
    enableDhcp: fc.boolean(),
  });

const portArbitrary = fc.record({
  subnet: fc.integer({ min: 0, max: 2 }),
  host: fc.integer({ min: 1, max: 254 }),
  mac: fc.tuple(octet, octet, octet),
  owner: fc.constantFrom('compute:nova', 'compute:nova', 'network:router_interface', 'network:dhcp', ''),
  extra: fc.subarray([...extraOptions], { maxLength: 3 }),
  fqdn: fc.option(fc.constantFrom('myvm.example.org.', 'web-1', 'a_b.c'), { nil: undefined }),
});

const networkArbitrary = fc.record({
  subnets: fc.tuple(subnetArbitrary(1), subnetArbitrary(2), subnetArbitrary(3)),
  subnetCount: fc.integer({ min: 1, max: 3 }),
  ports: fc.array(portArbitrary, { maxLength: 8 }),
  mtu: fc.constantFrom(0, 1450, 9000, 70000),
  leaseSeconds: fc.constantFrom(-1, 60, 86400, 2 ** 33),
  renewalSeconds: fc.constantFrom(0, 600),
  rebindingSeconds: fc.constantFrom(0, 900),
  dnsDomain: fc.constantFrom('', 'openstacklocal'),
  enableIsolatedMetadata: fc.boolean(),
  forceMetadata: fc.boolean(),
});

type NetworkShape = typeof networkArbitrary extends fc.Arbitrary<infer T> ? T : never;

function build(shape: NetworkShape): { network: AgentNetwork; context: DhcpContext } {
  const subnets: Subnet[] = shape.subnets.slice(0, shape.subnetCount).map((s, i) => ({
    id: `subnet-${i}`,
    ip_version: 4,
    cidr: `10.${i + 1}.0.0/16`,
    gateway_ip: s.gateway,
    enable_dhcp: s.enableDhcp,
    dns_nameservers: s.dns,
    host_routes: s.routes,
  }));
  const ports: AgentPort[] = shape.ports.map((p, i) => {
    const subnet = Math.min(p.subnet, subnets.length - 1);
    const ip = `10.${subnet + 1}.0.${p.host}`;
    return {
      id: `port-${i}`,
      mac_address: `fa:16:3e:${p.mac.map((b) => b.toString(16).padStart(2, '0')).join(':')}`,
      fixed_ips: [{ subnet_id: `subnet-${subnet}`, ip_address: ip }],
      device_owner: p.owner,
      extra_dhcp_opts: p.extra,
      dns_assignment:
        p.fqdn === undefined
          ? undefined
          : [{ ip_address: ip, hostname: p.fqdn.split('.')[0] ?? '', fqdn: p.fqdn }],
    };
  });
  const dhcpPort = ports.find((port) => port.device_owner === 'network:dhcp');
  const network: AgentNetwork = { id: 'net', admin_state_up: true, mtu: shape.mtu, subnets, ports };
  const settings = {
    ...DEFAULT_DHCP_SETTINGS,
    leaseSeconds: shape.leaseSeconds,
    renewalSeconds: shape.renewalSeconds,
    rebindingSeconds: shape.rebindingSeconds,
    dnsDomain: shape.dnsDomain,
    enableIsolatedMetadata: shape.enableIsolatedMetadata,
    forceMetadata: shape.forceMetadata,
  };
  return { network, context: { settings, dhcpPort } };
}

/** What the engine is given, without where it came from (line numbers, sources, error texts). */
interface EngineInput {
  readonly bindings: readonly Omit<HostBinding, 'line'>[];
  /** Values as plain arrays: a Buffer and a Uint8Array of the same bytes must compare equal. */
  readonly settings: readonly (Omit<OptionSetting, 'source' | 'value'> & { value: number[] })[];
  readonly ranges: readonly Omit<DhcpRange, 'text'>[];
  readonly refused: number;
}

const withoutLine = ({ line: _line, ...binding }: HostBinding) => binding;
const withoutSource = ({ source: _source, ...setting }: OptionSetting) => ({
  ...setting,
  value: Array.from(setting.value),
});

function typedInput(config: DhcpConfig): EngineInput {
  const problems: UnusableLine[] = [];
  const bindings = hostBindingsOf(config.hosts, problems);
  const settings = [
    ...optionSettingsOf(config.forcedOptions, true, 'force', problems),
    ...optionSettingsOf(config.options, false, 'opts', problems),
  ];
  const engine = engineConfigOf(config, 'ns-test', [{ address: '10.1.0.2', prefixLength: 16 }], true);
  return {
    bindings: bindings.map(withoutLine),
    settings: settings.map(withoutSource),
    ranges: engine.subnets.map((s) => ({ tag: s.tag, network: s.network, mask: s.mask, lease: s.lease })),
    refused: problems.length,
  };
}

function parsedInput(config: DhcpConfig): EngineInput {
  const hosts = parseHostsFile(renderHostsFile(config));
  const opts = parseOptsFile(renderOptsFile(config));
  let refused = hosts.errors.length + opts.errors.length;
  const forced: OptionSetting[] = [];
  for (const line of config.forcedOptions) {
    const parsed = parseOptionLine(optionLineText(line), true, 'force');
    if (parsed.kind === 'option') forced.push(parsed.setting);
    else if (parsed.kind === 'error') refused++;
  }
  const ranges = config.ranges.flatMap((range) => {
    const parsed = parseDhcpRange(rangeText(range));
    return parsed.kind === 'range' ? [parsed.range] : [];
  });
  return {
    bindings: hosts.entries.map(withoutLine),
    settings: [...forced, ...opts.settings].map(withoutSource),
    ranges: ranges.map((r) => ({ tag: r.tag, network: r.network, mask: r.mask, lease: r.lease })),
    refused,
  };
}

test('typed engine input equals the rendered dnsmasq files parsed back (property)', () => {
  fc.assert(
    fc.property(networkArbitrary, (shape) => {
      const { network, context } = build(shape);
      const config = deriveDhcpConfig(network, context);
      assert.deepEqual(typedInput(config), parsedInput(config));
    }),
    { numRuns: 300 },
  );
});
