import { type Ipv4, readIpv4 } from '../common/ipv4.js';
import type { OptionSetting } from './option-setting.js';

/**
 * The BOOTP header fields a network boot reads (RFC 2131 §2: siaddr, sname, file), filled from configured
 * options the way dnsmasq does without `--dhcp-boot` (rfc2131.c `do_options`), which is how Neutron and
 * Ironic boot machines:
 *
 * - `bootfile-name` (67) goes in `file`, and `tftp-server` (66) in `sname`, when the client did not ask
 *   for the option in its list (55) and it is not forced; it is then not sent as an option. A client
 *   that asked gets the option instead, NUL-terminated (dnsmasq does so for these two for buggy PXE ROMs).
 * - `server-ip-address` (255, never an option on the wire) replaces siaddr, which is otherwise the
 *   server's own address (a PXE ROM fetches its file from siaddr).
 */
export interface BootFields {
  /** siaddr from `server-ip-address`, or undefined to keep the server's address. */
  readonly nextServer: Ipv4 | undefined;
  readonly serverName: string;
  readonly bootFileName: string;
  /** Options that went into the header and must not also be sent (66, 67). */
  readonly inHeader: ReadonlySet<number>;
}

const OPTION_TFTP_SERVER = 66;
const OPTION_BOOTFILE_NAME = 67;
const OPTION_SERVER_IP_ADDRESS = 255;
/** The header fields hold 64 and 128 bytes; dnsmasq copies at most one less, keeping a NUL. */
const SNAME_TEXT_MAX = 63;
const FILE_TEXT_MAX = 127;
const NO_CODES: ReadonlySet<number> = new Set();
const NO_BOOT_FIELDS: BootFields = Object.freeze({
  nextServer: undefined,
  serverName: '',
  bootFileName: '',
  inHeader: NO_CODES,
});

/** Options 66 and 67 as sent: NUL-terminated (`tftp-server,192.0.2.1` → `192.0.2.1\0`). */
export const NUL_TERMINATED: ReadonlySet<number> = new Set([OPTION_TFTP_SERVER, OPTION_BOOTFILE_NAME]);

function headerText(value: Uint8Array, max: number): string {
  const nul = value.indexOf(0);
  return Buffer.from(value.subarray(0, Math.min(nul === -1 ? value.length : nul, max))).toString('latin1');
}

/** True when a selected option may go into the header: only then do the fields depend on the request's list. */
export function hasBootOptions(selected: ReadonlyMap<number, OptionSetting>): boolean {
  return (
    selected.has(OPTION_BOOTFILE_NAME) ||
    selected.has(OPTION_TFTP_SERVER) ||
    selected.has(OPTION_SERVER_IP_ADDRESS)
  );
}

/** The header fields for the options selected for this client and its request list (undefined: none). */
export function bootFields(
  selected: ReadonlyMap<number, OptionSetting>,
  requested: Uint8Array | undefined,
): BootFields {
  // The packet path: most networks configure none of the three, and pay nothing for them.
  if (!hasBootOptions(selected)) return NO_BOOT_FIELDS;
  const inHeader = new Set<number>();
  const fromOption = (code: number, max: number): string => {
    const setting = selected.get(code);
    if (setting === undefined || setting.force || requested?.includes(code) === true) return '';
    inHeader.add(code);
    return headerText(setting.value, max);
  };
  const bootFileName = fromOption(OPTION_BOOTFILE_NAME, FILE_TEXT_MAX);
  const serverName = fromOption(OPTION_TFTP_SERVER, SNAME_TEXT_MAX);
  const address = selected.get(OPTION_SERVER_IP_ADDRESS)?.value;
  const nextServer = address !== undefined && address.length >= 4 ? readIpv4(address) : undefined;
  return { nextServer, serverName, bootFileName, inHeader: inHeader.size === 0 ? NO_CODES : inHeader };
}
