/**
 * Typed value codecs, one per option kind, and the typed getters derived from the option table.
 * Decoders return ok/malformed; getters add absent (STYLE.md 7.2 #2).
 */

import { type Ipv4, readIpv4, writeIpv4 } from '../common/ipv4.js';
import { decodeDomainList, encodeDomainList } from './domain-list.js';
import { DhcpEncodeError } from './errors.js';
import { latin1Text } from './latin1.js';
import { messageTypeCode, messageTypeName } from './message-type.js';
import {
  type KindedOptionValue,
  type KnownOptionCode,
  type OptionKind,
  type OptionKindValues,
  type OptionValue,
  optionByCode,
  type RelaySubOption,
} from './option-table.js';
import { decodeRoutes, encodeRoutes } from './routes.js';
import type { DhcpMessage, DhcpOptions, OptionRead } from './types.js';

type Decoders = { readonly [K in OptionKind]: (data: Uint8Array) => OptionRead<OptionKindValues[K]> };
type Encoders = { readonly [K in OptionKind]: (value: OptionKindValues[K]) => Uint8Array };

function ok<T>(value: T): OptionRead<T> {
  return { status: 'ok', value };
}
function malformed<T>(reason: string): OptionRead<T> {
  return { status: 'malformed', reason };
}
function exactLength<T>(data: Uint8Array, length: number, read: () => T): OptionRead<T> {
  return data.length === length ? ok(read()) : malformed(`length ${data.length}, expected ${length}`);
}
function uint32At(data: Uint8Array, offset: number): number {
  return (
    ((data[offset]! << 24) | (data[offset + 1]! << 16) | (data[offset + 2]! << 8) | data[offset + 3]!) >>> 0
  );
}
function latin1(data: Uint8Array): string {
  let end = data.length;
  while (end > 0 && data[end - 1] === 0) end--; // some clients NUL-terminate (e.g. hostname)
  return latin1Text(data, 0, end);
}

const DECODERS: Decoders = {
  ipv4: (d) => exactLength(d, 4, () => readIpv4(d, 0)),
  'ipv4-list': (d) => {
    if (d.length === 0 || d.length % 4 !== 0)
      return malformed(`length ${d.length} is not a positive multiple of 4`);
    const list: Ipv4[] = [];
    for (let i = 0; i < d.length; i += 4) list.push(readIpv4(d, i));
    return ok(list);
  },
  uint8: (d) => exactLength(d, 1, () => d[0]!),
  uint16: (d) => exactLength(d, 2, () => (d[0]! << 8) | d[1]!),
  uint32: (d) => exactLength(d, 4, () => uint32At(d, 0)),
  int32: (d) => exactLength(d, 4, () => uint32At(d, 0) | 0),
  string: (d) => ok(latin1(d)),
  bool: (d) => {
    if (d.length !== 1) return malformed(`length ${d.length}, expected 1`);
    const v = d[0]!;
    return v <= 1 ? ok(v === 1) : malformed(`boolean byte ${v} is not 0 or 1`);
  },
  bytes: (d) => ok(d),
  'message-type': (d) => {
    if (d.length !== 1) return malformed(`length ${d.length}, expected 1`);
    const name = messageTypeName(d[0]!);
    return name === undefined ? malformed(`unknown message type ${d[0]}`) : ok(name);
  },
  'parameter-list': (d) => ok(Array.from(d)),
  routes: decodeRoutes,
  'domain-list': decodeDomainList,
  'relay-agent-info': (d) => {
    const list: RelaySubOption[] = [];
    let position = 0;
    while (position < d.length) {
      if (position + 2 > d.length) return malformed(`sub-option at byte ${position} has no length`);
      const end = position + 2 + d[position + 1]!;
      if (end > d.length) return malformed(`sub-option at byte ${position} overruns the option`);
      list.push({ code: d[position]!, value: d.subarray(position + 2, end) });
      position = end;
    }
    return ok(list);
  },
};

function uintBytes(value: number, width: 1 | 2 | 4, signed = false): Uint8Array {
  const min = signed ? -(2 ** (width * 8 - 1)) : 0;
  const max = signed ? 2 ** (width * 8 - 1) - 1 : 2 ** (width * 8) - 1;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new DhcpEncodeError(`${value} is not an integer ${min}..${max}`);
  }
  const out = new Uint8Array(width);
  for (let i = 0; i < width; i++) out[i] = (value >>> ((width - 1 - i) * 8)) & 0xff;
  return out;
}
function addressBytes(addresses: readonly Ipv4[]): Uint8Array {
  const out = new Uint8Array(addresses.length * 4);
  addresses.forEach((address, i) => {
    if (!Number.isInteger(address) || address < 0 || address > 0xffffffff)
      throw new DhcpEncodeError(`${address} is not an IPv4 address (uint32)`);
    writeIpv4(out, i * 4, address);
  });
  return out;
}
function latin1Bytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0xff) throw new DhcpEncodeError(`text '${text}' is not latin1`);
    out[i] = c;
  }
  return out;
}

const ENCODERS: Encoders = {
  ipv4: (v) => addressBytes([v]),
  'ipv4-list': (v) => addressBytes(v),
  uint8: (v) => uintBytes(v, 1),
  uint16: (v) => uintBytes(v, 2),
  uint32: (v) => uintBytes(v, 4),
  int32: (v) => uintBytes(v, 4, true),
  string: latin1Bytes,
  bool: (v) => Uint8Array.of(v ? 1 : 0),
  bytes: (v) => v,
  'message-type': (v) => Uint8Array.of(messageTypeCode(v)),
  'parameter-list': (v) => {
    for (const code of v) uintBytes(code, 1);
    return Uint8Array.from(v);
  },
  routes: encodeRoutes,
  'domain-list': encodeDomainList,
  'relay-agent-info': (v) => {
    const length = v.reduce((sum, s) => sum + 2 + s.value.length, 0);
    const out = new Uint8Array(length);
    let position = 0;
    for (const sub of v) {
      uintBytes(sub.code, 1);
      if (sub.value.length > 255) throw new DhcpEncodeError(`relay sub-option ${sub.code} is over 255 bytes`);
      out[position] = sub.code;
      out[position + 1] = sub.value.length;
      out.set(sub.value, position + 2);
      position += 2 + sub.value.length;
    }
    return out;
  },
};

/** Decodes option value bytes as `kind`: ok or malformed (with a reason), never throws. */
export function decodeOptionValue<K extends OptionKind>(
  kind: K,
  data: Uint8Array,
): OptionRead<OptionKindValues[K]> {
  return DECODERS[kind](data);
}

/**
 * Encodes a typed value as option bytes of `kind`.
 * @throws {DhcpEncodeError} when the value is out of range or not well-formed for the kind.
 * @internal the options table tests encode values one by one with it; production encodes whole options.
 */
export function encodeOptionValue<K extends OptionKind>(kind: K, value: OptionKindValues[K]): Uint8Array {
  return ENCODERS[kind](value);
}

/**
 * Encodes a kind-tagged value (see {@link KindedOptionValue}).
 * @throws {DhcpEncodeError} when the value is out of range or not well-formed for the kind.
 */
export function encodeKindedValue(typed: KindedOptionValue): Uint8Array {
  // The union pairs each kind with its value type; TypeScript cannot correlate them through the lookup.
  return (ENCODERS[typed.kind] as (value: KindedOptionValue['value']) => Uint8Array)(typed.value);
}

/**
 * Typed read of a known option from a message (or an options map): absent, malformed (with reason) or ok.
 * @example
 * const routes = readOption(message, 121); // OptionRead<readonly ClasslessRoute[]>
 * if (routes.status === 'ok') routes.value[0]?.router;
 */
export function readOption<C extends KnownOptionCode>(
  source: DhcpMessage | DhcpOptions,
  code: C,
): OptionRead<OptionValue<C>> {
  const options = 'options' in source ? (source as DhcpMessage).options : (source as DhcpOptions);
  const data = options.get(code);
  if (data === undefined) return { status: 'absent' };
  const kind = optionByCode(code)!.kind;
  return decodeOptionValue(kind, data) as OptionRead<OptionValue<C>>;
}

/**
 * Option bytes for a typed value of a known option, ready for a `DhcpOptions` map.
 * @throws {DhcpEncodeError} when the value is not valid for the option.
 * @example
 * options.set(51, encodeOption(51, 86400));
 */
export function encodeOption<C extends KnownOptionCode>(code: C, value: OptionValue<C>): Uint8Array {
  const kind = optionByCode(code)!.kind;
  return (ENCODERS[kind] as (v: OptionValue<C>) => Uint8Array)(value);
}
