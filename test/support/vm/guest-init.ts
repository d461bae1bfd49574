/**
 * The test guest's userland, as CirrOS boots (src/etc/init.d/cirros-ds-net, src/lib/cirros/ds/ec2 in
 * cirros-dev/cirros): busybox `udhcpc` on eth0, the lease applied (address, MTU, option 121 routes or the
 * default route, resolv.conf), then the EC2 datasource — `2009-04-04/meta-data/instance-id` read with
 * busybox `wget` up to 20 times, 2 s apart, until it starts with `i-` (each failed try logged, as CirrOS
 * logs it), then the keys CirrOS and cloud-init read — every result on the serial console, then power-off.
 * Optional {@link GuestChecks} add what a routed guest is asked (issues 13–15): a whoami server outside the
 * router, pings from the lease's address and from a spoofed one, the SLAAC address the kernel formed and,
 * behind an advertising router, the default IPv6 route and a ping6 to the subnet's gateway.
 * And the parser for that console. Test support.
 *
 * @module
 */

/** Marker of every line the guest's scripts print (kernel lines have none). */
export const GUEST_MARK = 'qdhcp-guest:';

/** The meta-data keys the guest reads after the instance id (CirrOS's list and cloud-init's crawl). */
export const GUEST_MD_KEYS = [
  'ami-id',
  'ami-launch-index',
  'instance-type',
  'reservation-id',
  'security-groups',
  'block-device-mapping/',
  'block-device-mapping/ami',
  'block-device-mapping/root',
  'placement/availability-zone',
  'public-keys/',
  'public-keys/0/openssh-key',
  'local-ipv4',
  'hostname',
  'local-hostname',
  'public-hostname',
  'public-ipv4',
] as const;

const LEASE_VARS = [
  'interface',
  'ip',
  'mask',
  'router',
  'dns',
  'domain',
  'hostname',
  'mtu',
  'lease',
  'serverid',
  'staticroutes',
];

/** The udhcpc script: print the lease on the console and apply it (busybox simple.script's job). */
export function guestUdhcpcScript(): string {
  const fields = LEASE_VARS.map((name) => `${name}=$${name}`).join('|');
  return `#!/bin/sh
echo "${GUEST_MARK} dhcp event=$1|${fields}"
case "$1" in
  deconfig) ip -4 addr flush dev "$interface"; ip link set "$interface" up ;;
  bound|renew)
    ip -4 addr flush dev "$interface"
    ip addr add "$ip/\${mask:-24}" dev "$interface"
    [ -n "$mtu" ] && ip link set "$interface" mtu "$mtu"
    if [ -n "$staticroutes" ]; then
      set -- $staticroutes
      while [ $# -ge 2 ]; do
        if [ "$2" = "0.0.0.0" ]; then ip route replace "$1" dev "$interface"; else ip route replace "$1" via "$2" dev "$interface"; fi
        shift 2
      done
    elif [ -n "$router" ]; then
      for gw in $router; do ip route replace default via "$gw" dev "$interface"; break; done
    fi
    : > /etc/resolv.conf
    [ -n "$domain" ] && echo "search $domain" >> /etc/resolv.conf
    for server in $dns; do echo "nameserver $server" >> /etc/resolv.conf; done
    ;;
esac
exit 0
`;
}

/** What the guest does after the metadata, each result a console line (none: the plain CirrOS boot). */
export interface GuestChecks {
  /** A whoami server (test/support/whoami-main.js) to ask over TCP with busybox `nc`: `whoami <answer>`. */
  readonly whoami?: { readonly host: string; readonly port: number };
  /**
   * Pings `target` from the lease's address (`size` data bytes), then adds `spoofed`/32 to eth0 and pings
   * from it (`spoofedSize` bytes: the outside tells the two apart by length): `ping real|spoofed <received>`.
   */
  readonly ping?: {
    readonly target: string;
    readonly size: number;
    readonly spoofed: string;
    readonly spoofedSize: number;
  };
  /**
   * Waits (≤ 20 s) for a global IPv6 address on eth0 (SLAAC) that is no longer tentative, then prints
   * `addr6 …` and `route6 …` lines. With a `gateway` (a router advertises the subnet), it also waits
   * (≤ 20 s) for a default IPv6 route (an RA with a router lifetime) and pings the gateway 3 times before
   * printing them: `ping gateway6 <received>`.
   */
  readonly ipv6?: boolean | { readonly gateway: string };
}

/** Pings 3 times and prints `ping NAME <received>` (from busybox's summary line; `none`: no summary). */
function pingScript(say: (text: string) => string, name: string, args: string): string {
  return `received=$(ping -c 3 -W 2 ${args} 2>&1 | awk '/packets received/ { print $4 }')
  ${say(`ping ${name} \${received:-none}`)}`;
}

/** The {@link GuestChecks} part of `/init` (run once the lease is applied). */
function checksScript(say: (text: string) => string, checks: GuestChecks): string {
  const parts: string[] = [];
  if (checks.whoami !== undefined) {
    const { host, port } = checks.whoami;
    parts.push(`answer=$(nc -w 5 ${host} ${port} </dev/null 2>&1 | head -n 1)
  ${say('whoami $answer')}`);
  }
  if (checks.ping !== undefined) {
    const { target, size, spoofed, spoofedSize } = checks.ping;
    // The real ping first: it leaves the gateway's neighbour entry, so the spoofed one is sent at once.
    parts.push(pingScript(say, 'real', `-s ${size} ${target}`));
    parts.push(`ip addr add ${spoofed}/32 dev eth0
  ${pingScript(say, 'spoofed', `-s ${spoofedSize} -I ${spoofed} ${target}`)}
  ip addr del ${spoofed}/32 dev eth0`);
  }
  return parts.join('\n  ');
}

/**
 * The IPv6 part of `/init`: bounded wait for a global address that is no longer tentative, with a gateway
 * a bounded wait for the default route and a ping to the gateway, then report.
 */
function ipv6Script(say: (text: string) => string, gateway: string | undefined): string {
  const routed =
    gateway === undefined
      ? ''
      : `
i=0
while [ $i -lt 20 ] && ! ip -6 route show default | grep -q '^default'; do
  i=$((i+1)); sleep 1
done
${pingScript(say, 'gateway6', `-6 ${gateway}`)}`;
  return `i=0
while [ $i -lt 20 ] && ! ip -6 -o addr show dev eth0 scope global | grep -v tentative | grep -q inet6; do
  i=$((i+1)); sleep 1
done${routed}
ip -6 -o addr show dev eth0 | while read line; do ${say('addr6 $line')}; done
ip -6 route show | while read line; do ${say('route6 $line')}; done`;
}

function ipv6Part(say: (text: string) => string, ipv6: GuestChecks['ipv6']): string {
  if (ipv6 === undefined || ipv6 === false) return '';
  return ipv6Script(say, ipv6 === true ? undefined : ipv6.gateway);
}

/** `/init`: busybox applets, the NIC modules in order, DHCP, the EC2 datasource, the checks, power-off. */
export function guestInit(moduleNames: readonly string[], checks: GuestChecks = {}): string {
  const say = (text: string) => `echo "${GUEST_MARK} ${text}"`;
  return `#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
read up idle < /proc/uptime
${say('init up $up')}
for m in ${moduleNames.join(' ')}; do insmod "/lib/modules/$m.ko" || ${say('insmod $m failed')}; done
ip link set lo up
ip link set eth0 up
${say('Starting network...')}
if udhcpc -i eth0 -n -q -t 10 -T 2 -O staticroutes -O mtu -O ntpsrv -s /etc/udhcpc.script; then
  ip -4 route show | while read line; do ${say('route $line')}; done
  ip -o link show eth0 | ${say('link $(cat)')}
  MDURL=http://169.254.169.254/2009-04-04
  ${say('checking $MDURL/meta-data/instance-id')}
  i=0; max=20; iid=""
  while [ $i -lt $max ] && i=$((i+1)); do
    read up idle < /proc/uptime
    if iid=$(wget -q -O - "$MDURL/meta-data/instance-id" 2>/tmp/wget.err); then
      [ "\${iid#i-}" != "$iid" ] && break
      ${say("failed $i/$max: up $up. iid had '$iid'")}
    else
      ${say('failed $i/$max: up $up. request failed: $(cat /tmp/wget.err)')}
    fi
    iid=""
    sleep 2
  done
  if [ -n "$iid" ]; then
    ${say('successful after $i/$max tries: up $up. iid=$iid')}
    for key in ${GUEST_MD_KEYS.join(' ')}; do
      if value=$(wget -q -O - "$MDURL/meta-data/$key" 2>/dev/null); then
        ${say('md $key=$(echo "$value" | tr "\\n" " " | sed "s/ *$//")')}
      else
        ${say('md-missing $key')}
      fi
    done
  else
    ${say('failed to read iid from metadata. tried $max')}
  fi
  ${checksScript(say, checks)}
else
  ${say('no lease')}
fi
${ipv6Part(say, checks.ipv6)}
read up idle < /proc/uptime
${say('done up $up')}
poweroff -f
`;
}

/** What the console says the guest got. */
export interface GuestReport {
  /** The `bound` lease's udhcpc variables. */
  readonly lease: Readonly<Record<string, string>> | undefined;
  readonly routes: readonly string[];
  /** Failed instance-id tries the guest logged (0: it read an `i-` id on its first try). */
  readonly retries: number;
  readonly instanceId: string | undefined;
  readonly tries: string | undefined;
  readonly metaData: Readonly<Record<string, string>>;
  readonly missing: readonly string[];
  /** {@link GuestChecks}' results: the whoami answer, pings received by name, `ip -6 -o addr` and routes. */
  readonly whoami: string | undefined;
  readonly pings: Readonly<Record<string, string>>;
  readonly addresses6: readonly string[];
  readonly routes6: readonly string[];
  readonly done: boolean;
}

/** Reads the guest's marked lines out of the serial console text. */
export function parseGuestConsole(text: string): GuestReport {
  const lines = text.split(/\r?\n/).flatMap((line) => {
    const at = line.indexOf(GUEST_MARK);
    return at < 0 ? [] : [line.slice(at + GUEST_MARK.length).trim()];
  });
  let lease: Record<string, string> | undefined;
  const routes: string[] = [];
  const metaData: Record<string, string> = {};
  const missing: string[] = [];
  let retries = 0;
  let instanceId: string | undefined;
  let tries: string | undefined;
  let done = false;
  let whoami: string | undefined;
  const pings: Record<string, string> = {};
  const addresses6: string[] = [];
  const routes6: string[] = [];
  for (const line of lines) {
    if (line.startsWith('dhcp event=bound|')) {
      lease = {};
      for (const field of line.slice('dhcp '.length).split('|')) {
        const eq = field.indexOf('=');
        if (eq > 0) lease[field.slice(0, eq)] = field.slice(eq + 1);
      }
    } else if (line.startsWith('route ')) routes.push(line.slice('route '.length));
    else if (/^failed \d+\/\d+:/.test(line)) retries++;
    else if (line.startsWith('successful after ')) {
      tries = /after (\d+\/\d+) tries/.exec(line)?.[1];
      instanceId = /iid=(\S+)$/.exec(line)?.[1];
    } else if (line.startsWith('md ')) {
      const eq = line.indexOf('=');
      metaData[line.slice(3, eq)] = line.slice(eq + 1);
    } else if (line.startsWith('md-missing ')) missing.push(line.slice('md-missing '.length));
    else if (line.startsWith('whoami ')) whoami = line.slice('whoami '.length);
    else if (line.startsWith('ping ')) {
      const [, name, received] = line.split(' ');
      if (name !== undefined) pings[name] = received ?? '';
    } else if (line.startsWith('addr6 ')) addresses6.push(line.slice('addr6 '.length));
    else if (line.startsWith('route6 ')) routes6.push(line.slice('route6 '.length));
    else if (line.startsWith('done ')) done = true;
  }
  return {
    lease,
    routes,
    retries,
    instanceId,
    tries,
    metaData,
    missing,
    whoami,
    pings,
    addresses6,
    routes6,
    done,
  };
}
