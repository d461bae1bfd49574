/**
 * What a probe's DHCP client got, parsed from the lines its script prints (`event=bound|ip=…|…`) and shown
 * like an instance's console log. Pure.
 *
 * @module
 */

/** udhcpc's variables the probe script prints, in this order. */
export const LEASE_FIELDS = [
  'interface',
  'ip',
  'mask',
  'subnet',
  'router',
  'dns',
  'domain',
  'hostname',
  'mtu',
  'lease',
  'serverid',
  'staticroutes',
] as const;

/** One event of the client (`bound`, `renew`, `deconfig`, `nak`, `leasefail`) with its variables. */
export type LeaseEvent = Readonly<Record<string, string>>;

/** Parses the script's output; lines that are not events are ignored. */
export function parseLeaseEvents(text: string): LeaseEvent[] {
  const events: LeaseEvent[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('event=')) continue;
    const event: Record<string, string> = {};
    for (const field of line.trim().split('|')) {
      const eq = field.indexOf('=');
      if (eq > 0) event[field.slice(0, eq)] = field.slice(eq + 1);
    }
    events.push(event);
  }
  return events;
}

/** The latest lease (`bound`/`renew`), unless a later `deconfig`/`nak` took it away. */
export function currentLease(events: readonly LeaseEvent[]): LeaseEvent | undefined {
  for (let i = events.length - 1; i >= 0; i--) {
    const kind = events[i]?.['event'];
    if (kind === 'bound' || kind === 'renew') return events[i];
    if (kind === 'deconfig' || kind === 'nak' || kind === 'leasefail') return undefined;
  }
  return undefined;
}

/** Option 121 as udhcpc prints it (`dest/len gw dest/len gw …`) → `dest/len via gw` items. */
export function formatStaticRoutes(text: string): string[] {
  const words = text
    .trim()
    .split(/\s+/)
    .filter((word) => word !== '');
  const routes: string[] = [];
  for (let i = 0; i + 1 < words.length; i += 2) routes.push(`${words[i]} via ${words[i + 1]}`);
  return routes;
}

/** An instance-console-like report of one lease. */
export function formatLease(name: string, lease: LeaseEvent): string {
  const value = (key: string) => lease[key] ?? '';
  const lines = [
    `probe ${name}: ${value('event')} ${value('ip')}/${value('mask') || value('subnet')} on ${value('interface') || 'eth0'} from server ${value('serverid')}`,
    `  lease     ${value('lease')}s`,
    `  router    ${value('router') || '-'}`,
    `  dns       ${value('dns') || '-'}`,
    `  domain    ${value('domain') || '-'}`,
    `  hostname  ${value('hostname') || '-'}`,
    `  mtu       ${value('mtu') || '-'}`,
  ];
  const routes = formatStaticRoutes(value('staticroutes'));
  lines.push(`  routes    ${routes.length === 0 ? '-' : routes.join(', ')}`);
  return `${lines.join('\n')}\n`;
}

/** Single-quoted for sh: safe for any path. */
function shellQuote(text: string): string {
  return `'${text.replaceAll("'", "'\\''")}'`;
}

/**
 * The udhcpc script: prints every event (one line), and like an instance's network setup applies the lease
 * *inside the probe namespace* (it runs there): address, MTU, classless routes (RFC 3442 §3: when option
 * 121 is present the router option is ignored) or the default route. The lease's DNS servers and domain
 * go to `resolvConf` (the namespace's `/etc/netns/<ns>/resolv.conf`, which `ip netns exec` mounts over
 * /etc/resolv.conf, as busybox's simple.script writes an instance's), never to the host's /etc/resolv.conf.
 */
export function probeScript(resolvConf: string): string {
  const fields = LEASE_FIELDS.map((name) => `${name}=$${name}`).join('|');
  return `#!/bin/sh
# qdhcp probe: print what the DHCP client got, apply it inside this namespace only.
RESOLV_CONF=${shellQuote(resolvConf)}
echo "event=$1|${fields}"
case "$1" in
  deconfig|nak|leasefail)
    ip -4 addr flush dev "$interface" 2>/dev/null
    ;;
  bound|renew)
    plen="\${mask:-24}"
    ip -4 addr flush dev "$interface" 2>/dev/null
    ip addr add "$ip/$plen" dev "$interface"
    [ -n "$mtu" ] && ip link set "$interface" mtu "$mtu" 2>/dev/null
    if [ -n "$staticroutes" ]; then
      set -- $staticroutes
      while [ $# -ge 2 ]; do
        if [ "$2" = "0.0.0.0" ]; then ip route replace "$1" dev "$interface"; else ip route replace "$1" via "$2" dev "$interface" onlink; fi
        shift 2
      done
    elif [ -n "$router" ]; then
      for gw in $router; do ip route replace default via "$gw" dev "$interface" onlink; break; done
    fi
    {
      echo "# qdhcp probe: from the DHCP lease of $ip"
      [ -n "$domain" ] && echo "search $domain"
      for server in $dns; do echo "nameserver $server"; done
    } > "$RESOLV_CONF.tmp" && mv -f "$RESOLV_CONF.tmp" "$RESOLV_CONF"
    ;;
esac
exit 0
`;
}
