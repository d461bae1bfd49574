/**
 * The storage module: the only place in qdhcp that speaks SQL.
 *
 * @module
 */

export { agentsRepository, type BindingRecord } from './agents-repository.js';
export { type Database, describeDatabaseUrl, openDatabase, type Queryable } from './database.js';
export type { EqualsFilter, FilterValue } from './filters.js';
export {
  type AddressHolder,
  type InstanceListFilter,
  instancesRepository,
} from './instances-repository.js';
export { type NetworkListFilter, networksRepository } from './networks-repository.js';
export { type FixedIpsFilter, type PortListFilter, portsRepository } from './ports-repository.js';
export type {
  AddressPair,
  AgentRecord,
  AllocationPool,
  ExtraDhcpOpt,
  FixedIp,
  HostRoute,
  InstanceRecord,
  NetworkRecord,
  PortRecord,
  SubnetRecord,
} from './records.js';
export { type SubnetListFilter, subnetsRepository } from './subnets-repository.js';
