/**
 * A floating-IP change inside a router's namespace as one process (issue 13's associate → first packet):
 * the nft map elements (`nft -f`, one transaction), the `/32`s (`ip -batch`) and the deletion of the
 * addresses' tracked connections (`conntrack`), run by one `sh` under `nsenter` instead of one spawn of the
 * agent each (3 to 5 forks of a large process on the path of every associate). The script is read from
 * stdin; the lines go in quoted here-documents, so nothing in them is expanded; addresses are checked
 * dotted quads. The first failing `nft`/`ip` stops it (the caller then converges from what exists).
 *
 * @module
 */
import { parseIpv4 } from '../common/ipv4.js';
import { CommandError, inNetworkNamespace, runCommand } from './run-command.js';

/** What one floating-IP change does, in order. */
export interface FloatingIpChange {
  readonly nftLines: readonly string[];
  readonly ipLines: readonly string[];
  /** Associate: translate first, then answer ARP (`nft-first`); disassociate: the reverse (`ip-first`). */
  readonly order: 'nft-first' | 'ip-first';
  /** Delete the tracked connections whose original or reply destination is one of these (after both). */
  readonly conntrackAddresses: readonly string[];
}

const END = 'QDHCP_END_OF_LINES';

function hereDocument(command: string, lines: readonly string[]): string[] {
  if (lines.length === 0) return [];
  for (const line of lines)
    if (line.includes('\n') || line === END)
      throw new CommandError(['sh', '-s'], undefined, `bad script line ${JSON.stringify(line)}`);
  return [`${command} <<'${END}'`, ...lines, END];
}

/**
 * The `sh` script of `change` (pure). It prints `applied` once the nft and ip lines are in, then
 * `tracked ADDRESS` for each address that had connections (listed once with `conntrack -L`; only those
 * cost two `conntrack -D`), as deleteConntrackEntries did.
 */
export function floatingIpChangeScript(change: FloatingIpChange): string {
  for (const address of change.conntrackAddresses)
    if (parseIpv4(address) === undefined)
      throw new CommandError(['sh', '-s'], undefined, `not an IPv4 address: ${JSON.stringify(address)}`);
  const nft = hereDocument('nft -f -', change.nftLines);
  const ip = hereDocument('ip -batch -', change.ipLines);
  const lines = [
    'set -e',
    ...(change.order === 'nft-first' ? [...nft, ...ip] : [...ip, ...nft]),
    'echo applied',
  ];
  if (change.conntrackAddresses.length > 0)
    lines.push(
      'set +e',
      // One line of text, each field followed by a space: `dst=A ` matches whole addresses only.
      `listing="$(conntrack -L -f ipv4 </dev/null 2>/dev/null | tr '\\n' ' ') "`,
      `for a in ${change.conntrackAddresses.join(' ')}; do`,
      '  case "$listing" in *"dst=$a "*)',
      '    echo "tracked $a"',
      '    conntrack -D -f ipv4 --orig-dst "$a" </dev/null >/dev/null 2>&1',
      '    conntrack -D -f ipv4 --reply-dst "$a" </dev/null >/dev/null 2>&1 ;;',
      '  esac',
      'done',
    );
  lines.push('exit 0');
  return `${lines.join('\n')}\n`;
}

/**
 * Runs `change` inside `namespace` (one spawn); `onApplied` is called as soon as the nft and ip lines are in
 * (the gratuitous ARPs need not wait for conntrack). Returns the addresses whose tracked connections went.
 */
export async function runFloatingIpChange(
  namespace: string,
  change: FloatingIpChange,
  onApplied: () => void = () => undefined,
): Promise<string[]> {
  const script = floatingIpChangeScript(change);
  let seen = '';
  let told = false;
  const result = await runCommand(...inNetworkNamespace(namespace, 'sh', ['-s']), {
    input: script,
    timeoutMs: 20_000,
    onStdout: (chunk) => {
      if (told) return;
      seen += chunk;
      if (/^applied$/m.test(seen)) {
        told = true;
        onApplied();
      }
    },
  });
  if (!told) onApplied();
  return [...result.stdout.matchAll(/^tracked (\S+)$/gm)].flatMap((match) => match[1] ?? []);
}
