import type { Ipv4 } from '../common/ipv4.js';
import type { DhcpMessage, MessageTypeName } from '../dhcp/types.js';
import type { BootFields } from './boot-fields.js';
import type { ClientMatch } from './client-match.js';
import type { HostBinding } from './host-binding.js';
import type { HostLookup } from './host-table.js';
import type { LeaseTime } from './lease-time.js';
import type { OptionSetting } from './option-setting.js';
import type { ReplyDestination } from './reply-destination.js';

/** One subnet the server answers on: a `--dhcp-range` plus the server's own address for it. */
export interface ServedSubnet {
  /** `set:TAG` of the range (Neutron: `subnet-<uuid>`), applied to every client on this subnet. */
  readonly tag: string | undefined;
  readonly network: number;
  readonly mask: number;
  readonly prefixLength: number;
  /** Directed broadcast address, sent as option 28. */
  readonly broadcast: number;
  readonly lease: LeaseTime;
  /** Server identifier (option 54) and siaddr: our address in this subnet, or our primary address. */
  readonly serverAddress: number;
  /** True when the served interface has an address in this subnet (clients can be on-link). */
  readonly onLink: boolean;
  /** `10.77.0.0/16`, for traces and logs. */
  readonly label: string;
}

/** Fixed configuration of one server instance (from the command line and the interface). */
export interface EngineConfig {
  /** Interface name, shown in traces (`DHCPDISCOVER(ns-1234)`). */
  readonly interfaceName: string;
  readonly subnets: readonly ServedSubnet[];
  /** `--domain`: option 15 unless configured otherwise. */
  readonly domain: string | undefined;
  /** DNS is served (`--port` ≠ 0): clients asking for option 6 with none configured get our address. */
  readonly dnsEnabled: boolean;
  /** `--dhcp-match` / `--dhcp-userclass`: tags a request sets by what it carries (client-match.ts). */
  readonly clientMatches: readonly ClientMatch[];
}

/** The reloadable part: hosts and options files. Swapped as one reference on SIGHUP. */
export interface ServerTables {
  readonly hosts: HostLookup;
  /** Command-line options first, then opts-file lines, in order (later wins on ties). */
  readonly options: readonly OptionSetting[];
}

/** Why a request got no reply. The caller counts these by name. */
export type DropReason =
  | 'not-a-request'
  | 'no-message-type'
  | 'unsupported-message-type'
  | 'no-subnet'
  | 'unknown-client'
  | 'wrong-subnet'
  | 'ignored-host'
  | 'not-for-us'
  | 'bad-request'
  | 'release'
  | 'decline';

/** What the engine decided for one request. */
export type Decision =
  | {
      readonly kind: 'reply';
      readonly requestType: MessageTypeName;
      readonly replyType: 'OFFER' | 'ACK' | 'NAK';
      readonly reply: DhcpMessage;
      readonly destination: ReplyDestination;
      /** Option 57 limit for the encoder, when the client sent one (RFC 2132 §9.10). */
      readonly maxMessageSize: number | undefined;
      readonly host: HostBinding | undefined;
      readonly mac: string;
      /** The address the exchange is about, for logs: yiaddr, ciaddr (INFORM), or the one refused (NAK). */
      readonly address: Ipv4;
      readonly trace: readonly string[] | undefined;
    }
  | {
      readonly kind: 'drop';
      readonly requestType: MessageTypeName | undefined;
      readonly reason: DropReason;
      readonly detail: string;
      readonly host: HostBinding | undefined;
      readonly mac: string;
      readonly trace: readonly string[] | undefined;
    };

/** Per-request working state passed through the stages. Created per call; never shared. */
export interface Exchange {
  readonly request: DhcpMessage;
  readonly requestType: MessageTypeName;
  readonly mac: string;
  readonly clientId: string | undefined;
  readonly config: EngineConfig;
  readonly tables: ServerTables;
  /** Subnets the request may be served on (the giaddr's subnet, or the interface's subnets). */
  candidateSubnets: readonly ServedSubnet[];
  host: HostBinding | undefined;
  subnet: ServedSubnet | undefined;
  replyType: 'OFFER' | 'ACK' | 'NAK' | undefined;
  /** Option 56 text for a NAK. */
  nakMessage: string | undefined;
  /** The address a NAK refused (requested address or ciaddr), for logs. */
  refusedAddress: number | undefined;
  /** Reply options, in the order they will be written. */
  readonly replyOptions: Map<number, Uint8Array>;
  /** siaddr / sname / file from configured boot options (boot-fields.ts), when any applied. */
  bootFields: BootFields | undefined;
  /** log-dhcp lines when tracing, else undefined (no cost). */
  readonly trace: string[] | undefined;
}

/** What a stage tells the pipeline. */
export type StageOutcome =
  | { readonly kind: 'continue' }
  | { readonly kind: 'drop'; readonly reason: DropReason; readonly detail: string };

/** A named step of the pipeline (coredhcp-style handler): reads and fills the exchange. */
export interface Stage {
  readonly name: string;
  run(exchange: Exchange): StageOutcome;
}

/** The shared "keep going" value. */
export const CONTINUE: StageOutcome = Object.freeze({ kind: 'continue' });

/** Shorthand for a drop outcome. */
export function drop(reason: DropReason, detail: string): StageOutcome {
  return { kind: 'drop', reason, detail };
}
