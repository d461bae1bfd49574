import { randomUUID } from 'node:crypto';
import { runCommand } from '../../src/linux/run-command.js';
import type { BenchNetwork, BenchPort } from './neutron-api.js';

/**
 * Grows a network to `count` ports by copying, in Neutron's own database, the rows of a port the API made
 * on it (standardattributes, ports, ipallocations, ipamallocations, ml2_port_bindings,
 * portsecuritybindings, securitygroupportbindings: what a create through the API writes for an unbound
 * `compute:nova` port here), with a new id, MAC and address each. Why: on this loaded 2-core machine
 * neutron-server's bulk create ran at 1–3 ports/s and slowed as the network grew (Neutron's IPAM reads all
 * of a subnet's allocations for each port), so 5,000 ports on one network would take hours; what the DHCP
 * agents under test read back (`get_network_info`, the port casts) is the same either way. One transaction.
 */
export async function sqlFill(
  database: string,
  network: BenchNetwork,
  count: number,
  template: BenchPort,
): Promise<BenchPort[]> {
  const q = (sql: string): Promise<string[][]> =>
    runCommand('mysql', ['-N', '-B', database, '-e', sql], { timeoutMs: 60_000 }).then((r) =>
      r.stdout
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => line.split('\t')),
    );
  const [portRow] = await q(`SELECT project_id FROM ports WHERE id = '${template.id}'`);
  const [binding] = await q(
    `SELECT host, vif_type, vnic_type, profile, vif_details, status FROM ml2_port_bindings WHERE port_id = '${template.id}'`,
  );
  const groups = (
    await q(`SELECT security_group_id FROM securitygroupportbindings WHERE port_id = '${template.id}'`)
  ).map((row) => row[0] ?? '');
  const [ipam] = await q(`SELECT id FROM ipamsubnets WHERE neutron_subnet_id = '${network.subnetId}'`);
  if (portRow === undefined || binding === undefined || ipam === undefined)
    throw new Error(`sql fill: template port ${template.id} or its subnet's IPAM row not found`);
  const usedIps = new Set(
    (await q(`SELECT ip_address FROM ipallocations WHERE network_id = '${network.id}'`)).map((r) => r[0]),
  );
  const usedMacs = new Set(
    (await q(`SELECT mac_address FROM ports WHERE network_id = '${network.id}'`)).map((r) => r[0]),
  );
  const text = (v: string | undefined): string =>
    v === undefined || v === 'NULL' ? 'NULL' : `'${v.replace(/'/g, "''")}'`;
  const lines = ['START TRANSACTION;'];
  const made: BenchPort[] = [];
  for (let i = 0; made.length < count; i += 1) {
    const ip = `10.${network.second}.${1 + Math.floor(i / 250)}.${1 + (i % 250)}`;
    const mac = `fa:16:3e:${hex(network.physnet)}:${hex(i >> 8)}:${hex(i & 255)}`;
    if (usedIps.has(ip) || usedMacs.has(mac)) continue;
    const id = randomUUID();
    made.push({ id, mac, ip });
    lines.push(
      `INSERT INTO standardattributes (resource_type, created_at, updated_at, description, revision_number) VALUES ('ports', NOW(), NOW(), '', 1);`,
      `INSERT INTO ports (project_id, id, name, network_id, mac_address, admin_state_up, status, device_id, device_owner, standard_attr_id, ip_allocation) VALUES (${text(portRow[0])}, '${id}', '', '${network.id}', '${mac}', 1, 'DOWN', '', 'compute:nova', LAST_INSERT_ID(), NULL);`,
      `INSERT INTO ipallocations (port_id, ip_address, subnet_id, network_id) VALUES ('${id}', '${ip}', '${network.subnetId}', '${network.id}');`,
      `INSERT INTO ipamallocations (ip_address, status, ipam_subnet_id) VALUES ('${ip}', 'ALLOCATED', '${ipam[0]}');`,
      `INSERT INTO ml2_port_bindings (port_id, host, vif_type, vnic_type, profile, vif_details, status) VALUES ('${id}', ${binding.map(text).join(', ')});`,
      `INSERT INTO portsecuritybindings (port_id, port_security_enabled) VALUES ('${id}', 1);`,
      ...groups.map(
        (g) => `INSERT INTO securitygroupportbindings (port_id, security_group_id) VALUES ('${id}', '${g}');`,
      ),
    );
  }
  lines.push('COMMIT;');
  await runCommand('mysql', [database], { input: lines.join('\n'), timeoutMs: 10 * 60_000 });
  return made;
}

const hex = (n: number): string => (n & 255).toString(16).padStart(2, '0');
