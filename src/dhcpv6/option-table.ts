/**
 * The one DHCPv6 option table: wire code ⇄ option type (the `type` of `Dhcpv6Option`, `types.ts`), with the
 * RFC section that defines it. Codes not listed decode as `unknown` and are kept byte-exact.
 */
import type { OptionType } from './types.js';

type KnownType = Exclude<OptionType, 'unknown'>;

/** Code and defining section of every typed option. */
export const OPTION_TABLE: Readonly<Record<KnownType, { readonly code: number; readonly rfc: string }>> = {
  'client-id': { code: 1, rfc: 'RFC 8415 §21.2' },
  'server-id': { code: 2, rfc: 'RFC 8415 §21.3' },
  'ia-na': { code: 3, rfc: 'RFC 8415 §21.4' },
  'ia-ta': { code: 4, rfc: 'RFC 8415 §21.5' },
  'ia-addr': { code: 5, rfc: 'RFC 8415 §21.6' },
  oro: { code: 6, rfc: 'RFC 8415 §21.7' },
  preference: { code: 7, rfc: 'RFC 8415 §21.8' },
  'elapsed-time': { code: 8, rfc: 'RFC 8415 §21.9' },
  'relay-message': { code: 9, rfc: 'RFC 8415 §21.10' },
  'status-code': { code: 13, rfc: 'RFC 8415 §21.13' },
  'rapid-commit': { code: 14, rfc: 'RFC 8415 §21.14' },
  'dns-server': { code: 23, rfc: 'RFC 3646 §3' },
  'domain-search': { code: 24, rfc: 'RFC 3646 §4' },
  'ia-pd': { code: 25, rfc: 'RFC 8415 §21.21' },
  'ia-prefix': { code: 26, rfc: 'RFC 8415 §21.22' },
  'information-refresh-time': { code: 32, rfc: 'RFC 8415 §21.23' },
  'client-linklayer-addr': { code: 79, rfc: 'RFC 6939 §4' },
};

const TYPE_BY_CODE = new Map<number, KnownType>(
  (Object.entries(OPTION_TABLE) as [KnownType, { code: number }][]).map(([type, { code }]) => [code, type]),
);

/** The typed option of a wire code, or undefined (decoded as `unknown`). */
export function optionTypeOf(code: number): KnownType | undefined {
  return TYPE_BY_CODE.get(code);
}

/** The wire code of an option type. */
export function optionCode(option: { readonly type: OptionType; readonly code?: number }): number {
  return option.type === 'unknown' ? option.code! : OPTION_TABLE[option.type].code;
}

/** Status codes (RFC 8415 §21.13 and IANA's registry) a server sends. */
export const STATUS = {
  Success: 0,
  UnspecFail: 1,
  NoAddrsAvail: 2,
  NoBinding: 3,
  NotOnLink: 4,
  UseMulticast: 5,
  NoPrefixAvail: 6,
} as const;
