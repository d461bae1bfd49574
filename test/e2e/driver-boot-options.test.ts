import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { BuiltinDriver } from '../../src/agent/drivers/builtin/builtin-driver.js';
import { DnsmasqDriver } from '../../src/agent/drivers/dnsmasq/dnsmasq-driver.js';
import type { DhcpDriver } from '../../src/agent/drivers/driver.js';
import type { DriverDeps } from '../../src/agent/drivers/prepare-network.js';
import { DataPlaneHarness } from '../../src/agent/drivers/testing/data-plane-harness.js';
import type { AgentNetwork, AgentPort } from '../../src/agent/model.js';
import { dhcpPortDeviceId } from '../../src/agent/naming.js';
import { parseEventLine } from '../support/agent/dhcp-clients.js';
import { AgentTestbed } from '../support/agent/testbed.js';
import { canUseNamespaces, type Namespace } from '../support/netns.js';

/**
 * T1/T2 and network boot through both drivers, with real clients and crafted requests:
 *
 * - `dhcp_renewal_time` / `dhcp_rebinding_time` reach busybox udhcpc (`-O 58 -O 59`, its script sees them)
 *   and ISC dhclient (its lease file has `option dhcp-renewal-time`), from either driver;
 * - Ironic's extra_dhcp_opts (`tag:!ipxe,67`, `tag:ipxe,67`, `66`, `150`, `255`, as
 *   ironic/common/pxe_utils.py writes them) give a PXE ROM (option 93, vendor class PXEClient) the chain
 *   loader and iPXE (175 + user class "iPXE") the script URL; the builtin driver's answers (siaddr, sname,
 *   file, every option) equal real dnsmasq's under the dnsmasq driver.
 */
const PROBE = fileURLToPath(new URL('../support/dhcp-probe.js', import.meta.url));
const AGENT_HOST = 'boot-agent.example.org';
const SUBNET = 'cccccccc-0000-4000-8000-00000000000c';
const TFTP = '192.0.2.1';
const CHAIN_LOADER = 'undionly.kpxe';
const IPXE_SCRIPT = 'http://192.0.2.1:8080/boot.ipxe';
const PLAIN_MAC = 'fa:16:3e:78:00:01';
const BAREMETAL_MAC = 'fa:16:3e:78:00:02';

function dnsmasqMissing(): string | undefined {
  try {
    execFileSync('dnsmasq', ['--version'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'dnsmasq is not installed';
  }
}

const hex = (text: string) => Buffer.from(text, 'latin1').toString('hex');

/** A PXE ROM's DISCOVER: client-arch 0 (x86 BIOS), UNDI, vendor class PXEClient; asks for 66 and 67. */
const PXE_OPTIONS = { 93: '0000', 94: '010201', 60: hex('PXEClient:Arch:00000:UNDI:002001') };
/** iPXE's DISCOVER: its feature list (175) and user class "iPXE" (77), as iPXE sends them. */
const IPXE_OPTIONS = { ...PXE_OPTIONS, 175: '1501011a0101', 77: hex('iPXE') };

/** What one probe got, without the sender (the same DHCP port address for both drivers). */
interface ProbeReply {
  readonly type?: string;
  readonly yourIp?: string;
  readonly serverIp?: string;
  readonly serverName?: string;
  readonly bootFileName?: string;
  readonly options?: Record<string, string>;
  readonly timeout?: boolean;
}

/** Everything a driver answered, for the comparison. */
interface Answers {
  readonly udhcpc: Record<string, string>;
  readonly dhclientLease: string;
  readonly pxe: ProbeReply;
  readonly pxeNoList: ProbeReply;
  readonly ipxe: ProbeReply;
  readonly ipxeNoList: ProbeReply;
}

const skip = canUseNamespaces() ? dnsmasqMissing() : 'needs root for network namespaces';

describe('T1/T2 and PXE/iPXE answers: builtin = dnsmasq', {
  skip,
  concurrency: false,
  timeout: 180_000,
}, () => {
  let bed: AgentTestbed;
  let deps: DriverDeps;
  let plainClient: Namespace;
  let bootClient: Namespace;
  const networkId = randomUUID();
  const answers = new Map<string, Answers>();
  const network = (): AgentNetwork => ({
    id: networkId,
    admin_state_up: true,
    mtu: 1500,
    'provider:network_type': 'flat',
    'provider:physical_network': 'physnet1',
    subnets: [
      {
        id: SUBNET,
        ip_version: 4,
        cidr: '10.78.1.0/24',
        gateway_ip: '10.78.1.1',
        enable_dhcp: true,
        dns_nameservers: ['192.0.2.53'],
        host_routes: [],
      },
    ],
    ports: [
      {
        id: randomUUID(),
        mac_address: 'fa:16:3e:78:00:aa',
        fixed_ips: [{ subnet_id: SUBNET, ip_address: '10.78.1.2' }],
        device_owner: 'network:dhcp',
        device_id: dhcpPortDeviceId(AGENT_HOST, networkId),
      },
      port(PLAIN_MAC, '10.78.1.11'),
      port(BAREMETAL_MAC, '10.78.1.12', [
        // ironic/common/pxe_utils.py dhcp_options_for_instance, IPv4 with iPXE and Neutron's ipxe tag.
        { opt_name: 'tag:!ipxe,67', opt_value: CHAIN_LOADER, ip_version: 4 },
        { opt_name: 'tag:ipxe,67', opt_value: IPXE_SCRIPT, ip_version: 4 },
        { opt_name: '66', opt_value: TFTP, ip_version: 4 },
        { opt_name: '150', opt_value: TFTP, ip_version: 4 },
        { opt_name: '255', opt_value: TFTP, ip_version: 4 },
      ]),
    ],
  });

  before(async () => {
    bed = await AgentTestbed.create('pxe');
    deps = bed.driverDeps(AGENT_HOST, {
      dhcp: { leaseSeconds: 600, renewalSeconds: 100, rebindingSeconds: 200, enableIsolatedMetadata: false },
      plumbing: { physicalInterfaceMappings: new Map([['physnet1', bed.providerNic]]) },
    });
    plainClient = await bed.addClient(PLAIN_MAC);
    bootClient = await bed.addClient(BAREMETAL_MAC);
    // The crafted requests go out from an address of the subnet no port holds, with the broadcast flag, so
    // the reply reaches the probe's socket before it has a lease (inside the client namespace only).
    await bootClient.ip(['addr', 'add', '10.78.1.250/24', 'dev', 'eth0']);
    await bootClient.ip(['route', 'add', '255.255.255.255/32', 'dev', 'eth0']);
  });

  after(async () => {
    await bed?.teardown();
  });

  async function probe(options: Record<string, string>, parameterRequestList: number[]): Promise<ProbeReply> {
    const request = {
      bind: '0.0.0.0',
      port: 68,
      to: '255.255.255.255',
      type: 'DISCOVER',
      mac: BAREMETAL_MAC,
      broadcast: true,
      timeoutMs: 5000,
      parameterRequestList,
      extraOptions: options,
    };
    const result = await bootClient.exec(process.execPath, [PROBE, '--run', JSON.stringify(request)], {
      timeoutMs: 15_000,
    });
    const reply = JSON.parse(result.stdout.trim()) as ProbeReply & { from?: string };
    delete reply.from;
    return reply;
  }

  async function collect(driverName: string): Promise<Answers> {
    const script = bed.script(
      'udhcpc-t1t2.sh',
      `#!/bin/sh\n# Prints what udhcpc got; changes nothing.\necho "event=$1|$(env | grep -E '^(ip|lease|opt[0-9]+|siaddr|boot_file|sname)=' | sort | tr '\\n' '|')"\n`,
    );
    const udhcpc = await plainClient.exec(
      'udhcpc',
      ['-i', 'eth0', '-f', '-q', '-n', '-s', script, '-t', '4', '-T', '1', '-A', '1', '-O', '58', '-O', '59'],
      { timeoutMs: 15_000, allowFailure: true },
    );
    const bound = udhcpc.stdout.split('\n').find((line) => line.startsWith('event=bound'));
    assert.ok(bound, `udhcpc got a lease from ${driverName}: ${udhcpc.stdout}${udhcpc.stderr}`);
    const conf = bed.script('dhclient-t1t2.conf', 'timeout 10;\nretry 1;\nrequest subnet-mask, routers;\n');
    const leases = bed.path(`dhclient-${driverName}.leases`);
    const dhclient = await plainClient.exec(
      'dhclient',
      ['-1', '-cf', conf, '-sf', '/bin/true', '-lf', leases, '-pf', bed.path('dhclient.pid'), 'eth0'],
      { timeoutMs: 30_000, allowFailure: true },
    );
    // dhclient -1 without -d goes to the background once bound; stop it by the PID it wrote.
    try {
      process.kill(Number(readFileSync(bed.path('dhclient.pid'), 'utf8').trim()), 'SIGKILL');
    } catch {
      // not running (it failed, or already gone)
    }
    assert.equal(dhclient.code, 0, `dhclient bound from ${driverName}: ${dhclient.stderr}`);
    return {
      udhcpc: parseEventLine(bound),
      dhclientLease: readFileSync(leases, 'utf8'),
      pxe: await probe(PXE_OPTIONS, [1, 3, 43, 60, 66, 67, 128, 129]),
      pxeNoList: await probe(PXE_OPTIONS, [1, 3]),
      ipxe: await probe(IPXE_OPTIONS, [1, 3, 6, 12, 15, 17, 26, 66, 67, 119, 175]),
      ipxeNoList: await probe(IPXE_OPTIONS, [1, 3]),
    };
  }

  const drivers: [string, () => DhcpDriver][] = [
    ['dnsmasq', () => new DnsmasqDriver(deps, { stateDirectory: bed.path('dhcp'), restartDelayMs: 200 })],
    ['builtin', () => new BuiltinDriver(deps)],
  ];
  for (const [name, create] of drivers) {
    test(`${name}: T1/T2 reach udhcpc and dhclient; PXE gets the chain loader, iPXE the script`, async () => {
      const driver = new DataPlaneHarness(create(), deps);
      try {
        await driver.enable(network());
        const got = await collect(name);
        answers.set(name, got);
        assert.equal(got.udhcpc['ip'], '10.78.1.11');
        assert.equal(got.udhcpc['lease'], '600');
        assert.equal(got.udhcpc['opt58'], '00000064', 'T1 = 100 s');
        assert.equal(got.udhcpc['opt59'], '000000c8', 'T2 = 200 s');
        assert.match(got.dhclientLease, /option dhcp-renewal-time 100;/);
        assert.match(got.dhclientLease, /option dhcp-rebinding-time 200;/);

        assert.equal(got.pxe.yourIp, '10.78.1.12');
        assert.equal(got.pxe.serverIp, TFTP, 'siaddr from server-ip-address (255)');
        assert.equal(got.pxe.options?.['67:bootfile-name'], `${hex(CHAIN_LOADER)}00`);
        assert.equal(got.pxe.options?.['66:tftp-server'], `${hex(TFTP)}00`);
        assert.equal(got.pxeNoList.bootFileName, CHAIN_LOADER, 'not asked for: in the file field');
        assert.equal(got.pxeNoList.serverName, TFTP);
        assert.equal(got.ipxe.options?.['67:bootfile-name'], `${hex(IPXE_SCRIPT)}00`);
        assert.equal(got.ipxeNoList.bootFileName, IPXE_SCRIPT);
        for (const reply of [got.pxe, got.ipxe]) assert.equal(reply.options?.['58:T1'], '00000064');
      } finally {
        await driver.disable(networkId, { retainPort: false });
        await driver.stop();
      }
    });
  }

  test('the builtin driver answers exactly as dnsmasq: header fields and every option', () => {
    const dnsmasq = answers.get('dnsmasq');
    const builtin = answers.get('builtin');
    assert.ok(dnsmasq && builtin, 'both drivers answered');
    for (const key of ['pxe', 'pxeNoList', 'ipxe', 'ipxeNoList'] as const) {
      assert.deepEqual(builtin[key], dnsmasq[key], key);
    }
    // Known difference, not this test's subject: the engine echoes the client-id (61, RFC 6842 §3, see
    // docs/dhcp-engine.md) and dnsmasq 2.90 does not; udhcpc prints it as opt61.
    const withoutClientId = ({ opt61: _echoed, ...rest }: Record<string, string>) => rest;
    assert.deepEqual(withoutClientId(builtin.udhcpc), withoutClientId(dnsmasq.udhcpc));
    const leaseOptions = (text: string) =>
      text
        .split('\n')
        .filter((line) => /^\s*(option|fixed-address|filename|server-name)/.test(line))
        .sort();
    assert.deepEqual(leaseOptions(builtin.dhclientLease), leaseOptions(dnsmasq.dhclientLease));
  });
});

function port(mac: string, ip: string, extra: NonNullable<AgentPort['extra_dhcp_opts']> = []): AgentPort {
  return {
    id: randomUUID(),
    mac_address: mac,
    fixed_ips: [{ subnet_id: SUBNET, ip_address: ip }],
    device_owner: extra.length > 0 ? 'baremetal:none' : 'compute:nova',
    ...(extra.length > 0 && { extra_dhcp_opts: extra }),
  };
}
