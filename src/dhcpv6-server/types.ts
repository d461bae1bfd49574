/**
 * Inputs and outputs of the DHCPv6 engine (`engine.ts`). Everything is plain data the agent derives from its
 * network model (a later step, docs/dhcpv6.md "Wiring"): the link's IPv6 subnets with their Neutron modes, the
 * hosts (ports) with their fixed IPv6 addresses and `extra_dhcp_opts` of `ip_version` 6, and the server's own
 * identity.
 */
import type { ClientServerMessage, Dhcpv6Message } from '../dhcpv6/index.js';
import type { Ipv6Mode } from '../ipam/index.js';

/** One IPv6 subnet on the link, as Neutron has it. */
export interface Dhcpv6Subnet {
  readonly id: string;
  /** e.g. `2001:db8:77::/64`. */
  readonly cidr: string;
  readonly enableDhcp: boolean;
  readonly ipv6AddressMode: Ipv6Mode | null;
  readonly ipv6RaMode: Ipv6Mode | null;
  /** The subnet's `dns_nameservers` (IPv6 ones); empty → the DHCP port's address on the subnet, as dnsmasq. */
  readonly dnsNameservers: readonly string[];
  /** The DHCP port's address on this subnet, the default DNS server (spec §5.10 for IPv4, the same for v6). */
  readonly dhcpPortAddress: string | undefined;
}

/** One `extra_dhcp_opts` entry with `ip_version` 6, as Neutron stores it (`opt_name`, `opt_value`). */
export interface ExtraOption6 {
  readonly name: string;
  readonly value: string;
}

/** A port: how the engine recognises it and what it gets. */
export interface Dhcpv6Host {
  readonly portId: string;
  /** Lower case `aa:bb:cc:dd:ee:ff`. */
  readonly mac: string;
  /** The port's fixed IPv6 addresses, with the subnet of each. */
  readonly addresses: readonly { readonly subnetId: string; readonly address: string }[];
  /**
   * A client DUID as lower case hex without separators, when the port has a `client-id` extra option: dnsmasq's
   * `id:` host entries, matched before the MAC.
   */
  readonly clientDuid?: string;
  readonly extraOptions: readonly ExtraOption6[];
}

/** The server's identity and Neutron's settings. */
export interface Dhcpv6EngineConfig {
  /** The DHCP port's MAC: the server DUID is DUID-LL of it. */
  readonly serverMac: string;
  /** The agent's `dns_domain`, sent as the domain search list (Neutron's `option6:domain-search`). */
  readonly domain: string;
  /** `dhcp_lease_duration` in seconds; -1 is infinite. */
  readonly leaseSeconds: number;
  /** Answer a Solicit with Rapid Commit by a Reply (RFC 8415 §18.3.1); dnsmasq's `--dhcp-rapid-commit`. */
  readonly rapidCommit: boolean;
}

/** One received message and what the receiver knows about where it came from. */
export interface Dhcpv6Request {
  readonly message: Dhcpv6Message;
  /**
   * The sender's link-layer address when the receiver knows it: the Ethernet source of the frame or the
   * neighbour-table entry of the source address. Not used for relayed messages (it is the relay's).
   */
  readonly linkLayerAddress?: string;
}

/** Why no answer is sent; logged with the detail, counted per reason. */
export type Dhcpv6DropReason =
  | 'not-a-client-message'
  | 'relay-without-message'
  | 'no-client-id'
  | 'unexpected-server-id'
  | 'no-server-id'
  | 'not-for-us'
  | 'ia-in-information-request'
  | 'no-subnet'
  | 'unknown-client'
  | 'no-address'
  | 'nothing-to-confirm';

/** Where the client's MAC came from, in the order they are tried (`client-match.ts`). */
export type MacSource = 'relay-option-79' | 'link-layer' | 'duid';

/** What the engine decided. */
export type Dhcpv6Decision =
  | {
      readonly kind: 'reply';
      readonly requestType: ClientServerMessage['type'];
      readonly replyType: 'ADVERTISE' | 'REPLY';
      /** The message to send: the answer, wrapped in Relay-repl for each relay it came through. */
      readonly reply: Dhcpv6Message;
      /** The answer itself (the innermost message of `reply`). */
      readonly answer: ClientServerMessage;
      /** UDP port to send `reply` to, at the request's source address: 546 (client) or 547 (relay). */
      readonly destinationPort: 546 | 547;
      readonly host: Dhcpv6Host | undefined;
      readonly mac: string | undefined;
      readonly macSource: MacSource | undefined;
      /** Extra options the engine could not use, with why (logged; the answer goes out without them). */
      readonly ignored: readonly string[];
    }
  | {
      readonly kind: 'drop';
      readonly requestType: ClientServerMessage['type'] | undefined;
      readonly reason: Dhcpv6DropReason;
      readonly detail: string;
      readonly mac: string | undefined;
    };
