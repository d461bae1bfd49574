import { parseOptionText, resolveOptionCode } from '../../dhcp/index.js';
import type { OptionSetting } from '../option-setting.js';

/** Result of parsing one `--dhcp-option` value or opts-file line. */
export type OptionLineResult =
  | { readonly kind: 'option'; readonly setting: OptionSetting }
  /** An `option6:` line: DHCPv6, not used by a DHCPv4 server. */
  | { readonly kind: 'ipv6' }
  | { readonly kind: 'error'; readonly reason: string };

/**
 * Parses dnsmasq's option syntax (spec §5.5): `[tag:T,]…[option:NAME|NUM],[VALUE,…]`, e.g.
 * `tag:subnet-1,option:classless-static-route,169.254.169.254/32,10.0.0.2,0.0.0.0/0,10.0.0.1`,
 * `tag:subnet-1,249,…`, `tag:port-x,tag:ipxe,option:bootfile-name,pxelinux.0`, `option:mtu,1450`.
 * `tag:!T` means "T not set". Vendor encapsulations (`encap:`, `vi-encap:`, `vendor:`) are refused.
 */
export function parseOptionLine(text: string, force: boolean, source: string): OptionLineResult {
  const fields = text.split(',');
  const requiredTags: string[] = [];
  const excludedTags: string[] = [];
  let index = 0;
  for (; index < fields.length; index++) {
    const field = (fields[index] ?? '').trim();
    if (field.startsWith('tag:') || field.startsWith('net:')) {
      const tag = field.slice(4);
      if (tag.length === 0 || tag === '!') return { kind: 'error', reason: 'empty tag' };
      if (tag.startsWith('!')) excludedTags.push(tag.slice(1));
      else requiredTags.push(tag);
    } else if (field.startsWith('encap:') || field.startsWith('vi-encap:') || field.startsWith('vendor:')) {
      return { kind: 'error', reason: `vendor-encapsulated options are not supported: ${field}` };
    } else {
      break;
    }
  }
  const optionField = (fields[index] ?? '').trim();
  if (optionField.startsWith('option6:')) return { kind: 'ipv6' };
  if (optionField.length === 0) return { kind: 'error', reason: 'no option name or number' };
  const codeOrName = optionField.startsWith('option:') ? optionField.slice(7) : optionField;
  const code = resolveOptionCode(codeOrName);
  if (code === undefined) return { kind: 'error', reason: `unknown option ${JSON.stringify(codeOrName)}` };
  const values = fields.slice(index + 1).map((value) => value.trim());
  const parsed = parseOptionText(code, values);
  if (parsed.status !== 'ok') {
    return { kind: 'error', reason: parsed.status === 'malformed' ? parsed.reason : 'no value' };
  }
  return {
    kind: 'option',
    setting: { requiredTags, excludedTags, code, value: parsed.value, force, source },
  };
}

/** A line of an opts file that could not be used. */
export interface OptsFileError {
  readonly line: number;
  readonly reason: string;
  readonly text: string;
}

/** Parsed opts file: usable settings in file order, plus skipped lines. */
export interface ParsedOptsFile {
  readonly settings: readonly OptionSetting[];
  readonly errors: readonly OptsFileError[];
  readonly skippedIpv6: number;
}

/**
 * Parses a `--dhcp-optsfile` (one option per line, `#` comments). Bad lines are reported with their
 * number and skipped; the rest applies.
 */
export function parseOptsFile(text: string, fileLabel = 'opts'): ParsedOptsFile {
  const settings: OptionSetting[] = [];
  const errors: OptsFileError[] = [];
  let skippedIpv6 = 0;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').trim();
    if (line.length === 0 || line.startsWith('#')) continue;
    const result = parseOptionLine(line, false, `${fileLabel}:${i + 1}`);
    if (result.kind === 'option') settings.push(result.setting);
    else if (result.kind === 'ipv6') skippedIpv6++;
    else errors.push({ line: i + 1, reason: result.reason, text: line.slice(0, 200) });
  }
  return { settings, errors, skippedIpv6 };
}
