import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { ZoneHost } from '../../src/dns/zone.js';
import { canUseNamespaces, type Namespace, Sandbox } from '../support/netns.js';
import type { ManagedProcess } from '../support/process.js';

/**
 * End to end, in three namespaces this test creates: `cli` (dig and busybox nslookup) — veth —
 * `srv` (our DNS server processes on 10.77.9.1) — veth — `up` (a tiny upstream resolver on
 * 10.77.8.2). The client has no route to the upstream: everything it learns comes through our server.
 */

const SERVER_MAIN = fileURLToPath(new URL('../support/dns/server-main.js', import.meta.url));
const UPSTREAM_MAIN = fileURLToPath(new URL('../support/dns/upstream-main.js', import.meta.url));
const SERVER_IP = '10.77.9.1';

const HOSTS: readonly ZoneHost[] = [
  {
    id: 'port-a',
    addresses: ['10.77.9.5'],
    fqdn: 'host-10-77-9-5.openstacklocal',
    hostname: 'host-10-77-9-5',
  },
  { id: 'port-b', addresses: ['10.77.9.6'], fqdn: 'vm1.openstacklocal.', hostname: 'vm1' },
  {
    id: 'port-c',
    addresses: Array.from({ length: 60 }, (_, i) => `10.77.10.${i + 1}`),
    fqdn: 'many.openstacklocal',
    hostname: 'many',
  },
];

describe('dns server e2e (namespaces, dig, busybox nslookup)', {
  skip: canUseNamespaces() ? false : 'needs root for network namespaces',
}, () => {
  // Created in before(), so a skipped run leaves nothing behind (not even a temp dir).
  let sandbox: Sandbox;
  let client: Namespace;
  let upstream: ManagedProcess;

  const dig = async (args: string): Promise<string> =>
    (
      await client.exec('dig', [`@${SERVER_IP}`, '+tries=1', '+time=3', ...args.split(' ')], {
        timeoutMs: 10_000,
      })
    ).stdout;
  const nslookup = async (name: string): Promise<string> =>
    (await client.exec('busybox', ['nslookup', name, SERVER_IP], { timeoutMs: 10_000, allowFailure: true }))
      .stdout;
  const upstreamQueries = (name: string): number =>
    upstream.stdout.split('\n').filter((line) => line.startsWith(`query ${name} `)).length;

  async function startServer(
    namespace: Namespace,
    label: string,
    port: number,
    upstreams: string[],
  ): Promise<void> {
    const configPath = sandbox.path(`${label}.json`);
    writeFileSync(
      configPath,
      JSON.stringify({ listen: SERVER_IP, port, hosts: HOSTS, upstreams, timeoutMs: 500 }),
    );
    const server = sandbox.spawn(namespace, label, process.execPath, [SERVER_MAIN, '--config', configPath]);
    await server.waitForOutput(/^ready$/m, 10_000);
  }

  before(async () => {
    sandbox = new Sandbox('dns');
    const srv = await sandbox.addNamespace('srv');
    client = await sandbox.addNamespace('cli');
    const up = await sandbox.addNamespace('up');
    await sandbox.addVeth(srv, sandbox.device('s'), client, sandbox.device('c'), {
      localAddresses: [`${SERVER_IP}/24`],
      peerAddresses: ['10.77.9.2/24'],
    });
    await sandbox.addVeth(srv, sandbox.device('su'), up, sandbox.device('u'), {
      localAddresses: ['10.77.8.1/24'],
      peerAddresses: ['10.77.8.2/24'],
    });
    upstream = sandbox.spawn(up, 'upstream', process.execPath, [UPSTREAM_MAIN, '--listen', '10.77.8.2']);
    await upstream.waitForOutput(/^ready$/m, 10_000);
    await startServer(srv, 'dns-forwarding', 53, ['10.77.8.2']);
    await startServer(srv, 'dns-local-only', 5353, []);
  });
  after(async () => {
    await sandbox?.teardown();
  });

  it('dig: A for an FQDN, authoritative, TTL 0', async () => {
    const out = await dig('host-10-77-9-5.openstacklocal A +noall +answer +comments');
    assert.match(out, /status: NOERROR/);
    assert.match(out, /flags: qr aa rd ra;/);
    assert.match(out, /^host-10-77-9-5\.openstacklocal\.\s+0\s+IN\s+A\s+10\.77\.9\.5$/m);
  });

  it('dig: short name and PTR (FQDN, as addn_hosts)', async () => {
    assert.equal((await dig('vm1 A +short')).trim(), '10.77.9.6');
    assert.equal((await dig('-x 10.77.9.6 +short')).trim(), 'vm1.openstacklocal.');
    assert.equal((await dig('-x 10.77.9.5 +short')).trim(), 'host-10-77-9-5.openstacklocal.');
  });

  it('dig: NXDOMAIN under the domain, with the SOA for negative caching', async () => {
    const out = await dig('nothere.openstacklocal A');
    assert.match(out, /status: NXDOMAIN/);
    assert.match(out, /AUTHORITY SECTION:\nopenstacklocal\.\s+0\s+IN\s+SOA\s/);
  });

  it('dig: truncated over UDP, retried over TCP with all 60 records', async () => {
    const out = await dig('many.openstacklocal A +noedns');
    assert.match(out, /Truncated, retrying in TCP mode/);
    assert.match(out, /ANSWER: 60,/);
  });

  it('busybox nslookup: name, short name, reverse and NXDOMAIN', async () => {
    assert.match(await nslookup('host-10-77-9-5.openstacklocal'), /Address: 10\.77\.9\.5/);
    assert.match(await nslookup('vm1'), /Address: 10\.77\.9\.6/);
    assert.match(await nslookup('10.77.9.6'), /name = vm1\.openstacklocal/);
    assert.match(await nslookup('nothere.openstacklocal'), /can't find nothere\.openstacklocal: NXDOMAIN/);
  });

  it('forwards other names; the cache answers repeats (upstream asked once)', async () => {
    const first = await dig('a1.fwd.test A +noall +answer');
    const second = await dig('a1.fwd.test A +noall +answer');
    assert.match(first, /^a1\.fwd\.test\.\s+300\s+IN\s+A\s+192\.0\.2\.1$/m);
    assert.match(second, /IN\s+A\s+192\.0\.2\.1$/m);
    assert.equal(upstreamQueries('a1.fwd.test'), 1);
    assert.match(await dig('nx.fwd.test A'), /status: NXDOMAIN/);
  });

  it('honours the upstream TTL: decremented while cached, asked again after expiry', async () => {
    assert.match(await dig('ttl3.fwd.test A +noall +answer'), /\s3\s+IN\s+A/);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    assert.match(await dig('ttl3.fwd.test A +noall +answer'), /\s[12]\s+IN\s+A/);
    assert.equal(upstreamQueries('ttl3.fwd.test'), 1);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await dig('ttl3.fwd.test A +noall +answer');
    assert.equal(upstreamQueries('ttl3.fwd.test'), 2);
  });

  it('REFUSED for other names when no upstream is configured', async () => {
    assert.match(await dig('-p 5353 example.org A'), /status: REFUSED/);
    assert.match(await dig('-p 5353 vm1 A +short'), /10\.77\.9\.6/);
  });

  it('SERVFAIL once the upstream is down (cached names still answered)', async () => {
    await upstream.stop();
    assert.match(await dig('a2.fwd.test A'), /status: SERVFAIL/);
    assert.match(await dig('a1.fwd.test A'), /status: NOERROR/);
  });
});
