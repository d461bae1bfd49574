/**
 * Domain names in DHCPv6 options (RFC 8415 §10: RFC 1035 §3.1 wire form, no compression), e.g. the domain
 * search list (24). A name's text is its labels joined by `.`, without the trailing dot of the root.
 * Label bytes are printable ASCII other than `.`, so text ⇄ wire is one-to-one (round-trip identity).
 */
import { Dhcpv6DecodeError, Dhcpv6EncodeError } from './errors.js';
import type { ByteWriter } from './wire.js';

const MAX_LABEL = 63;
const MAX_NAME = 255;
const DOT = 0x2e;

function isLabelByte(byte: number): boolean {
  return byte > 0x20 && byte < 0x7f && byte !== DOT;
}

/** Decodes the names filling `data[start, end)`; every name must end with the root label. */
export function decodeNames(data: Uint8Array, start: number, end: number): string[] {
  const names: string[] = [];
  let position = start;
  while (position < end) {
    const nameStart = position;
    const labels: string[] = [];
    for (;;) {
      if (position >= end) throw new Dhcpv6DecodeError(nameStart, 'domain name not ended by the root label');
      const length = data[position]!;
      if (length === 0) {
        position++;
        break;
      }
      if (length > MAX_LABEL) {
        throw new Dhcpv6DecodeError(
          position,
          `label length byte ${length}: compression is not allowed (RFC 8415 §10)`,
        );
      }
      if (position + 1 + length > end) throw new Dhcpv6DecodeError(position, 'label overruns the option');
      for (let i = position + 1; i <= position + length; i++) {
        if (!isLabelByte(data[i]!)) {
          throw new Dhcpv6DecodeError(i, `byte ${data[i]} in a label (printable ASCII other than '.' only)`);
        }
      }
      labels.push(String.fromCharCode(...data.subarray(position + 1, position + 1 + length)));
      position += 1 + length;
    }
    if (position - nameStart > MAX_NAME) throw new Dhcpv6DecodeError(nameStart, 'domain name over 255 bytes');
    names.push(labels.join('.'));
  }
  return names;
}

/** Whether {@link encodeName} can write `name` (so callers check text from configuration up front). */
export function isEncodableName(name: string): boolean {
  const text = name.endsWith('.') ? name.slice(0, -1) : name;
  if (text === '') return true;
  if (text.length + 2 > MAX_NAME) return false;
  return text.split('.').every((label) => {
    if (label.length === 0 || label.length > MAX_LABEL) return false;
    for (let i = 0; i < label.length; i++) if (!isLabelByte(label.charCodeAt(i))) return false;
    return true;
  });
}

/** Writes one name (`openstacklocal`, `example.org.`; `''` is the root). */
export function encodeName(writer: ByteWriter, name: string): void {
  const text = name.endsWith('.') ? name.slice(0, -1) : name;
  const labels = text === '' ? [] : text.split('.');
  let wireLength = 1;
  for (const label of labels) {
    if (label.length === 0 || label.length > MAX_LABEL) {
      throw new Dhcpv6EncodeError(`domain name '${name}': labels must be 1 to 63 characters`);
    }
    for (let i = 0; i < label.length; i++) {
      if (!isLabelByte(label.charCodeAt(i))) {
        throw new Dhcpv6EncodeError(
          `domain name '${name}': character ${JSON.stringify(label[i])} not allowed`,
        );
      }
    }
    wireLength += 1 + label.length;
  }
  if (wireLength > MAX_NAME) throw new Dhcpv6EncodeError(`domain name '${name}' is over 255 bytes`);
  for (const label of labels) {
    writer.u8(label.length);
    for (let i = 0; i < label.length; i++) writer.u8(label.charCodeAt(i));
  }
  writer.u8(0);
}
