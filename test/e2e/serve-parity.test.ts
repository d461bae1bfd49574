import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { boundVars, runDhclient, runUdhcpc } from '../support/dhcp-clients.js';
import { canUseNamespaces, type Namespace, Sandbox } from '../support/netns.js';
import { benchHost, DNSMASQ_BIN, startQdhcpServe } from '../support/qdhcp-serve.js';

const PROBE = fileURLToPath(new URL('../support/dhcp-probe.js', import.meta.url));

/**
 * Parity: the same hosts file, opts file and command line, served first by real dnsmasq 2.90 and then by
 * `qdhcp serve`; busybox udhcpc and ISC dhclient must receive the same values from both.
 */
const skip = canUseNamespaces() ? false : 'needs root for network namespaces';
const PORT_ID = 'a1dcadc7-1527-4d33-9b78-5d0c2daafe4f';
const SUBNET = 'subnet-3a576639-a560-42dc-80ab-7115649565c9';

describe('parity with dnsmasq: same files and command line, same values', { skip, timeout: 60_000 }, () => {
  let sandbox: Sandbox;
  let server: Namespace;
  const clients: { ns: Namespace; ifName: string }[] = [];
  let commonArgs: string[];
  let probeNs: Namespace;

  /** The OFFER (header fields and options) for a relayed DISCOVER from host `r`. */
  async function offer(
    parameterRequestList: readonly number[],
    r = 5,
    extraOptions: Record<string, string> = {},
  ): Promise<{ options?: Record<string, string> } & Record<string, unknown>> {
    const request = {
      bind: '10.77.0.2',
      port: 67,
      to: '10.77.0.1',
      giaddr: '10.77.0.2',
      timeoutMs: 5000,
      type: 'DISCOVER',
      mac: benchHost(r).mac,
      parameterRequestList,
      extraOptions,
    };
    const result = await probeNs.exec(process.execPath, [PROBE, '--run', JSON.stringify(request)], {
      timeoutMs: 10_000,
    });
    return JSON.parse(result.stdout.trim()) as { options?: Record<string, string> };
  }

  /** Option codes of the OFFER for a relayed DISCOVER asking only for `parameterRequestList`. */
  async function offeredOptions(parameterRequestList: readonly number[]): Promise<number[]> {
    const reply = await offer(parameterRequestList);
    return Object.keys(reply.options ?? {}).map((key) => Number(key.split(':')[0]));
  }

  /** Ironic's network boot (extra_dhcp_opts on port-boot): a PXE ROM and iPXE, asking for 66/67 or not. */
  async function bootOffers(): Promise<unknown[]> {
    const pxe = { 93: '0000', 60: Buffer.from('PXEClient:Arch:00000').toString('hex') };
    const ipxe = { ...pxe, 175: '150101', 77: Buffer.from('iPXE').toString('hex') };
    const replies = [];
    for (const options of [pxe, ipxe]) {
      for (const list of [
        [1, 3, 66, 67],
        [1, 3],
      ])
        replies.push(await offer(list, 7, options));
    }
    return replies;
  }

  before(async () => {
    sandbox = new Sandbox('par');
    chmodSync(sandbox.workDir, 0o755); // dnsmasq drops to 'nobody' and must still read the files
    server = await sandbox.addNamespace('srv');
    const bridge = sandbox.device('br');
    await sandbox.addBridge(server, bridge, ['10.77.0.1/16']);
    // A relay-like probe (address 10.77.0.2, port 67) for the option-set comparison.
    probeNs = await sandbox.addNamespace('prb');
    await sandbox.addVeth(server, sandbox.device('hp'), probeNs, sandbox.device('cp'), {
      bridge,
      peerAddresses: ['10.77.0.2/16'],
    });
    for (const [i, r] of [5, 6].entries()) {
      const ns = await sandbox.addNamespace(`c${i}`);
      const ifName = sandbox.device(`c${i}`);
      await sandbox.addVeth(server, sandbox.device(`h${i}`), ns, ifName, {
        bridge,
        peerMac: benchHost(r).mac,
      });
      clients.push({ ns, ifName });
    }
    // Neutron-shaped files (reference §3): a port with extra options is tagged; the subnet has routes.
    writeFileSync(
      sandbox.path('host'),
      `${benchHost(5).line},set:port-${PORT_ID}\n${benchHost(6).line}\n${benchHost(7).line},set:port-boot\n`,
    );
    writeFileSync(
      sandbox.path('opts'),
      [
        `tag:${SUBNET},option:dns-server,10.77.0.53,10.77.0.54`,
        `tag:${SUBNET},option:classless-static-route,172.31.0.0/16,10.77.0.254,169.254.169.254/32,10.77.0.1,0.0.0.0/0,10.77.0.254`,
        `tag:${SUBNET},249,172.31.0.0/16,10.77.0.254,169.254.169.254/32,10.77.0.1,0.0.0.0/0,10.77.0.254`,
        `tag:${SUBNET},option:router,10.77.0.254`,
        `tag:port-${PORT_ID},option:ntp-server,10.77.0.123`,
        // ironic/common/pxe_utils.py through Neutron's _format_option (spec §5.5).
        'tag:port-boot,tag:!ipxe,67,undionly.kpxe',
        'tag:port-boot,tag:ipxe,67,http://192.0.2.1:8080/boot.ipxe',
        'tag:port-boot,66,192.0.2.1',
        'tag:port-boot,150,192.0.2.1',
        'tag:port-boot,255,192.0.2.1',
      ].join('\n'),
    );
    for (const file of ['host', 'opts']) chmodSync(sandbox.path(file), 0o644);
    commonArgs = [
      '-k',
      '--no-hosts',
      '--no-resolv',
      '--conf-file=/dev/null',
      '--except-interface=lo',
      '--bind-interfaces',
      `--interface=${bridge}`,
      '--port=0',
      `--dhcp-hostsfile=${sandbox.path('host')}`,
      `--dhcp-optsfile=${sandbox.path('opts')}`,
      '--leasefile-ro',
      `--dhcp-range=set:${SUBNET},10.77.0.0,static,255.255.0.0,43200s`,
      '--dhcp-option-force=option:mtu,1442',
      '--dhcp-match=set:ipxe,175',
      '--dhcp-userclass=set:ipxe6,iPXE',
      '--dhcp-lease-max=65536',
      '--domain=openstacklocal',
    ];
  });

  after(async () => {
    await sandbox?.teardown();
  });

  /** What both clients received from whichever server is running. */
  async function collect(
    label: string,
  ): Promise<{ udhcpc: Record<string, string>; dhclient: Record<string, string> }> {
    const [first, second] = clients;
    assert.ok(first && second);
    const udhcpc = { ...boundVars(await runUdhcpc(first.ns, sandbox, first.ifName)) };
    delete udhcpc['interface'];
    const dhclient = await runDhclient(second.ns, sandbox, second.ifName, { label: `${label}-dhc` });
    assert.ok(dhclient.reasons.includes('BOUND'), dhclient.log);
    const values = { ...dhclient.vars };
    delete values['new_expiry'];
    return { udhcpc, dhclient: values };
  }

  it('udhcpc and dhclient get identical leases and options from dnsmasq and from qdhcp serve', async () => {
    const dnsmasq = sandbox.spawn(server, 'dnsmasq', DNSMASQ_BIN, [
      ...commonArgs,
      `--pid-file=${sandbox.path('dnsmasq.pid')}`,
      `--log-facility=${sandbox.path('dnsmasq.log')}`,
    ]);
    // dnsmasq logs to its file; give it a moment to bind, then ask (the clients retry for 3 s anyway).
    await new Promise((resolve) => setTimeout(resolve, 300));
    const fromDnsmasq = await collect('dnsmasq');
    const dnsmasqShort = await offeredOptions([3]);
    const dnsmasqSome = await offeredOptions([3, 249, 12]);
    const dnsmasqBoot = await bootOffers();
    await dnsmasq.stop();

    const qdhcp = await startQdhcpServe(sandbox, server, [
      ...commonArgs,
      `--pid-file=${sandbox.path('qdhcp.pid')}`,
    ]);
    const fromQdhcp = await collect('qdhcp');
    const qdhcpShort = await offeredOptions([3]);
    const qdhcpSome = await offeredOptions([3, 249, 12]);
    const qdhcpBoot = await bootOffers();
    await qdhcp.stop();
    // Network boot: siaddr, sname, file and every option equal (the chain loader for PXE, the script for iPXE).
    assert.deepEqual(qdhcpBoot, dnsmasqBoot);
    assert.equal((dnsmasqBoot[1] as { bootFileName?: string }).bootFileName, 'undionly.kpxe');
    assert.equal(
      (dnsmasqBoot[3] as { bootFileName?: string }).bootFileName,
      'http://192.0.2.1:8080/boot.ipxe',
    );
    // dnsmasq sends unasked only netmask, broadcast and forced options (rfc2131.c do_options); so do we.
    // The order differs on purpose: we follow the client's option 55 order.
    const sorted = (codes: number[]) => [...codes].sort((a, b) => a - b);
    assert.deepEqual(sorted(dnsmasqShort), [1, 3, 26, 28, 51, 53, 54, 58, 59]);
    assert.deepEqual(sorted(qdhcpShort), sorted(dnsmasqShort));
    assert.deepEqual(sorted(qdhcpSome), sorted(dnsmasqSome));

    assert.equal(fromDnsmasq.udhcpc['ip'], '10.77.1.5');
    assert.equal(
      fromDnsmasq.udhcpc['staticroutes'],
      '172.31.0.0/16 10.77.0.254 169.254.169.254/32 10.77.0.1 0.0.0.0/0 10.77.0.254',
    );
    assert.equal(fromDnsmasq.udhcpc['ntpsrv'], '10.77.0.123', 'per-port option via set:port-…');
    assert.equal(fromDnsmasq.dhclient['new_ip_address'], '10.77.1.6');
    assert.deepEqual(fromQdhcp.udhcpc, fromDnsmasq.udhcpc);
    assert.deepEqual(fromQdhcp.dhclient, fromDnsmasq.dhclient);
  });
});
