import {
  CLIENT_TYPES,
  type ClientServerMessage,
  type Dhcpv6Option,
  duidLlFromMac,
  findOption,
  isEncodableName,
  STATUS,
} from '../dhcpv6/index.js';
import { type Cidr, cidrContains, parseIp } from '../ipam/index.js';
import { clientMac, duidHex } from './client-match.js';
import { readPortOptions } from './extra-options.js';
import type { Dhcpv6Lookup, PreparedHost, PreparedSubnet } from './host-table.js';
import { answerIas, requestedAddresses, status } from './ia-answers.js';
import { checkIdentifiers } from './identifiers.js';
import { INFINITY } from './lifetimes.js';
import { unwrapRelays, wrapInRelays } from './relay.js';
import type { SubnetService } from './subnet-service.js';
import type {
  Dhcpv6Decision,
  Dhcpv6DropReason,
  Dhcpv6EngineConfig,
  Dhcpv6Host,
  Dhcpv6Request,
  Dhcpv6Subnet,
} from './types.js';

const DNS_SERVERS = 23;
const DOMAIN_LIST = 24;
/** Messages whose answer is about the client's addresses: they need a known host (a port). */
const ADDRESS_TYPES = new Set(['SOLICIT', 'REQUEST', 'RENEW', 'REBIND', 'RELEASE', 'DECLINE']);

type Served = {
  readonly subnet: Dhcpv6Subnet;
  readonly service: SubnetService & { kind: 'stateful' | 'stateless' };
};

function drop(
  requestType: ClientServerMessage['type'] | undefined,
  reason: Dhcpv6DropReason,
  detail: string,
  mac?: string,
): Dhcpv6Decision {
  return { kind: 'drop', requestType, reason, detail, mac };
}

/**
 * Decides the answer to one DHCPv6 message, in named stages: unwrap relays → identifier checks (RFC 8415 §16)
 * → the link's subnets and their Neutron modes (`subnet-service.ts`) → the client's port (`client-match.ts`)
 * → the answer for the message type → wrapped back in Relay-repl. Pure: no sockets, clock or logging.
 *
 * @example
 * const decision = handleDhcpv6(decodeMessage(payload), config, table); // table: a Dhcpv6HostTable
 * if (decision.kind === 'reply') send(encodeMessage(decision.reply), sourceAddress, decision.destinationPort);
 */
export function handleDhcpv6(
  request: Dhcpv6Request,
  config: Dhcpv6EngineConfig,
  table: Dhcpv6Lookup,
): Dhcpv6Decision {
  // Stage 1: relays.
  const unwrapped = unwrapRelays(request.message);
  if (unwrapped === undefined)
    return drop(undefined, 'relay-without-message', 'Relay-repl, or a relay without option 9');
  const { client, relays } = unwrapped;
  const type = client.type;
  if (!CLIENT_TYPES.has(type)) {
    return drop(type, 'not-a-client-message', `${type} is sent by servers`);
  }
  // Stage 2: identifiers.
  const serverDuid = serverDuidOf(config.serverMac);
  const invalid = checkIdentifiers(client, serverDuid);
  if (invalid !== undefined) return drop(type, invalid.reason, invalid.detail);
  // Stage 3: subnets of the link (of the relay's link-address when relayed).
  const linkAddress = relays.at(-1)?.linkAddress ?? 0n;
  const served = servedSubnets(table.subnets, linkAddress);
  const stateful = served.filter((s) => s.service.kind === 'stateful');
  if (type === 'INFORMATION-REQUEST' ? served.length === 0 : stateful.length === 0) {
    return drop(type, 'no-subnet', noSubnetDetail(table.subnets, type));
  }
  // Stage 4: the client's port.
  const clientDuid = findOption(client.options, 'client-id')?.duid;
  const found = clientMac(clientDuid, relays, relays.length === 0 ? request.linkLayerAddress : undefined);
  const duidKey = clientDuid !== undefined && table.hasClientDuids ? duidHex(clientDuid) : undefined;
  const prepared = table.find(duidKey, found?.mac);
  const host = prepared?.host;
  const mac = found?.mac;
  const addresses = prepared === undefined ? [] : hostAddresses(prepared, stateful);
  if (ADDRESS_TYPES.has(type)) {
    if (host === undefined) {
      const why =
        found === undefined
          ? 'no MAC in the DUID, no option 79, no link-layer address'
          : `no port has MAC ${mac}`;
      return drop(type, 'unknown-client', why, mac);
    }
    if (addresses.length === 0) {
      return drop(
        type,
        'no-address',
        `port ${host.portId} has no address on a dhcpv6-stateful subnet of this link`,
        mac,
      );
    }
  }
  // Stage 5: the answer.
  const portOptions = readPortOptions(host?.extraOptions ?? []);
  const head: Dhcpv6Option[] = [];
  const clientId = findOption(client.options, 'client-id');
  if (clientId !== undefined) head.push(clientId);
  head.push({ type: 'server-id', duid: serverDuid });
  let body: Dhcpv6Option[];
  let replyType: 'ADVERTISE' | 'REPLY' = 'REPLY';
  switch (type) {
    case 'SOLICIT': {
      const rapid = config.rapidCommit && findOption(client.options, 'rapid-commit') !== undefined;
      if (rapid) head.push({ type: 'rapid-commit' });
      else replyType = 'ADVERTISE';
      body = [
        ...answerIas(client.options, addresses, config.leaseSeconds, STATUS.NoAddrsAvail),
        status(STATUS.Success),
      ];
      if (!rapid) body.push({ type: 'preference', preference: 0 });
      break;
    }
    case 'REQUEST':
      body = [
        ...answerIas(client.options, addresses, config.leaseSeconds, STATUS.NoAddrsAvail),
        status(STATUS.Success),
      ];
      break;
    case 'RENEW':
    case 'REBIND':
      // No top-level status here, as dnsmasq (test/fixtures/dhcpv6/dnsmasq-reply-renew).
      body = answerIas(client.options, addresses, config.leaseSeconds, STATUS.NoBinding);
      break;
    case 'CONFIRM': {
      const named = requestedAddresses(client.options);
      if (named.length === 0)
        return drop(type, 'nothing-to-confirm', 'Confirm without addresses (RFC 8415 §18.3.3)', mac);
      const onLink = named.every((address) => stateful.some((s) => cidrContains(s.service.cidr, address)));
      body = [
        onLink
          ? { ...status(STATUS.Success), message: 'all addresses still on link' }
          : status(STATUS.NotOnLink),
      ];
      return reply(type, 'REPLY', client, [...head, ...body], relays, host, found, portOptions.ignored);
    }
    case 'RELEASE':
      body = [{ ...status(STATUS.Success), message: 'release received' }];
      return reply(type, 'REPLY', client, [...head, ...body], relays, host, found, portOptions.ignored);
    case 'DECLINE':
      body = [{ ...status(STATUS.Success), message: 'decline received' }];
      return reply(type, 'REPLY', client, [...head, ...body], relays, host, found, portOptions.ignored);
    default:
      body = [];
  }
  // Stage 6: DNS and domain, when the client asked for them (ORO, RFC 8415 §21.7).
  const requested = new Set(findOption(client.options, 'oro')?.requested ?? []);
  if (requested.has(DOMAIN_LIST)) {
    const domains =
      portOptions.domains ?? (isEncodableName(config.domain) && config.domain !== '' ? [config.domain] : []);
    if (domains.length > 0) body.push({ type: 'domain-search', domains });
  }
  if (requested.has(DNS_SERVERS)) {
    const servers = portOptions.dnsServers ?? subnetDnsServers(served);
    if (servers.length > 0) body.push({ type: 'dns-server', servers });
  }
  if (type === 'INFORMATION-REQUEST') {
    body.push({
      type: 'information-refresh-time',
      seconds: config.leaseSeconds < 0 ? INFINITY : config.leaseSeconds,
    });
  }
  return reply(type, replyType, client, [...head, ...body], relays, host, found, portOptions.ignored);
}

function reply(
  requestType: ClientServerMessage['type'],
  replyType: 'ADVERTISE' | 'REPLY',
  request: ClientServerMessage,
  options: Dhcpv6Option[],
  relays: Parameters<typeof wrapInRelays>[1],
  host: Dhcpv6Host | undefined,
  found: ReturnType<typeof clientMac>,
  ignored: readonly string[],
): Dhcpv6Decision {
  const answer: ClientServerMessage = {
    kind: 'client-server',
    type: replyType,
    transactionId: request.transactionId,
    options,
  };
  return {
    kind: 'reply',
    requestType,
    replyType,
    reply: wrapInRelays(answer, relays),
    answer,
    destinationPort: relays.length === 0 ? 546 : 547,
    host,
    mac: found?.mac,
    macSource: found?.source,
    ignored,
  };
}

/** The subnets DHCPv6 serves on the link; for a relayed message with a link-address, those containing it. */
function servedSubnets(subnets: readonly PreparedSubnet[], linkAddress: bigint): Served[] {
  const served: Served[] = [];
  for (const { subnet, service } of subnets) {
    if (service.kind === 'none') continue;
    if (linkAddress !== 0n && !cidrContains(service.cidr, linkAddress)) continue;
    served.push({ subnet, service });
  }
  return served;
}

function noSubnetDetail(subnets: readonly PreparedSubnet[], type: string): string {
  if (subnets.length === 0) return 'no IPv6 subnet on this link';
  const why = subnets.map(
    ({ subnet, service }) => `${subnet.id}: ${service.kind === 'none' ? service.why : service.kind}`,
  );
  return `${type} needs a ${type === 'INFORMATION-REQUEST' ? 'DHCPv6' : 'dhcpv6-stateful'} subnet (${why.join('; ')})`;
}

/** The host's addresses on the stateful subnets served here (an address outside its subnet's CIDR is skipped). */
function hostAddresses(host: PreparedHost, stateful: readonly Served[]): bigint[] {
  const addresses: bigint[] = [];
  for (const { subnetId, address } of host.addresses) {
    const subnet = stateful.find((s) => s.subnet.id === subnetId);
    if (subnet === undefined || address === undefined) continue;
    if (cidrContains(subnet.service.cidr as Cidr, address)) addresses.push(address);
  }
  return addresses;
}

/** The server DUID of the last MAC asked (one server per engine user; DUID-LL built once, not per packet). */
let lastServerDuid: { readonly mac: string; readonly duid: ReturnType<typeof duidLlFromMac> } | undefined;

function serverDuidOf(mac: string): ReturnType<typeof duidLlFromMac> {
  if (lastServerDuid?.mac !== mac) lastServerDuid = { mac, duid: duidLlFromMac(mac) };
  return lastServerDuid.duid;
}

/** `dns_nameservers` of the served subnets, else the DHCP port's address on each (dnsmasq's default). */
function subnetDnsServers(served: readonly Served[]): bigint[] {
  const servers: bigint[] = [];
  for (const { subnet } of served) {
    const texts = subnet.dnsNameservers.length > 0 ? subnet.dnsNameservers : [subnet.dhcpPortAddress ?? ''];
    for (const text of texts) {
      const parsed = parseIp(text);
      if (parsed.ok && parsed.value.version === 6 && !servers.includes(parsed.value.value))
        servers.push(parsed.value.value);
    }
  }
  return servers;
}
