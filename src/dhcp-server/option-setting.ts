/**
 * A configured DHCP option: which tags it needs, its code and its encoded value. Built from dnsmasq's
 * `--dhcp-option`/`--dhcp-option-force` arguments and `--dhcp-optsfile` lines (spec §5.5).
 */
export interface OptionSetting {
  /** All of these tags must be set for the option to apply (`tag:X`). */
  readonly requiredTags: readonly string[];
  /** None of these may be set (`tag:!X`). */
  readonly excludedTags: readonly string[];
  /** Option code (RFC 2132 numbering). */
  readonly code: number;
  /** Encoded value; empty for `option:router` with no value, which suppresses a default (spec §5.5). */
  readonly value: Uint8Array;
  /** Sent even when the client did not ask for it (`--dhcp-option-force`). */
  readonly force: boolean;
  /** Where it came from (`opts:12`, `--dhcp-option-force`), for the trace. */
  readonly source: string;
}

/** True when every required tag is set and no excluded tag is. */
export function tagsMatch(setting: OptionSetting, tags: ReadonlySet<string>): boolean {
  for (const tag of setting.requiredTags) if (!tags.has(tag)) return false;
  for (const tag of setting.excludedTags) if (tags.has(tag)) return false;
  return true;
}

/**
 * Picks, per option code, the setting dnsmasq would use (rfc2131.c `option_filter`): a setting with a
 * matching tag beats an untagged one, and among equals the one defined later wins (dnsmasq prepends
 * each parsed option to its list). Returns code → setting, in order of first appearance.
 */
export function selectOptions(
  settings: readonly OptionSetting[],
  tags: ReadonlySet<string>,
): Map<number, OptionSetting> {
  const chosen = new Map<number, OptionSetting>();
  for (const setting of settings) {
    if (!tagsMatch(setting, tags)) continue;
    const current = chosen.get(setting.code);
    const tagged = setting.requiredTags.length > 0 || setting.excludedTags.length > 0;
    const currentTagged =
      current !== undefined && (current.requiredTags.length > 0 || current.excludedTags.length > 0);
    if (current === undefined || tagged || !currentTagged) chosen.set(setting.code, setting);
  }
  return chosen;
}
