/**
 * Security groups (`/v2.0/security-groups`) and their rules (`/v2.0/security-group-rules`), issue 14:
 * their attribute maps (neutron/extensions/securitygroup.py, stateful-security-group, the standard
 * attributes) bound to their use-cases. The rule converters are Neutron's (`convert_protocol`,
 * `convert_validate_port_value`, `convert_ethertype_to_case_insensitive`, `convert_ip_prefix_to_cidr`).
 *
 * @module
 */
import type { FastifyInstance } from 'fastify';
import { QdhcpError } from '../common/errors.js';
import type { SecurityGroupInput, SecurityGroupRuleInput } from '../service/inputs.js';
import type { SecurityGroupRuleService } from '../service/security-group-rule-service.js';
import {
  normalizeEthertype,
  normalizePort,
  normalizeProtocol,
  normalizeRemoteIpPrefix,
} from '../service/security-group-rules.js';
import type { SecurityGroupService } from '../service/security-group-service.js';
import { SecurityGroupResource, SecurityGroupRuleResource } from '../service/security-group-views.js';
import { type AttributesOf, readOnly, type WritableAttribute } from './attribute-map.js';
import { type Converter, oneOf, toBoolean, toText } from './converters.js';
import { type RouteOptions, registerResourceRoutes, useCasesOf } from './resource-routes.js';
import { STANDARD_ATTRIBUTES } from './standard-attributes.js';

const standard = STANDARD_ATTRIBUTES;

/** `type:name_not_default`: a string, and never `default` (409: there is one per project already). */
const toGroupName: Converter<string> = (value, name) => {
  const checked = toText(255)(value, name);
  if (checked.toLowerCase() === 'default') throw new QdhcpError('SECURITY_GROUP_DEFAULT_ALREADY_EXISTS');
  return checked;
};

/** The security group attribute map. */
export const SECURITY_GROUP_ATTRIBUTES: AttributesOf<SecurityGroupInput> = {
  ...standard,
  name: { post: true, put: true, convert: toGroupName, filter: 'string' },
  stateful: { post: true, put: true, convert: toBoolean, filter: 'boolean' },
  security_group_rules: readOnly(),
  tags: readOnly(),
};

/** A rule's attribute that a converter of `service/security-group-rules.ts` normalises. */
function normalized<T>(convert: (value: unknown) => T): WritableAttribute<T> {
  return { post: true, put: false, convert: (value) => convert(value), filter: 'string' };
}

/** The security group rule attribute map (only `description` changes after creation). */
export const SECURITY_GROUP_RULE_ATTRIBUTES: AttributesOf<SecurityGroupRuleInput> = {
  ...standard,
  security_group_id: { post: true, put: false, required: true, convert: toText(36), filter: 'string' },
  direction: {
    post: true,
    put: false,
    required: true,
    convert: oneOf(['ingress', 'egress'] as const),
    filter: 'string',
  },
  ethertype: normalized(normalizeEthertype),
  protocol: normalized(normalizeProtocol),
  port_range_min: { ...normalized(normalizePort), filter: 'integer' },
  port_range_max: { ...normalized(normalizePort), filter: 'integer' },
  remote_ip_prefix: normalized(normalizeRemoteIpPrefix),
  remote_group_id: {
    post: true,
    put: false,
    convert: (value, name) => (value === null ? null : toText(255)(value, name)),
    filter: 'string',
  },
  normalized_cidr: readOnly(),
  remote_address_group_id: readOnly(),
};

/** Security groups under /v2.0/security-groups. */
export function securityGroupsPlugin(service: SecurityGroupService, options: RouteOptions) {
  return async function securityGroups(app: FastifyInstance): Promise<void> {
    registerResourceRoutes(
      app,
      {
        names: { singular: 'security_group', plural: 'security_groups' },
        collectionPath: '/v2.0/security-groups',
        attributes: SECURITY_GROUP_ATTRIBUTES,
        schema: SecurityGroupResource,
        allowFixedIpsFilter: false,
        markerNotFound: (id) => new QdhcpError('SECURITY_GROUP_NOT_FOUND', { id }),
        useCases: useCasesOf(service),
      },
      options,
    );
  };
}

/** Security group rules under /v2.0/security-group-rules. */
export function securityGroupRulesPlugin(service: SecurityGroupRuleService, options: RouteOptions) {
  return async function securityGroupRules(app: FastifyInstance): Promise<void> {
    registerResourceRoutes(
      app,
      {
        names: { singular: 'security_group_rule', plural: 'security_group_rules' },
        collectionPath: '/v2.0/security-group-rules',
        attributes: SECURITY_GROUP_RULE_ATTRIBUTES,
        schema: SecurityGroupRuleResource,
        allowFixedIpsFilter: false,
        markerNotFound: (id) => new QdhcpError('SECURITY_GROUP_RULE_NOT_FOUND', { id }),
        useCases: useCasesOf(service),
      },
      options,
    );
  };
}
