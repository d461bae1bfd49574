/**
 * Command-line options shared by `server` and `all-in-one`: one flag per configuration option (flags
 * win over the `--config` file), declared from the option table so they cannot drift apart.
 *
 * @module
 */
import type { Command } from 'commander';
import { OPTIONS, optionFlag } from '../common/config.js';

/** Adds `--config FILE` and every configuration option as a flag. */
export function addServerOptions(command: Command): Command {
  command.option(
    '--config <file>',
    'INI configuration file (Neutron-style: key = value, [sections] optional)',
  );
  for (const spec of OPTIONS) {
    const flag = optionFlag(spec);
    const value =
      spec.kind === 'list'
        ? '<list>'
        : spec.kind === 'int'
          ? '<n>'
          : spec.kind === 'bool'
            ? '<bool>'
            : '<value>';
    const file = `[${spec.sections[0]}] ${spec.key}`;
    command.option(
      `${flag} ${value}`,
      `${spec.help} (config: ${file}; default: ${spec.default === '' ? 'none' : spec.default})`,
    );
  }
  return command;
}

/** The flags that were given, keyed by option key (for `resolveConfig`). */
export function givenFlags(command: Command): Record<string, string | undefined> {
  const values = command.opts<Record<string, unknown>>();
  const flags: Record<string, string | undefined> = {};
  for (const spec of OPTIONS) {
    const property = optionFlag(spec)
      .slice(2)
      .replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
    const value = values[property];
    if (value !== undefined) flags[spec.key] = String(value);
  }
  return flags;
}
