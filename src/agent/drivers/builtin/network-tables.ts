import { MutableHostTable } from '../../../dhcp-server/mutable-host-table.js';
import type { OptionSetting } from '../../../dhcp-server/option-setting.js';
import type { ServerTables } from '../../../dhcp-server/types.js';
import type { HostSpec, OptionLine } from '../../dhcp-config/types.js';
import { hostBindingsOf, optionSettingsOf, type UnusableLine } from './engine-input.js';

/**
 * The served tables of one network, changed one port at a time: a port's hosts go into a
 * {@link MutableHostTable} (O(that port)); its option lines into a per-port slot. The engine reads
 * {@link NetworkTables.tables}; the flat option list is rebuilt only when some *option* changed (ports with
 * extra_dhcp_opts or subnet-level changes), never for a plain host change.
 */
export class NetworkTables {
  private readonly hosts = new MutableHostTable();
  private forced: readonly OptionSetting[] = [];
  private subnetLevel: readonly OptionSetting[] = [];
  private trailing: readonly OptionSetting[] = [];
  private readonly perPort = new Map<string, readonly OptionSetting[]>();
  /** Every port applied (with or without host entries): what the status reports as served ports. */
  private readonly portIds = new Set<string>();
  private current: ServerTables | undefined;
  /** Lines the engine could not parse (should stay empty; reported in the status). Trimmed to the last 100. */
  readonly problems: UnusableLine[] = [];

  private trimProblems(): void {
    if (this.problems.length > 200) this.problems.splice(0, this.problems.length - 100);
  }

  /** Number of ports applied. */
  get portCount(): number {
    return this.portIds.size;
  }

  /** Number of host entries served. */
  get hostCount(): number {
    return this.hosts.size;
  }

  /** Command-line options (`--dhcp-option-force`). */
  setForced(lines: readonly OptionLine[]): void {
    this.forced = optionSettingsOf(lines, true, '--dhcp-option-force', this.problems);
    this.current = undefined;
  }

  /** Per-subnet lines and the trailing multi-agent DNS lines (spec §5.5). */
  setSubnetOptions(subnetLines: readonly OptionLine[], trailingLines: readonly OptionLine[]): void {
    this.subnetLevel = optionSettingsOf(subnetLines, false, 'opts', this.problems);
    this.trailing = optionSettingsOf(trailingLines, false, 'opts', this.problems);
    this.current = undefined;
  }

  /** Sets one port's hosts and option lines (replacing the previous ones). */
  setPort(portId: string, hosts: readonly HostSpec[], options: readonly OptionLine[]): void {
    this.portIds.add(portId);
    this.hosts.replace(portId, hostBindingsOf(hosts, this.problems));
    const settings = optionSettingsOf(options, false, `port-${portId}`, this.problems);
    this.trimProblems();
    const previous = this.perPort.get(portId);
    if (settings.length === 0 && previous === undefined) return;
    if (settings.length === 0) this.perPort.delete(portId);
    else this.perPort.set(portId, settings);
    this.current = undefined;
  }

  /** Forgets a port. */
  removePort(portId: string): void {
    this.portIds.delete(portId);
    this.hosts.remove(portId);
    if (this.perPort.delete(portId)) this.current = undefined;
  }

  /** The tables for the engine (same reference until an option changes). */
  get tables(): ServerTables {
    if (this.current === undefined) {
      const options: OptionSetting[] = [...this.forced, ...this.subnetLevel];
      for (const settings of this.perPort.values()) options.push(...settings);
      options.push(...this.trailing);
      this.current = { hosts: this.hosts, options };
    }
    return this.current;
  }
}
