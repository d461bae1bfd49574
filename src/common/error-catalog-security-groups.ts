/**
 * The API errors of security groups, their rules, port security with groups and quotas (issue 14), with
 * Neutron's exception names and wording (neutron/extensions/securitygroup.py,
 * neutron_lib/exceptions/port_security.py, neutron_lib/exceptions OverQuota). Part of the one catalog in
 * `errors.ts` (beside `error-catalog-api.ts`, which is near the file size limit); in docs/errors.md.
 *
 * @module
 */
import type { ApiErrorDefinition } from './error-definition.js';

function api(type: string, status: number, template: string): ApiErrorDefinition {
  return { layer: 'api', type, status, template, retryable: false };
}

export const SECURITY_GROUP_ERRORS = {
  SECURITY_GROUP_RULE_NOT_FOUND: api(
    'SecurityGroupRuleNotFound',
    404,
    'Security group rule {id} does not exist',
  ),
  SECURITY_GROUP_INVALID_PORT_RANGE: api(
    'SecurityGroupInvalidPortRange',
    400,
    'For TCP/UDP protocols, port_range_min must be <= port_range_max',
  ),
  SECURITY_GROUP_INVALID_PROTOCOL_FOR_PORT: api(
    'SecurityGroupInvalidProtocolForPort',
    400,
    'Ports cannot be specified for protocol {protocol}. Ports are only supported for {valid_port_protocols}.',
  ),
  SECURITY_GROUP_INVALID_PORT_VALUE: api(
    'SecurityGroupInvalidPortValue',
    400,
    'Invalid value for port {port}',
  ),
  SECURITY_GROUP_INVALID_ICMP_VALUE: api(
    'SecurityGroupInvalidIcmpValue',
    400,
    'Invalid value for ICMP {field} ({attr}) {value}. It must be 0 to 255.',
  ),
  SECURITY_GROUP_ETHERTYPE_CONFLICT_WITH_PROTOCOL: api(
    'SecurityGroupEthertypeConflictWithProtocol',
    400,
    'Invalid ethertype {ethertype} for protocol {protocol}.',
  ),
  SECURITY_GROUP_MISSING_ICMP_TYPE: api(
    'SecurityGroupMissingIcmpType',
    400,
    'ICMP code (port-range-max) {value} is provided but ICMP type (port-range-min) is missing.',
  ),
  SECURITY_GROUP_RULE_INVALID_PROTOCOL: api(
    'SecurityGroupRuleInvalidProtocol',
    400,
    'Security group rule protocol {protocol} not supported. Only protocol values {values} and integer representations [0 to 255] are supported.',
  ),
  SECURITY_GROUP_RULE_INVALID_ETHERTYPE: api(
    'SecurityGroupRuleInvalidEtherType',
    400,
    "Security group rule for ethertype '{ethertype}' not supported. Allowed values are {values}.",
  ),
  SECURITY_GROUP_RULES_NOT_SINGLE_PROJECT: api(
    'SecurityGroupRulesNotSingleProject',
    400,
    'Multiple project_ids in bulk security group rule create not allowed',
  ),
  SECURITY_GROUP_NOT_SINGLE_GROUP_RULES: api(
    'SecurityGroupNotSingleGroupRules',
    400,
    'Only allowed to update rules for one security profile at a time',
  ),
  SECURITY_GROUP_MULTIPLE_REMOTE_ENTITIES: api(
    'SecurityGroupMultipleRemoteEntites',
    400,
    'Only one of remote_ip_prefix or remote_group_id or remote_address_group_id may be provided.',
  ),
  SECURITY_GROUP_PROTOCOL_REQUIRED_WITH_PORTS: api(
    'SecurityGroupProtocolRequiredWithPorts',
    400,
    'Must also specify protocol if port range is given.',
  ),
  SECURITY_GROUP_RULE_PARAMETER_CONFLICT: api(
    'SecurityGroupRuleParameterConflict',
    400,
    'Conflicting value ethertype {ethertype} for CIDR {cidr}',
  ),
  INVALID_CIDR: api('InvalidCIDR', 400, 'Invalid CIDR {input} given.'),
  PORT_SECURITY_AND_IP_REQUIRED_FOR_SECURITY_GROUPS: api(
    'PortSecurityAndIPRequiredForSecurityGroups',
    400,
    'Port security must be enabled and port must have an IP address in order to use security groups.',
  ),
  SECURITY_GROUP_IN_USE: api('SecurityGroupInUse', 409, 'Security Group {id} {reason}.'),
  SECURITY_GROUP_CANNOT_REMOVE_DEFAULT: api(
    'SecurityGroupCannotRemoveDefault',
    409,
    'Insufficient rights for removing default security group.',
  ),
  SECURITY_GROUP_CANNOT_UPDATE_DEFAULT: api(
    'SecurityGroupCannotUpdateDefault',
    409,
    'Updating default security group not allowed.',
  ),
  SECURITY_GROUP_DEFAULT_ALREADY_EXISTS: api(
    'SecurityGroupDefaultAlreadyExists',
    409,
    'Default security group already exists.',
  ),
  SECURITY_GROUP_RULE_EXISTS: api(
    'SecurityGroupRuleExists',
    409,
    'Security group rule already exists. Rule id is {rule_id}.',
  ),
  DUPLICATE_SECURITY_GROUP_RULE_IN_POST: api(
    'DuplicateSecurityGroupRuleInPost',
    409,
    'Duplicate Security Group Rule in POST.',
  ),
  SECURITY_GROUP_CONFLICT: api(
    'SecurityGroupConflict',
    409,
    'Error {reason} while attempting the operation.',
  ),
  PORT_SECURITY_PORT_HAS_SECURITY_GROUP: api(
    'PortSecurityPortHasSecurityGroup',
    409,
    'Port has security group associated. Cannot disable port security or IP address until security group is removed.',
  ),
  OVER_QUOTA: api('OverQuota', 409, 'Quota exceeded for resources: {overs}.'),
} as const satisfies Record<string, ApiErrorDefinition>;
