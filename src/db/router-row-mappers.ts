/**
 * The row mappings of routers and floating IPs (issue 13), beside `row-mappers.ts` (which holds the other
 * resources' and is near the file size limit). Same rules: JSON parsed here, booleans as 0/1.
 *
 * @module
 */
import type { FloatingIpRecord, RouterRecord, RouterRoute } from './records.js';
import type { FloatingIpsTable, RoutersTable } from './schema.js';

function parseJson<T>(text: string): T {
  return JSON.parse(text) as T;
}

export function routerFromRow(row: RoutersTable): RouterRecord {
  return {
    id: row.id,
    projectId: row.project_id,
    name: row.name,
    description: row.description,
    adminStateUp: row.admin_state_up === 1,
    status: row.status,
    gatewayNetworkId: row.gw_network_id,
    enableSnat: row.enable_snat === 1,
    routes: parseJson<RouterRoute[]>(row.routes),
    tags: parseJson<string[]>(row.tags),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    revisionNumber: row.revision_number,
  };
}

export function routerToRow(record: RouterRecord): RoutersTable {
  return {
    id: record.id,
    project_id: record.projectId,
    name: record.name,
    description: record.description,
    admin_state_up: record.adminStateUp ? 1 : 0,
    status: record.status,
    gw_network_id: record.gatewayNetworkId,
    enable_snat: record.enableSnat ? 1 : 0,
    routes: JSON.stringify(record.routes),
    tags: JSON.stringify(record.tags),
    created_at: record.createdAt,
    updated_at: record.updatedAt,
    revision_number: record.revisionNumber,
  };
}

export function floatingIpFromRow(row: FloatingIpsTable): FloatingIpRecord {
  return {
    id: row.id,
    projectId: row.project_id,
    description: row.description,
    floatingNetworkId: row.floating_network_id,
    floatingIpAddress: row.floating_ip_address,
    floatingPortId: row.floating_port_id,
    fixedPortId: row.fixed_port_id,
    fixedIpAddress: row.fixed_ip_address,
    routerId: row.router_id,
    status: row.status,
    tags: parseJson<string[]>(row.tags),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    revisionNumber: row.revision_number,
  };
}

export function floatingIpToRow(record: FloatingIpRecord): FloatingIpsTable {
  return {
    id: record.id,
    project_id: record.projectId,
    description: record.description,
    floating_network_id: record.floatingNetworkId,
    floating_ip_address: record.floatingIpAddress,
    floating_port_id: record.floatingPortId,
    fixed_port_id: record.fixedPortId,
    fixed_ip_address: record.fixedIpAddress,
    router_id: record.routerId,
    status: record.status,
    tags: JSON.stringify(record.tags),
    created_at: record.createdAt,
    updated_at: record.updatedAt,
    revision_number: record.revisionNumber,
  };
}
