import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

/**
 * Writes the inputs of bench/dns/run.sh for N ports on 10.77.128.0/17: the dnsmasq `addn_hosts` file
 * exactly as Neutron renders it (spec §5.4: `<ip>\t<fqdn> <hostname>`), the same hosts as our server's
 * JSON config, and a dnsperf query file mixing FQDN A, short-name A and PTR lookups of those names.
 *
 * `node dist/bench/dns/generate.js --dir DIR --hosts N --listen ADDR`
 */
const { values } = parseArgs({
  options: {
    dir: { type: 'string' },
    hosts: { type: 'string', default: '1000' },
    listen: { type: 'string' },
  },
});
if (values.dir === undefined || values.listen === undefined)
  throw new Error('--dir and --listen are required');
const count = Number(values.hosts);
if (!Number.isInteger(count) || count < 1 || count > 32_000) throw new Error('--hosts must be 1..32000');

const addnHosts: string[] = [];
const hosts: { id: string; addresses: string[]; fqdn: string; hostname: string }[] = [];
const queries: string[] = [];
for (let i = 0; i < count; i++) {
  const address = `10.77.${128 + (i >> 8)}.${i & 255}`;
  const hostname = `host-${address.replaceAll('.', '-')}`;
  const fqdn = `${hostname}.openstacklocal`;
  addnHosts.push(`${address}\t${fqdn} ${hostname}`);
  hosts.push({ id: `port-${i}`, addresses: [address], fqdn, hostname });
  queries.push(`${fqdn} A`, `${hostname} A`, `${address.split('.').reverse().join('.')}.in-addr.arpa PTR`);
}
writeFileSync(join(values.dir, 'addn_hosts'), `${addnHosts.join('\n')}\n`);
writeFileSync(
  join(values.dir, 'qdhcp-dns.json'),
  JSON.stringify({ listen: values.listen, port: 53, domain: 'openstacklocal', hosts, upstreams: [] }),
);
writeFileSync(join(values.dir, 'queries.txt'), `${queries.join('\n')}\n`);
