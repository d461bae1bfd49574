/**
 * Typed DHCPv6 messages (RFC 8415). A message keeps its options as a list in wire order, repeats included,
 * so that encoding a decoded message gives back the same bytes (round-trip identity, `roundtrip.property.test.ts`).
 * IPv6 addresses are `bigint` values, the representation `ipam/` uses (`formatIp(6, value)` gives the text).
 */
import type { ClientServerTypeName, RelayTypeName } from './message-types.js';

/** A DHCP Unique Identifier (RFC 8415 §11); `other` keeps types RFC 8415 does not define, byte-exact. */
export type Duid =
  | {
      /** DUID-LLT (§11.2): hardware type, seconds since 2000-01-01 UTC mod 2^32, link-layer address. */
      readonly kind: 'llt';
      readonly hardwareType: number;
      readonly time: number;
      readonly linkLayerAddress: Uint8Array;
    }
  | {
      /** DUID-EN (§11.3): IANA enterprise number and an identifier of the vendor's choosing. */
      readonly kind: 'en';
      readonly enterpriseNumber: number;
      readonly identifier: Uint8Array;
    }
  | {
      /** DUID-LL (§11.4): hardware type and link-layer address. */
      readonly kind: 'll';
      readonly hardwareType: number;
      readonly linkLayerAddress: Uint8Array;
    }
  | {
      /** DUID-UUID (RFC 6355): 16 bytes. */
      readonly kind: 'uuid';
      readonly uuid: Uint8Array;
    }
  | { readonly kind: 'other'; readonly duidType: number; readonly data: Uint8Array };

/**
 * One option, told apart by `type` (the names are dnsmasq's `option6:` names where it has one); the wire
 * code of each type is in `option-table.ts`. `unknown` keeps any other code byte-exact.
 */
export type Dhcpv6Option =
  | { readonly type: 'client-id'; readonly duid: Duid } // 1, RFC 8415 §21.2
  | { readonly type: 'server-id'; readonly duid: Duid } // 2, §21.3
  | {
      // 3, §21.4: non-temporary addresses
      readonly type: 'ia-na';
      readonly iaid: number;
      readonly t1: number;
      readonly t2: number;
      readonly options: readonly Dhcpv6Option[];
    }
  | { readonly type: 'ia-ta'; readonly iaid: number; readonly options: readonly Dhcpv6Option[] } // 4, §21.5
  | {
      // 5, §21.6
      readonly type: 'ia-addr';
      readonly address: bigint;
      readonly preferredLifetime: number;
      readonly validLifetime: number;
      readonly options: readonly Dhcpv6Option[];
    }
  | { readonly type: 'oro'; readonly requested: readonly number[] } // 6, §21.7
  | { readonly type: 'preference'; readonly preference: number } // 7, §21.8
  | { readonly type: 'elapsed-time'; readonly centiseconds: number } // 8, §21.9
  | { readonly type: 'relay-message'; readonly message: Dhcpv6Message } // 9, §21.10
  | { readonly type: 'status-code'; readonly status: number; readonly message: string } // 13, §21.13
  | { readonly type: 'rapid-commit' } // 14, §21.14
  | { readonly type: 'dns-server'; readonly servers: readonly bigint[] } // 23, RFC 3646 §3
  | { readonly type: 'domain-search'; readonly domains: readonly string[] } // 24, RFC 3646 §4
  | {
      // 25, §21.21: kept typed so a server can answer NoPrefixAvail; qdhcp delegates no prefixes
      readonly type: 'ia-pd';
      readonly iaid: number;
      readonly t1: number;
      readonly t2: number;
      readonly options: readonly Dhcpv6Option[];
    }
  | {
      // 26, §21.22
      readonly type: 'ia-prefix';
      readonly preferredLifetime: number;
      readonly validLifetime: number;
      readonly prefixLength: number;
      readonly prefix: bigint;
      readonly options: readonly Dhcpv6Option[];
    }
  | { readonly type: 'information-refresh-time'; readonly seconds: number } // 32, §21.23
  | { readonly type: 'client-linklayer-addr'; readonly hardwareType: number; readonly address: Uint8Array } // 79, RFC 6939
  | { readonly type: 'unknown'; readonly code: number; readonly data: Uint8Array };

/** The name of an option type. */
export type OptionType = Dhcpv6Option['type'];
/** The option of type `T`, e.g. `OptionOf<'ia-na'>`. */
export type OptionOf<T extends OptionType> = Extract<Dhcpv6Option, { readonly type: T }>;

/** A client/server message (RFC 8415 §8). */
export interface ClientServerMessage {
  readonly kind: 'client-server';
  readonly type: ClientServerTypeName;
  /** 24 bits. */
  readonly transactionId: number;
  readonly options: readonly Dhcpv6Option[];
}

/** A relay agent/server message (RFC 8415 §9); the relayed message is in option 9. */
export interface RelayMessage {
  readonly kind: 'relay';
  readonly type: RelayTypeName;
  readonly hopCount: number;
  readonly linkAddress: bigint;
  readonly peerAddress: bigint;
  readonly options: readonly Dhcpv6Option[];
}

/** Any DHCPv6 message. */
export type Dhcpv6Message = ClientServerMessage | RelayMessage;
