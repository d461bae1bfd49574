import type { LeaseTime } from './lease-time.js';

/**
 * One IPv4 static binding, as the engine serves it: from a `--dhcp-hostsfile` line (spec §5.3) or
 * straight from the agent's typed configuration. The hosts-file form is e.g.
 * `fa:16:3e:b2:03:74,id:01:fa:16:3e:b2:03:74,host-10-60-0-50.openstacklocal,10.60.0.50,set:port-a1dc…`.
 */
export interface HostBinding {
  /** Lower-case colon-separated MACs (`fa:16:3e:b2:03:74`); usually one, may be none with a client-id. */
  readonly macs: readonly string[];
  /** Client identifier (option 61) as lower-case colon hex, from `id:`; `id:*` (ignore client-id) → undefined. */
  readonly clientId: string | undefined;
  /** The fixed IPv4 address, as an unsigned 32-bit number. */
  readonly ip: number;
  /** The name as written (often an FQDN such as `host-10-0-0-5.openstacklocal`), if any. */
  readonly name: string | undefined;
  /** Tags set by `set:` (or the old `net:`), used to select per-host options. */
  readonly tags: readonly string[];
  /** Per-host lease time, when the line gives one. */
  readonly lease: LeaseTime | undefined;
  /** `ignore`: the host must never be answered. */
  readonly ignore: boolean;
  /** 1-based line number, for messages. */
  readonly line: number;
}

const MAC_PATTERN = /^[0-9a-f]{1,2}(?::[0-9a-f]{1,2}){5}$/i;
const HEX_ID_PATTERN = /^[0-9a-f]{1,2}(?::[0-9a-f]{1,2})*$/i;
const NAME_PATTERN = /^[a-z0-9_]([a-z0-9_.-]*[a-z0-9_.])?$/i;

/** True for a 6-octet colon MAC (`fa:16:3e:00:00:05`, octets of one or two hex digits). */
export function isMac(text: string): boolean {
  return MAC_PATTERN.test(text);
}

/** True for a name dnsmasq accepts on a hosts line (letters, digits, `_`, `-`, `.`; a trailing dot is fine). */
export function isHostName(text: string): boolean {
  return NAME_PATTERN.test(text);
}

/** Normalises `F:16:3e:…` to two lower-case hex digits per octet (cheap when already normal). */
export function normaliseHex(text: string): string {
  if (text.length === 17) return text.toLowerCase();
  return text
    .toLowerCase()
    .split(':')
    .map((octet) => (octet.length === 1 ? `0${octet}` : octet))
    .join(':');
}

/** Client-id text → colon hex. dnsmasq reads `id:` as hex octets when it looks like them, else as a string. */
export function clientIdFromText(text: string): string {
  if (HEX_ID_PATTERN.test(text) && text.includes(':')) return normaliseHex(text);
  return Array.from(Buffer.from(text, 'latin1'), (byte) => byte.toString(16).padStart(2, '0')).join(':');
}
