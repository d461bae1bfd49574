import assert from 'node:assert/strict';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCommand } from '../../src/linux/run-command.js';
import {
  boundVars,
  parseClientEvents,
  runDhclient,
  runUdhcpc,
  writeUdhcpcScript,
} from '../support/dhcp-clients.js';
import { canUseNamespaces, type Namespace, Sandbox } from '../support/netns.js';
import type { ManagedProcess } from '../support/process.js';
import { benchHost, QDHCP_BIN, startQdhcpServe, waitUntil } from '../support/qdhcp-serve.js';
import { dhcpFramesSeen } from '../support/tcpdump-count.js';

/**
 * `qdhcp serve` against real clients, in namespaces this test creates:
 *
 *   netns <p>-srv: bridge <p>br 10.77.0.1/16 + 10.78.0.1/24, qdhcp serve on it
 *   netns <p>-<client>: one veth into the bridge each, MAC = a hosts-file entry (or unknown)
 *
 * Nothing is configured in the root namespace; everything is removed in `after`.
 */
const PROBE = fileURLToPath(new URL('../support/dhcp-probe.js', import.meta.url));
const skip = canUseNamespaces() ? false : 'needs root for network namespaces';

const OPTS = `tag:tag0,option:router,10.77.0.1
tag:tag0,option:dns-server,10.77.0.1
tag:tag0,option:classless-static-route,169.254.169.254/32,10.77.0.1,0.0.0.0/0,10.77.0.1
tag:tag0,249,169.254.169.254/32,10.77.0.1,0.0.0.0/0,10.77.0.1
tag:tag1,option:router,10.78.0.1
tag:tag1,option:dns-server,10.78.0.53,10.78.0.54
`;
const SECOND_SUBNET_HOST = {
  mac: 'fa:16:3e:00:01:08',
  ip: '10.78.0.8',
  line: 'fa:16:3e:00:01:08,host-10-78-0-8.openstacklocal,10.78.0.8',
};
const NEW_HOST = benchHost(300);

describe('qdhcp serve with real clients', { skip, timeout: 60_000 }, () => {
  let sandbox: Sandbox;
  let server: Namespace;
  let serve: ManagedProcess;
  const clients = new Map<string, { ns: Namespace; ifName: string }>();
  let hostsPath: string;

  /** A client namespace whose veth (MAC `mac`) is plugged into the server's bridge. */
  async function addClient(key: string, mac: string, addresses: readonly string[] = []): Promise<void> {
    const ns = await sandbox.addNamespace(key);
    const ifName = sandbox.device(`c${clients.size}`);
    await sandbox.addVeth(server, sandbox.device(`h${clients.size}`), ns, ifName, {
      bridge: sandbox.device('br'),
      peerMac: mac,
      peerAddresses: addresses,
    });
    clients.set(key, { ns, ifName });
  }
  const client = (key: string) => clients.get(key) ?? assert.fail(`no client ${key}`);

  before(async () => {
    sandbox = new Sandbox('srv');
    server = await sandbox.addNamespace('srv');
    await sandbox.addBridge(server, sandbox.device('br'), ['10.77.0.1/16', '10.78.0.1/24']);
    const hosts = [5, 6, 7, 8, 9, 10].map((r) => benchHost(r).line);
    hosts.push(SECOND_SUBNET_HOST.line);
    hostsPath = sandbox.path('hosts');
    writeFileSync(hostsPath, `${hosts.join('\n')}\n`);
    writeFileSync(sandbox.path('opts'), OPTS);
    await addClient('udh', benchHost(5).mac);
    await addClient('dhc', benchHost(6).mac);
    await addClient('udb', benchHost(7).mac);
    await addClient('nak', benchHost(8).mac);
    await addClient('rel', '02:00:00:00:77:02', ['10.77.0.2/16']);
    await addClient('ren', benchHost(10).mac);
    await addClient('sub2', SECOND_SUBNET_HOST.mac);
    await addClient('unk', '02:00:00:00:00:99');
    await addClient('new', NEW_HOST.mac);
    serve = await startQdhcpServe(sandbox, server, [
      `--interface=${sandbox.device('br')}`,
      '--dhcp-range=set:tag0,10.77.0.0,static,255.255.0.0,86400s',
      '--dhcp-range=set:tag1,10.78.0.0,static,255.255.255.0,1h',
      `--dhcp-hostsfile=${hostsPath}`,
      `--dhcp-optsfile=${sandbox.path('opts')}`,
      '--dhcp-option-force=option:mtu,1450',
      '--domain=openstacklocal',
      '--port=0',
      '--log-dhcp',
      `--pid-file=${sandbox.path('serve.pid')}`,
      '--no-hosts',
      '--bind-dynamic',
      '--dhcp-lease-max=65536',
    ]);
  });

  after(async () => {
    await sandbox?.teardown();
  });

  it('an unknown flag or a bad range is a clear error with exit status 2', async () => {
    const unknown = await runCommand(QDHCP_BIN, ['serve', '--interface=x', '--bogus-flag'], {
      allowFailure: true,
    });
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown option '--bogus-flag'/);
    // The space-separated form (`--opt value`) parses too: the range reaches validation.
    const range = await runCommand(
      QDHCP_BIN,
      ['serve', '--interface', 'x', '--dhcp-range', '10.0.0.10,10.0.0.20,12h'],
      {
        allowFailure: true,
      },
    );
    assert.equal(range.code, 2);
    assert.match(range.stderr, /only static ranges are supported/);
  });

  /** `send`'s DHCP requests and replies that reached the client `unk`, which never asks while it runs. */
  const heardByBystander = (send: () => Promise<void>) =>
    dhcpFramesSeen(client('unk').ns.name, client('unk').ifName, send);

  it('busybox udhcpc gets its static lease with every option (as dnsmasq gives it), unicast', async () => {
    const { ns, ifName } = client('udh');
    let run: Awaited<ReturnType<typeof runUdhcpc>> | undefined;
    // No ciaddr, no broadcast flag: OFFER and ACK go to the client's MAC (RFC 2131 §4.1), not to everyone.
    const heard = await heardByBystander(async () => {
      run = await runUdhcpc(ns, sandbox, ifName);
    });
    assert.ok(heard.requests > 0, 'the bystander hears the client on the link');
    assert.equal(heard.replies, 0, 'DHCP replies that reached a bystander');
    const vars = boundVars(run ?? assert.fail('udhcpc ran'));
    assert.deepEqual(
      { ...vars, interface: undefined },
      {
        interface: undefined,
        ip: '10.77.1.5',
        subnet: '255.255.0.0',
        mask: '16',
        broadcast: '10.77.255.255',
        router: '10.77.0.1',
        dns: '10.77.0.1',
        domain: 'openstacklocal',
        hostname: 'host-10-77-1-5',
        mtu: '1450',
        staticroutes: '169.254.169.254/32 10.77.0.1 0.0.0.0/0 10.77.0.1',
        lease: '86400',
        serverid: '10.77.0.1',
        siaddr: '10.77.0.1',
        opt58: '0000a8c0', // T1 43200 s
        opt59: '00012750', // T2 75600 s
      },
    );
  });

  it('udhcpc -B (broadcast flag) gets its lease', async () => {
    const { ns, ifName } = client('udb');
    const vars = boundVars(await runUdhcpc(ns, sandbox, ifName, { broadcastFlag: true }));
    assert.equal(vars['ip'], '10.77.1.7');
  });

  it('ISC dhclient gets its static lease with every option, T1 and T2, unicast', async () => {
    const { ns, ifName } = client('dhc');
    let dhclient: Awaited<ReturnType<typeof runDhclient>> | undefined;
    const heard = await heardByBystander(async () => {
      dhclient = await runDhclient(ns, sandbox, ifName);
    });
    assert.ok(heard.requests > 0, 'the bystander hears the client on the link');
    assert.equal(heard.replies, 0, 'DHCP replies that reached a bystander');
    const run = dhclient ?? assert.fail('dhclient ran');
    assert.ok(run.reasons.includes('BOUND'), run.log);
    const v = run.vars;
    assert.deepEqual(
      [
        v['new_ip_address'],
        v['new_subnet_mask'],
        v['new_routers'],
        v['new_domain_name_servers'],
        v['new_domain_name'],
        v['new_host_name'],
        v['new_interface_mtu'],
        v['new_rfc3442_classless_static_routes'],
        v['new_dhcp_lease_time'],
        v['new_dhcp_renewal_time'],
        v['new_dhcp_rebinding_time'],
        v['new_dhcp_server_identifier'],
        v['new_next_server'],
        v['new_broadcast_address'],
      ],
      [
        '10.77.1.6',
        '255.255.0.0',
        '10.77.0.1',
        '10.77.0.1',
        'openstacklocal',
        'host-10-77-1-6',
        '1450',
        '32 169 254 169 254 10 77 0 1 0 10 77 0 1',
        '86400',
        '43200',
        '75600',
        '10.77.0.1',
        '10.77.0.1',
        '10.77.255.255',
      ],
    );
  });

  it('a second subnet (second --dhcp-range) gets its own options, lease and server identifier', async () => {
    const { ns, ifName } = client('sub2');
    const vars = boundVars(await runUdhcpc(ns, sandbox, ifName));
    assert.equal(vars['ip'], '10.78.0.8');
    assert.equal(vars['subnet'], '255.255.255.0');
    assert.equal(vars['router'], '10.78.0.1');
    assert.equal(vars['dns'], '10.78.0.53 10.78.0.54');
    assert.equal(vars['lease'], '3600');
    assert.equal(vars['serverid'], '10.78.0.1');
    assert.equal(vars['staticroutes'], undefined);
  });

  it('dhclient with a stale lease (INIT-REBOOT for another address) is NAKed, then bound', async () => {
    const { ns, ifName } = client('nak');
    const stale = `lease {
  interface "${ifName}";
  fixed-address 10.77.9.9;
  option subnet-mask 255.255.0.0;
  option dhcp-server-identifier 10.77.0.1;
  renew 4 2099/01/01 00:00:00;
  rebind 4 2099/01/01 00:00:00;
  expire 4 2099/01/01 00:00:00;
}
`;
    const run = await runDhclient(ns, sandbox, ifName, { leaseFile: stale, label: 'nak' });
    assert.match(run.log, /DHCPREQUEST for 10\.77\.9\.9/);
    assert.match(run.log, /DHCPNAK from 10\.77\.0\.1/);
    assert.equal(run.vars['new_ip_address'], '10.77.1.8', run.log);
    // Log lines are buffered (flushed within a second): wait for them rather than reading at once.
    await serve.waitForOutput(/DHCPNAK\(\S+\) 10\.77\.9\.9 fa:16:3e:00:00:08/, 5000);
  });

  it('an unknown MAC gets no answer (the client gives up)', async () => {
    const { ns, ifName } = client('unk');
    const started = Date.now();
    const run = await runUdhcpc(ns, sandbox, ifName, { tries: 2 });
    assert.notEqual(run.result.code, 0);
    assert.equal(
      run.events.some((e) => e.event === 'bound'),
      false,
    );
    assert.ok(Date.now() - started < 10_000);
    await serve.waitForOutput(/"event":"dhcp.drop.unknown-client","mac":"02:00:00:00:00:99"/, 5000);
  });

  it('a relayed request (giaddr, from port 67 like perfdhcp) is answered to the relay', async () => {
    const { ns } = client('rel');
    const send = async (request: Record<string, unknown>) => {
      const result = await ns.exec(
        process.execPath,
        [
          PROBE,
          '--run',
          JSON.stringify({
            bind: '10.77.0.2',
            port: 67,
            to: '255.255.255.255',
            giaddr: '10.77.0.2',
            timeoutMs: 5000,
            ...request,
          }),
        ],
        {
          timeoutMs: 10_000,
        },
      );
      return JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
    };
    const offer = await send({ type: 'DISCOVER', mac: benchHost(9).mac });
    assert.equal(offer['type'], 'OFFER', JSON.stringify(offer));
    assert.equal(offer['yourIp'], '10.77.1.9');
    assert.equal(offer['from'], '10.77.0.1:67');
    const nak = await send({ type: 'REQUEST', mac: benchHost(9).mac, requestedIp: '10.77.99.99' });
    assert.equal(nak['type'], 'NAK');
    assert.equal(nak['flags'], 0x8000, 'a relayed NAK asks the relay to broadcast');
  });

  it('renewal (RENEWING): udhcpc renews by unicast and gets an ACK by unicast', async () => {
    const { ns, ifName } = client('ren');
    const script = writeUdhcpcScript(sandbox, true);
    const udhcpc = sandbox.spawn(ns, 'udhcpc-renew', 'udhcpc', [
      '-f',
      '-i',
      ifName,
      '-t',
      '3',
      '-T',
      '1',
      '-A',
      '1',
      '-s',
      script,
    ]);
    await udhcpc.waitForOutput(/EVENT bound/, 10_000);
    udhcpc.signal('SIGUSR1');
    // The script echoes the event, then one line per variable: wait for the lease line, not only the event.
    await udhcpc.waitForOutput(/EVENT renew\n(?:VAR [^\n]*\n)*?VAR lease=\d+\n/, 10_000);
    const renew = parseClientEvents(udhcpc.stdout).find((e) => e.event === 'renew');
    assert.equal(renew?.vars['ip'], '10.77.1.10');
    assert.equal(renew?.vars['lease'], '86400');
    await serve.waitForOutput(/request state: RENEWING\/REBINDING, address 10\.77\.1\.10/, 5000);
    assert.ok(
      await serve.waitForOutput(
        /"request":"REQUEST","to":"unicast","msg":"DHCPACK\(\S+\) 10\.77\.1\.10/,
        5000,
      ),
      'unicast ACK',
    );
    await udhcpc.stop();
  });

  it('SIGHUP reloads the hosts file: a new host then gets a lease; a broken reload keeps the old table', async () => {
    const { ns, ifName } = client('new');
    const before = await runUdhcpc(ns, sandbox, ifName, { tries: 1 });
    assert.equal(before.result.code === 0, false, 'not yet in the hosts file');
    const text = readFileSync(hostsPath, 'utf8');
    writeFileSync(`${hostsPath}.tmp`, `${text}${NEW_HOST.line}\n`);
    renameSync(`${hostsPath}.tmp`, hostsPath);
    const reloadsBefore = serve.stderr.split('reloaded hosts and options').length;
    serve.signal('SIGHUP');
    await waitUntil(
      () => serve.stderr.split('reloaded hosts and options').length > reloadsBefore,
      5000,
      'reload',
    );
    const vars = boundVars(await runUdhcpc(ns, sandbox, ifName));
    assert.equal(vars['ip'], NEW_HOST.ip);
    // A hosts file that cannot be read: the reload fails and the current table keeps serving.
    renameSync(hostsPath, `${hostsPath}.moved`);
    serve.signal('SIGHUP');
    await waitUntil(
      () => serve.stderr.includes('reload failed, keeping the previous tables'),
      5000,
      'failed reload',
    );
    const still = boundVars(await runUdhcpc(client('udh').ns, sandbox, client('udh').ifName));
    assert.equal(still['ip'], '10.77.1.5');
    renameSync(`${hostsPath}.moved`, hostsPath);
  });

  it('SIGUSR1 dumps counters; SIGTERM exits cleanly and removes the pid file', async () => {
    const pidFile = sandbox.path('serve.pid');
    assert.equal(readFileSync(pidFile, 'utf8').trim(), String(serve.pid));
    serve.signal('SIGUSR1');
    await serve.waitForOutput(/"reason":"SIGUSR1"/, 5000);
    const dump = serve.stderr.split('\n').find((line) => line.includes('"reason":"SIGUSR1"')) ?? '';
    const counters = (JSON.parse(dump) as { counters: Record<string, number> }).counters;
    assert.ok((counters['sent.ACK'] ?? 0) >= 6, dump);
    assert.ok((counters['sent.NAK'] ?? 0) >= 2, dump);
    assert.ok((counters['dropped.unknown-client'] ?? 0) >= 2, dump);
    assert.ok((counters['reloads.ok'] ?? 0) >= 1, dump);
    serve.signal('SIGTERM');
    assert.ok(await serve.waitForExit(5000));
    assert.equal(serve.exit?.code, 0);
    assert.equal(existsSync(pidFile), false);
  });
});
