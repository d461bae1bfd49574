/**
 * DUIDs (RFC 8415 §11, RFC 6355): bytes ⇄ {@link Duid}, and the MAC a DUID carries, which is how dnsmasq
 * under Neutron finds the port of a DHCPv6 client (dnsmasq's `get_client_mac`; docs/dhcpv6.md).
 */
import { Dhcpv6DecodeError } from './errors.js';
import type { Duid } from './types.js';
import { type ByteWriter, readU16, readU32 } from './wire.js';

/** Hardware type Ethernet (IANA ARP parameters), the only one with a 6-byte MAC. */
export const HARDWARE_ETHERNET = 1;

/** Decodes the DUID in `data[start, end)`; `offset` is reported in errors (the option's position). */
export function decodeDuid(data: Uint8Array, start: number, end: number): Duid {
  const length = end - start;
  if (length < 2) throw new Dhcpv6DecodeError(start, `DUID of ${length} bytes, need at least 2`);
  const duidType = readU16(data, start);
  const need = (minimum: number, name: string) => {
    if (length < minimum) throw new Dhcpv6DecodeError(start, `${name} of ${length} bytes, need ${minimum}`);
  };
  switch (duidType) {
    case 1:
      need(8, 'DUID-LLT');
      return {
        kind: 'llt',
        hardwareType: readU16(data, start + 2),
        time: readU32(data, start + 4),
        linkLayerAddress: data.subarray(start + 8, end),
      };
    case 2:
      need(6, 'DUID-EN');
      return {
        kind: 'en',
        enterpriseNumber: readU32(data, start + 2),
        identifier: data.subarray(start + 6, end),
      };
    case 3:
      need(4, 'DUID-LL');
      return {
        kind: 'll',
        hardwareType: readU16(data, start + 2),
        linkLayerAddress: data.subarray(start + 4, end),
      };
    case 4:
      if (length !== 18) throw new Dhcpv6DecodeError(start, `DUID-UUID of ${length} bytes, must be 18`);
      return { kind: 'uuid', uuid: data.subarray(start + 2, end) };
    default:
      return { kind: 'other', duidType, data: data.subarray(start + 2, end) };
  }
}

/** Writes a DUID (without an option header). */
export function encodeDuid(writer: ByteWriter, duid: Duid): void {
  switch (duid.kind) {
    case 'llt':
      writer.u16(1);
      writer.u16(duid.hardwareType);
      writer.u32(duid.time);
      writer.bytes(duid.linkLayerAddress);
      return;
    case 'en':
      writer.u16(2);
      writer.u32(duid.enterpriseNumber);
      writer.bytes(duid.identifier);
      return;
    case 'll':
      writer.u16(3);
      writer.u16(duid.hardwareType);
      writer.bytes(duid.linkLayerAddress);
      return;
    case 'uuid':
      writer.u16(4);
      writer.bytes(duid.uuid);
      return;
    case 'other':
      writer.u16(duid.duidType);
      writer.bytes(duid.data);
  }
}

/**
 * The Ethernet MAC in a DUID-LLT or DUID-LL (hardware type 1, 6 bytes), as `aa:bb:cc:dd:ee:ff`; undefined for
 * DUID-EN, DUID-UUID and other hardware types, which carry no MAC (the caller then needs the link-layer
 * address from a relay's option 79 or the neighbour table).
 */
export function macFromDuid(duid: Duid): string | undefined {
  if (duid.kind !== 'llt' && duid.kind !== 'll') return undefined;
  if (duid.hardwareType !== HARDWARE_ETHERNET || duid.linkLayerAddress.length !== 6) return undefined;
  return macText(duid.linkLayerAddress);
}

/** `aa:bb:cc:dd:ee:ff` of 6 bytes. */
export function macText(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(':');
}

/** A DUID-LL of an Ethernet MAC (`aa:bb:…`): the server identifier qdhcp uses (the DHCP port's MAC). */
export function duidLlFromMac(mac: string): Duid {
  const bytes = Uint8Array.from(mac.split(':'), (part) => Number.parseInt(part, 16));
  return { kind: 'll', hardwareType: HARDWARE_ETHERNET, linkLayerAddress: bytes };
}

/** Whether two DUIDs are the same bytes (RFC 8415 §11: DUIDs are compared as opaque values). */
export function sameDuid(a: Duid, b: Duid): boolean {
  if (a.kind !== b.kind) return false;
  const bytes = (d: Duid): [number, number, Uint8Array] => {
    switch (d.kind) {
      case 'llt':
        return [d.hardwareType, d.time, d.linkLayerAddress];
      case 'en':
        return [d.enterpriseNumber, 0, d.identifier];
      case 'll':
        return [d.hardwareType, 0, d.linkLayerAddress];
      case 'uuid':
        return [0, 0, d.uuid];
      case 'other':
        return [d.duidType, 0, d.data];
    }
  };
  const [a1, a2, a3] = bytes(a);
  const [b1, b2, b3] = bytes(b);
  return a1 === b1 && a2 === b2 && Buffer.compare(a3, b3) === 0;
}
