#!/usr/bin/env bash
# Installs everything qdhcp needs on a Debian 12 machine (run as root) and builds it.
# Idempotent: packages already present are not reinstalled, npm dependencies are installed
# only when missing or out of date with package-lock.json.
#   scripts/setup.sh            system packages + npm dependencies + build
#   scripts/setup.sh --no-system  npm dependencies + build only
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages and why each is here:
#   iproute2          namespaces, veth, bridges, vxlan (the agent and every e2e test)
#   busybox udhcpc    the DHCP client of CirrOS images (e2e tests, probes)
#   isc-dhcp-client   dhclient, the second real client of the e2e tests
#   dnsmasq-base      the dnsmasq driver and the parity/benchmark baseline
#   kea-admin         ships perfdhcp, the DHCP load generator of bench/
#   bind9-dnsutils    dig, for DNS tests;  dnsperf  DNS benchmark
#   tcpdump           packet captures for codec fixtures and debugging
#   python3-openstackclient  the real `openstack` CLI the API is tested with
#   cloud-init        its metadata readers parse what the metadata service serves
#   kea-dhcp4-server  Kea, the second baseline of the DHCP benchmark (never started as a service)
#   build-essential   compiles the native addons (better-sqlite3, native/netns)
#   bc time procps iputils-ping  used by the benchmark scripts in ../shared/tools/dhcp-bench
#   rabbitmq-server postgresql   the broker and database of the scale-out tests (scripts/test.sh starts them
#                     when they are not running; all-in-one needs neither)
#   nftables          nft: each router's NAT table inside its qrouter- namespace (docs/routers.md)
#   conntrack         deletes a floating IP's tracked connections when it is disassociated (docs/routers.md)
#   arping            ARP from test namespaces (router-failover); the agent sends its gratuitous ARPs itself
#   iptables ipset    security groups with `enable_security_group` (iptables-nft physdev + ipset, docs/compute.md)
SYSTEM_PACKAGES=(build-essential python3 iproute2 busybox udhcpc isc-dhcp-client dnsmasq-base kea-admin kea-dhcp4-server bind9-dnsutils
  dnsperf tcpdump python3-openstackclient cloud-init bc time procps iputils-ping rabbitmq-server postgresql
  nftables conntrack arping iptables ipset)

log() { echo "[setup] $*" >&2; }

install_system_packages() {
  local missing=()
  for p in "${SYSTEM_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then log "system packages present"; return; fi
  if [ "$(id -u)" != 0 ]; then log "need root to install: ${missing[*]}"; exit 1; fi
  log "installing: ${missing[*]}"
  # Packages with a daemon (kea-dhcp4-server) must not start it: a DHCP server answering on the host's
  # own interfaces is the last thing this machine should get. policy-rc.d forbids service starts.
  local policy=/usr/sbin/policy-rc.d added_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod 755 "$policy" && added_policy=1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  [ "$added_policy" = 0 ] || rm -f "$policy"
  # ...nor start at the next boot.
  # (what `systemctl disable` does, without needing a running systemd)
  rm -f /etc/systemd/system/multi-user.target.wants/kea-dhcp4-server.service
}

check_node() {
  command -v node >/dev/null || { log "Node.js 20 or newer is required (not found)"; exit 1; }
  local major; major=$(node -p 'process.versions.node.split(".")[0]')
  [ "$major" -ge 20 ] || { log "Node.js 20 or newer is required (found $(node --version))"; exit 1; }
}

install_npm_dependencies() {
  local stamp=node_modules/.package-lock.json
  if [ -f "$stamp" ] && [ "$stamp" -nt package-lock.json ] && [ -f node_modules/better-sqlite3/build/Release/better_sqlite3.node ]; then
    log "npm dependencies up to date"
  else
    log "installing npm dependencies"
    # `npm install` from the lockfile rather than `npm ci`: the registry reachable here does not serve biome's
    # binaries for other platforms, so no lockfile can list them and npm ci's strict check would always fail.
    # --prefer-offline: what npm's cache holds (a second clone on this machine, CI's) is taken without asking
    # the registry again, so a set-up does not depend on the registry (or DNS) being reachable at that moment.
    npm install --no-save --no-fund --no-audit --loglevel=error --prefer-offline
  fi
  # Our native addon (sockets opened inside network namespaces) is built explicitly: npm does not run
  # install scripts of linked local packages.
  # Rebuilt when a module is missing or any source (or binding.gyp) is newer than the oldest module.
  # Every target of binding.gyp: a module added there (packet.node, issue 13) is built on the next set-up too.
  local modules=() target
  for target in $(sed -n 's/.*"target_name": *"\([a-z0-9_]*\)".*/\1/p' native/netns/binding.gyp); do
    modules+=("native/netns/build/Release/$target.node")
  done
  local stale=false module
  for module in "${modules[@]}"; do
    if [ ! -f "$module" ] || [ -n "$(find native/netns/src native/netns/binding.gyp -newer "$module" -print -quit)" ]; then
      stale=true
    fi
  done
  if $stale; then
    log "building native/netns"
    npx node-gyp rebuild --directory=native/netns --loglevel=error >/dev/null
  fi
}

build() {
  log "building"
  rm -rf dist
  npm run build --silent
}

[ "${1:-}" = "--no-system" ] || install_system_packages
check_node
install_npm_dependencies
build
log "ready: ./bin/qdhcp --help"
