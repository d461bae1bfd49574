/**
 * The test guest's userland, as CirrOS boots (src/etc/init.d/cirros-ds-net, src/lib/cirros/ds/ec2 in
 * cirros-dev/cirros): busybox `udhcpc` on eth0, the lease applied (address, MTU, option 121 routes or the
 * default route, resolv.conf), then the EC2 datasource — `2009-04-04/meta-data/instance-id` read with
 * busybox `wget` up to 20 times, 2 s apart, until it starts with `i-` (each failed try logged, as CirrOS
 * logs it), then the keys CirrOS and cloud-init read — every result on the serial console, then power-off.
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

/** `/init`: busybox applets, the NIC modules in order, DHCP, the EC2 datasource, power-off. */
export function guestInit(moduleNames: readonly string[]): string {
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
else
  ${say('no lease')}
fi
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
    else if (line.startsWith('done ')) done = true;
  }
  return { lease, routes, retries, instanceId, tries, metaData, missing, done };
}
