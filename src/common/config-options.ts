/**
 * Option tables and their resolution, shared by every command configured the Neutron way (`server`,
 * `agent`, `all-in-one`): each command declares one table of {@link OptionSpec}s; values come from the
 * defaults, then the INI file, then the command line (flags win); every value is converted and checked
 * here, and anything wrong is a `CONFIG_INVALID` error naming the option and where it was set — never a
 * silent default. (`qdhcp serve` keeps dnsmasq's command line: serve/serve-options.ts.)
 *
 * @module
 */
import type { IniDocument } from './config-ini.js';
import { QdhcpError } from './errors.js';

/** How an option's text is converted. */
type OptionKind = 'string' | 'int' | 'bool' | 'list';

/** One configurable option: its INI key, the sections it may appear in, kind, default and help. */
export interface OptionSpec {
  readonly key: string;
  readonly sections: readonly string[];
  readonly kind: OptionKind;
  readonly default: string;
  readonly help: string;
  /** Allowed values (for strings, or for every list item). */
  readonly choices?: readonly string[];
  readonly min?: number;
  readonly max?: number;
  /** The command-line flag when it is not `--` + the key with dashes. */
  readonly flag?: string;
}

/** Values given on the command line, keyed by option key (`dhcp_lease_duration`). */
export type OptionFlags = Readonly<Record<string, string | undefined>>;

/** The command-line flag of an option (`dhcp_lease_duration` → `--dhcp-lease-duration`). */
export function optionFlag(spec: OptionSpec): string {
  return spec.flag ?? `--${spec.key.replaceAll('_', '-')}`;
}

export function configInvalid(message: string): QdhcpError {
  return new QdhcpError('CONFIG_INVALID', { message });
}

/** A raw value and where it came from (`config.ini:3 [DEFAULT] debug`, `--debug`, `default of debug`). */
interface Sourced {
  readonly value: string;
  readonly where: string;
}

/** The resolved text of every option of a table, with typed, checked readers. */
export interface OptionValues {
  /** The raw text and where it was set. */
  get(key: string): Sourced;
  /** The text, checked against the option's choices. */
  str(key: string): string;
  /** An integer within the option's bounds. */
  int(key: string): number;
  /** oslo.config's booleans: 1/t/true/on/y/yes and 0/f/false/off/n/no, any case. */
  bool(key: string): boolean;
  /** A comma-separated list without empty items, each checked against the option's choices. */
  list(key: string): string[];
}

const TRUE_WORDS = ['1', 't', 'true', 'on', 'y', 'yes'];
const FALSE_WORDS = ['0', 'f', 'false', 'off', 'n', 'no'];

/**
 * Overlays defaults, the INI document (optional) and flags (which win) for one table. Unknown keys and
 * keys in a section they do not belong to are errors, so a typo cannot silently fall back to a default.
 */
export function resolveOptions(
  table: readonly OptionSpec[],
  ini: IniDocument | undefined,
  flags: OptionFlags,
  source = 'config',
): OptionValues {
  const specs = new Map(table.map((spec) => [spec.key, spec]));
  const raw = new Map<string, Sourced>();
  for (const spec of table) raw.set(spec.key, { value: spec.default, where: `default of ${spec.key}` });
  for (const [section, entries] of ini ?? []) {
    for (const [key, entry] of entries) {
      const spec = specs.get(key);
      const where = `${source}:${entry.line} [${section}] ${key}`;
      if (!spec) throw configInvalid(`${where}: unknown option`);
      if (!spec.sections.includes(section) && section !== 'DEFAULT')
        throw configInvalid(`${where}: belongs in [${spec.sections.join('] or [')}]`);
      raw.set(key, { value: entry.value, where });
    }
  }
  for (const [key, value] of Object.entries(flags)) {
    if (value === undefined) continue;
    const spec = specs.get(key);
    if (!spec) throw configInvalid(`unknown option ${key}`);
    raw.set(key, { value, where: optionFlag(spec) });
  }
  // Keys are literals of the command's own resolver, each in its table (its tests read every one).
  const get = (key: string): Sourced => raw.get(key)!;
  const checkChoice = (key: string, value: string, where: string) => {
    const choices = specs.get(key)?.choices;
    if (choices && !choices.includes(value))
      throw configInvalid(`${where}: "${value}" is not one of ${choices.join(', ')}`);
  };
  return {
    get,
    str(key) {
      const { value, where } = get(key);
      checkChoice(key, value, where);
      return value;
    },
    int(key) {
      const { value, where } = get(key);
      const spec = specs.get(key)!;
      if (!/^-?\d+$/.test(value)) throw configInvalid(`${where}: "${value}" is not an integer`);
      const n = Number(value);
      if (spec.min !== undefined && n < spec.min)
        throw configInvalid(`${where}: ${n} is below the minimum ${spec.min}`);
      if (spec.max !== undefined && n > spec.max)
        throw configInvalid(`${where}: ${n} is above the maximum ${spec.max}`);
      return n;
    },
    bool(key) {
      const { value, where } = get(key);
      const lower = value.toLowerCase();
      if (TRUE_WORDS.includes(lower)) return true;
      if (FALSE_WORDS.includes(lower)) return false;
      throw configInvalid(`${where}: "${value}" is not a boolean`);
    },
    list(key) {
      const { value, where } = get(key);
      const items = value
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '');
      for (const item of items) checkChoice(key, item, where);
      return items;
    },
  };
}

/** `HOST:PORT` (the host may itself contain colons: an IPv6 literal). */
export function parseHostPort(text: string, where: string): { host: string; port: number } {
  const match = /^(.+):(\d+)$/.exec(text);
  const port = Number(match?.[2]);
  if (!match || port > 65535) throw configInvalid(`${where}: "${text}" is not HOST:PORT`);
  return { host: match[1]!, port };
}

/** The DNS domain check both the server and the agent apply to `dns_domain`. */
export function checkDnsDomain(domain: string, where: string): string {
  if (!/^[A-Za-z0-9.-]*$/.test(domain) || domain.length > 255)
    throw configInvalid(`${where}: "${domain}" is not a DNS domain`);
  return domain;
}
