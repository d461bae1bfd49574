/** Test helpers: IPv6 text ⇄ the codec's `bigint` values (through `ipam/`, the one home of address text). */
import { formatIp, parseIp } from '../../ipam/index.js';

/** `v6('2001:db8::1')` → the address value; throws on bad text (tests only). */
export function v6(text: string): bigint {
  const parsed = parseIp(text);
  if (!parsed.ok || parsed.value.version !== 6) throw new Error(`not an IPv6 address: ${text}`);
  return parsed.value.value;
}

/** The canonical text of an address value. */
export function v6Text(value: bigint): string {
  return formatIp(6, value);
}

/** Lowercase hex of bytes, for comparing byte fields. */
export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** JSON text of a value that may hold bigints (addresses) and byte arrays, for assertion messages. */
export function show(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'bigint' ? `0x${v.toString(16)}` : v instanceof Uint8Array ? hex(v) : v,
  );
}
