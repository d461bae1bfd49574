/**
 * Extra DHCP options of a port (spec 1.6): which requested options are stored on create, and how an
 * update merges into the stored list (keyed by option name and IP version).
 *
 * @module
 */
import type { ExtraDhcpOpt } from '../db/index.js';
import type { ExtraDhcpOptRequest } from './inputs.js';

/** Options whose value may be an empty string. */
const BLANK_CAPABLE = ['router', 'classless-static-route'];

function usable(option: ExtraDhcpOptRequest): boolean {
  if (option.opt_value === null) return false;
  return option.opt_value !== '' || BLANK_CAPABLE.includes(option.opt_name);
}

/** Create: unusable options (null value, or empty where that means nothing) are silently skipped. */
export function initialExtraDhcpOpts(
  requested: readonly ExtraDhcpOptRequest[] | null | undefined,
): ExtraDhcpOpt[] {
  return (requested ?? []).filter(usable).map((o) => ({ ...o }));
}

/**
 * Update: an existing key with a null value is deleted, with a usable value replaced; a new key with a
 * usable value is added; options not mentioned are kept.
 */
export function mergeExtraDhcpOpts(
  current: readonly ExtraDhcpOpt[],
  requested: readonly ExtraDhcpOptRequest[] | null,
): ExtraDhcpOpt[] {
  const result = current.map((o) => ({ ...o }));
  for (const option of requested ?? []) {
    const index = result.findIndex(
      (o) => o.opt_name === option.opt_name && o.ip_version === option.ip_version,
    );
    if (index >= 0) {
      if (option.opt_value === null) result.splice(index, 1);
      else if (usable(option)) result[index] = { ...option };
    } else if (usable(option)) {
      result.push({ ...option });
    }
  }
  return result;
}
