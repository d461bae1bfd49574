/**
 * The one commander registration of an option table (common/config-options.ts): a flag per option,
 * declared from the table so flags, INI keys, defaults and help cannot drift apart; flags win over the
 * `--config` file. `qdhcp serve` is the exception: it keeps dnsmasq's command line (commands/serve.ts).
 *
 * @module
 */
import type { Command } from 'commander';
import { type OptionSpec, optionFlag } from '../common/config-options.js';

interface FlagStyle {
  /**
   * `value`: `--debug <bool>` (the server's flags, which take oslo.config's words); `switch`: `--debug`,
   * plus `--no-x` for a switch that defaults to on (the agent's flags).
   */
  readonly booleans: 'value' | 'switch';
  /** Options of the table not declared here (all-in-one takes them from the server's table). */
  readonly skip?: ReadonlySet<string>;
}

/** The server's flags: booleans take a value (`--debug true`), as oslo.config's words in the file do. */
export const SERVER_FLAGS: FlagStyle = { booleans: 'value' };

/** `--config FILE`, the Neutron-style INI file of `server` and `all-in-one`. */
export function withConfigFile(command: Command): Command {
  return command.option(
    '--config <file>',
    'INI configuration file (Neutron-style: key = value, [sections] optional)',
  );
}

const PLACEHOLDER = { string: ' <value>', int: ' <n>', list: ' <list>', bool: ' <bool>' } as const;

function declared(table: readonly OptionSpec[], style: FlagStyle): OptionSpec[] {
  return table.filter((spec) => !style.skip?.has(spec.key));
}

/** Declares one flag per option of `table` on `command`. */
export function addOptionFlags(command: Command, table: readonly OptionSpec[], style: FlagStyle): Command {
  for (const spec of declared(table, style)) {
    const flag = optionFlag(spec);
    const isSwitch = spec.kind === 'bool' && style.booleans === 'switch';
    const file = `[${spec.sections[0]}] ${spec.key}`;
    const choices = spec.choices ? `; one of ${spec.choices.join(', ')}` : '';
    command.option(
      `${flag}${isSwitch ? '' : PLACEHOLDER[spec.kind]}`,
      `${spec.help} (config: ${file}; default: ${spec.default === '' ? 'none' : spec.default}${choices})`,
    );
    if (isSwitch && spec.default === 'true')
      command.option(`--no-${flag.slice(2)}`, `turn ${flag} off (config: ${file} = false)`);
  }
  return command;
}

/** The flags of `table` that were given on the command line, keyed by option key. */
export function givenOptionFlags(
  command: Command,
  table: readonly OptionSpec[],
  style: FlagStyle,
): Record<string, string> {
  const values = command.opts<Record<string, unknown>>();
  const flags: Record<string, string> = {};
  for (const spec of declared(table, style)) {
    const property = optionFlag(spec)
      .slice(2)
      .replace(/-([a-z])/g, (_match, letter: string) => letter.toUpperCase());
    const value = values[property];
    if (value !== undefined) flags[spec.key] = String(value);
  }
  return flags;
}
