/**
 * The storage module: the only place in qdhcp that speaks SQL.
 *
 * @module
 */

export { addressScopesRepository } from './address-scopes-repository.js';
export { agentsRepository } from './agents-repository.js';
export { type Database, describeDatabaseUrl, openDatabase, type Queryable } from './database.js';
export type { EqualsFilter, FilterValue } from './filters.js';
export { instancesRepository } from './instances-repository.js';
export { networksRepository } from './networks-repository.js';
export { type FixedIpsFilter, portsRepository } from './ports-repository.js';
export { type ProvisioningEntity, provisioningRepository } from './provisioning-repository.js';
export type {
  AddressPair,
  AddressScopeRecord,
  AgentRecord,
  AllocationPool,
  ExtraDhcpOpt,
  FixedIp,
  FloatingIpRecord,
  HostRoute,
  InstanceRecord,
  NetworkRecord,
  PortRecord,
  RouterRecord,
  RouterRoute,
  SecurityGroupRecord,
  SecurityGroupRuleRecord,
  SubnetPoolRecord,
  SubnetRecord,
} from './records.js';
export { routerL3Repository } from './router-l3-repository.js';
export { floatingIpsRepository, routersRepository } from './routers-repository.js';
export { securityGroupRulesRepository, securityGroupsRepository } from './security-groups-repository.js';
export { subnetPoolsRepository } from './subnet-pools-repository.js';
export { subnetsRepository } from './subnets-repository.js';
