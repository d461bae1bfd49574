/**
 * The attribute maps of networks, subnets and ports (neutron_lib/api/definitions): which attributes a
 * request may carry on POST and PUT, which are required, how each is converted, and which can be used
 * to filter and sort lists. The request pipeline in `body.ts` and `list-query.ts` is driven by these
 * tables alone; each is typed by the service input it produces (`attribute-map.ts`).
 *
 * @module
 */

import { parseCidr, parseIp } from '../ipam/index.js';
import type {
  AllocationPool,
  ExtraDhcpOptRequest,
  FixedIpRequest,
  HostRoute,
  NetworkInput,
  PortInput,
  SubnetInput,
} from '../service/inputs.js';
import { type AttributesOf, readOnly } from './attribute-map.js';
import {
  type Converter,
  invalidAttribute,
  isJsonObject,
  listOf,
  nullable,
  objectFields,
  oneOf,
  repr,
  requiredField,
  toAnyString,
  toBoolean,
  toDict,
  toDnsName,
  toInteger,
  toIpAddress,
  toIpVersion,
  toMac,
  toText,
  toUuid,
} from './converters.js';
import { STANDARD_ATTRIBUTES, TEXT_ATTRIBUTE } from './standard-attributes.js';

const standard = { ...STANDARD_ATTRIBUTES, name: TEXT_ATTRIBUTE, tags: readOnly() };

const stringList = listOf(toText(255));
const ipv6Mode = nullable(oneOf(['dhcpv6-stateful', 'dhcpv6-stateless', 'slaac']));

export const NETWORK_ATTRIBUTES: AttributesOf<NetworkInput> = {
  ...standard,
  admin_state_up: { post: true, put: true, convert: toBoolean, filter: 'boolean' },
  status: readOnly('string'),
  subnets: readOnly(),
  shared: { post: true, put: true, convert: toBoolean, filter: 'boolean' },
  mtu: { post: true, put: true, convert: toInteger({ min: 0 }), filter: 'integer' },
  dns_domain: { post: true, put: true, convert: toDnsName, filter: 'string' },
  port_security_enabled: { post: true, put: true, convert: toBoolean, filter: 'boolean' },
  'router:external': { post: true, put: true, convert: toBoolean, filter: 'boolean' },
  availability_zone_hints: { post: true, put: false, convert: stringList },
  availability_zones: readOnly(),
  ipv4_address_scope: readOnly(),
  ipv6_address_scope: readOnly(),
  'provider:network_type': {
    post: true,
    put: false,
    convert: toText(32),
    filter: 'string',
    adminOnly: true,
  },
  'provider:physical_network': {
    post: true,
    put: false,
    convert: toText(64),
    filter: 'string',
    adminOnly: true,
  },
  'provider:segmentation_id': {
    post: true,
    put: false,
    convert: toInteger(),
    filter: 'integer',
    adminOnly: true,
  },
};

const poolItem: Converter<AllocationPool> = (value, attr) => {
  const fields = objectFields(value, attr, 'IP pool', ['start', 'end']);
  return {
    start: requiredField(fields, 'start', attr, 'IP pool', toAnyStringAttr),
    end: requiredField(fields, 'end', attr, 'IP pool', toAnyStringAttr),
  };
};
/** One `type:hostroutes` item (a subnet's host route, a router's extra route). */
export const routeItem: Converter<HostRoute> = (value, attr) => {
  const fields = objectFields(value, attr, 'hostroute', ['destination', 'nexthop']);
  return {
    destination: requiredField(fields, 'destination', attr, 'hostroute', toAnyStringAttr),
    nexthop: requiredField(fields, 'nexthop', attr, 'hostroute', toAnyStringAttr),
  };
};

function toAnyStringAttr(value: unknown, attr: string): string {
  if (typeof value !== 'string') throw invalidAttribute(attr, `${repr(value)} is not a valid string`);
  return value;
}

export const SUBNET_ATTRIBUTES: AttributesOf<SubnetInput> = {
  ...standard,
  network_id: { post: true, put: false, required: true, convert: toUuid, filter: 'string' },
  ip_version: { post: true, put: false, required: true, convert: toIpVersion, filter: 'integer' },
  cidr: { post: true, put: false, convert: toAnyString, filter: 'string' },
  prefixlen: { post: true, put: false, convert: toInteger({ min: 0 }) },
  subnetpool_id: { post: true, put: false, convert: nullable(toUuid), filter: 'string' },
  use_default_subnetpool: { post: true, put: false, convert: toBoolean },
  gateway_ip: { post: true, put: true, convert: nullable(toIpAddress), filter: 'string' },
  allocation_pools: { post: true, put: true, convert: nullable(listOf(poolItem)) },
  dns_nameservers: { post: true, put: true, convert: nullable(listOf(toAnyStringAttr)) },
  host_routes: { post: true, put: true, convert: nullable(listOf(routeItem)) },
  enable_dhcp: { post: true, put: true, convert: toBoolean, filter: 'boolean' },
  ipv6_ra_mode: { post: true, put: false, convert: ipv6Mode, filter: 'string' },
  ipv6_address_mode: { post: true, put: false, convert: ipv6Mode, filter: 'string' },
  service_types: { post: true, put: true, convert: stringList },
  segment_id: { post: true, put: true, convert: nullable(toUuid), filter: 'string' },
  dns_publish_fixed_ip: { post: true, put: true, convert: toBoolean, filter: 'boolean' },
  shared: { post: false, put: false, filter: 'boolean' },
};

const BLANK_CAPABLE_OPTIONS = ['router', 'classless-static-route'];

/**
 * Characters no option name or value may hold: control characters (NUL, CR, LF, tab…, DEL, C1) and
 * the other line breaks of Python's `splitlines`. Neutron's validator refuses only line breaks and lets `router` and
 * `classless-static-route` take any string, but neither driver can render a control character (a line
 * break ends a dnsmasq opts line; the builtin server would send what dnsmasq cannot), so both drivers
 * would serve something other than what is stored: refused for every option.
 */
const CONTROL_CHARACTER = /\p{Cc}|[\u2028\u2029]/u;

/** Extra DHCP options (spec 1.6): two accepted shapes per item; ip_version 4 or 6 (default 4). */
const toExtraDhcpOpts: Converter<ExtraDhcpOptRequest[] | null> = (value, attr) => {
  if (value === null) return null;
  if (!Array.isArray(value)) throw invalidAttribute(attr, `${repr(value)} is not a list`);
  return value.map((option: unknown) => {
    if (!isJsonObject(option)) throw invalidAttribute(attr, `${repr(option)} is not a dictionary`);
    for (const key of Object.keys(option)) {
      if (!['opt_name', 'opt_value', 'ip_version'].includes(key)) {
        throw invalidAttribute(attr, `Validation of dictionary's keys failed. Unexpected key '${key}'`);
      }
    }
    const optName = option['opt_name'];
    const optValue = option['opt_value'];
    if (!('opt_value' in option))
      throw invalidAttribute(attr, "Validation of dictionary's keys failed. Missing 'opt_value'");
    const singleLine = (v: unknown, max: number) =>
      typeof v === 'string' && v !== '' && v.length <= max && !CONTROL_CHARACTER.test(v);
    const blankShape =
      typeof optName === 'string' &&
      BLANK_CAPABLE_OPTIONS.includes(optName) &&
      typeof optValue === 'string' &&
      optValue.length <= 255 &&
      !CONTROL_CHARACTER.test(optValue);
    const normalShape = singleLine(optName, 64) && (optValue === null || singleLine(optValue, 255));
    // Both shapes have a string name and a string or null value; the compiler cannot follow the
    // shape tests above, so the types are checked again (always true when a shape matched).
    const typed = typeof optName === 'string' && (optValue === null || typeof optValue === 'string');
    if ((!blankShape && !normalShape) || !typed) {
      throw invalidAttribute(
        attr,
        `${repr(option)} does not match any of the accepted extra_dhcp_opt shapes`,
      );
    }
    const ipVersion =
      option['ip_version'] === undefined || option['ip_version'] === null
        ? 4
        : toIpVersion(option['ip_version'], attr);
    return { opt_name: optName, opt_value: optValue, ip_version: ipVersion };
  });
};

/** One fixed_ips item: a subnet, an address, or both. */
const fixedIpItem: Converter<FixedIpRequest> = (value, attr) => {
  const fields = objectFields(value, attr, 'fixed_ips', ['subnet_id', 'ip_address']);
  return {
    ...('subnet_id' in fields ? { subnet_id: toUuid(fields['subnet_id'], attr) } : {}),
    ...('ip_address' in fields ? { ip_address: toIpAddress(fields['ip_address'], attr) } : {}),
  };
};

/** fixed_ips: objects with `subnet_id` and/or `ip_address`; an address may not be requested twice. */
export const toFixedIps: Converter<FixedIpRequest[]> = (value, attr) => {
  const items = listOf(fixedIpItem)(value, attr);
  const seen = new Set<string>();
  for (const item of items) {
    if (item.ip_address === undefined) continue;
    if (seen.has(item.ip_address)) throw invalidAttribute(attr, `Duplicate IP address '${item.ip_address}'`);
    seen.add(item.ip_address);
  }
  return items;
};

/** An allowed-address-pair address: an IP or a CIDR. */
function toIpOrCidr(value: unknown, attr: string): string {
  const text = toAnyStringAttr(value, attr);
  if (parseIp(text).ok || parseCidr(text).ok) return text;
  throw invalidAttribute(attr, `'${text}' is not a valid IP address or CIDR`);
}

const addressPair: Converter<{ ip_address: string; mac_address?: string }> = (value, attr) => {
  const describe = 'allowed address pair';
  const fields = objectFields(value, attr, describe, ['ip_address', 'mac_address']);
  return {
    ip_address: requiredField(fields, 'ip_address', attr, describe, toIpOrCidr),
    ...('mac_address' in fields ? { mac_address: toMac(fields['mac_address'], attr) } : {}),
  };
};

export const PORT_ATTRIBUTES: AttributesOf<PortInput> = {
  ...standard,
  tags: { post: true, put: false, convert: listOf(toText(255)) },
  network_id: { post: true, put: false, required: true, convert: toUuid, filter: 'string' },
  admin_state_up: { post: true, put: true, convert: toBoolean, filter: 'boolean' },
  mac_address: { post: true, put: true, convert: nullable(toMac), filter: 'mac' },
  fixed_ips: { post: true, put: true, convert: toFixedIps },
  device_id: { post: true, put: true, convert: toText(255), filter: 'string' },
  device_owner: { post: true, put: true, convert: toText(255), filter: 'string' },
  status: readOnly('string'),
  'binding:host_id': { post: true, put: true, convert: toText(255), filter: 'string', adminOnly: true },
  'binding:vnic_type': {
    post: true,
    put: true,
    convert: oneOf([
      'normal',
      'direct',
      'macvtap',
      'baremetal',
      'direct-physical',
      'virtio-forwarder',
      'smart-nic',
      'remote-managed',
    ]),
    filter: 'string',
  },
  'binding:profile': { post: true, put: true, convert: nullable(toDict), adminOnly: true },
  'binding:vif_type': { post: false, put: false, adminOnly: true },
  'binding:vif_details': { post: false, put: false, adminOnly: true },
  extra_dhcp_opts: { post: true, put: true, convert: toExtraDhcpOpts },
  dns_name: { post: true, put: true, convert: toDnsName, filter: 'string' },
  dns_domain: { post: true, put: true, convert: toDnsName },
  dns_assignment: readOnly(),
  port_security_enabled: { post: true, put: true, convert: toBoolean, filter: 'boolean' },
  security_groups: {
    post: true,
    put: true,
    convert: (value, name) => (value === null ? [] : listOf(toUuid, { unique: true })(value, name)),
  },
  allowed_address_pairs: { post: true, put: true, convert: listOf(addressPair) },
  ip_allocation: readOnly('string'),
};
