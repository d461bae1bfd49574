import { formatIpv4, readIpv4 } from '../common/ipv4.js';
import { optionByCode, optionName } from '../dhcp/index.js';
import { colonHex } from './request-fields.js';

/**
 * Text for the `--log-dhcp` trace, shaped like dnsmasq's own (rfc2131.c `log_options`):
 * `sent size:  4 option: 54 server-identifier  10.77.0.1`. Pure formatting; the caller prints.
 */

/** dnsmasq's duration style: `1d`, `12h`, `21h`, `1h30m`, `infinite`. */
export function formatDuration(seconds: number): string {
  if (seconds === 0xffffffff) return 'infinite';
  const parts: string[] = [];
  let rest = seconds;
  for (const [unit, size] of [
    ['w', 604800],
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
  ] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  if (rest > 0 || parts.length === 0) parts.push(`${rest}s`);
  return parts.join('');
}

function isPrintable(bytes: Uint8Array): boolean {
  for (const byte of bytes) if (byte < 32 || byte > 126) return false;
  return true;
}

/** An option value rendered for humans, by the option's kind in the codec's table. */
export function formatOptionValue(code: number, value: Uint8Array): string {
  const kind = optionByCode(code)?.kind;
  if ((kind === 'ipv4' || kind === 'ipv4-list') && value.length % 4 === 0 && value.length > 0) {
    const addresses: string[] = [];
    for (let i = 0; i < value.length; i += 4) addresses.push(formatIpv4(readIpv4(value, i)));
    return addresses.join(', ');
  }
  if (kind === 'uint32' && value.length === 4) {
    const number = readIpv4(value);
    return code === 51 || code === 58 || code === 59 ? formatDuration(number) : String(number);
  }
  if ((kind === 'uint16' && value.length === 2) || (kind === 'uint8' && value.length === 1) || code === 53) {
    return String(value.length === 2 ? ((value[0] ?? 0) << 8) | (value[1] ?? 0) : (value[0] ?? 0));
  }
  if (kind === 'string' && isPrintable(value)) return Buffer.from(value).toString('latin1');
  return colonHex(value);
}

/** One `sent size: … option: …` line. */
export function formatSentOption(code: number, value: Uint8Array): string {
  return `sent size: ${String(value.length).padStart(2)} option:${String(code).padStart(3)} ${optionName(code)}  ${formatOptionValue(code, value)}`;
}

/** `requested options:` lines, four per line as dnsmasq prints them. */
export function formatRequestedOptions(codes: Uint8Array): string[] {
  const lines: string[] = [];
  const names = Array.from(codes, (code) => `${code}:${optionName(code)}`);
  for (let i = 0; i < names.length; i += 4) {
    lines.push(`requested options: ${names.slice(i, i + 4).join(', ')}`);
  }
  return lines;
}
