#!/usr/bin/python3
"""The configuration of one suite run (run.sh), in two steps:

  configure.py qdhcp DIR
      before qdhcp starts: DIR/qdhcp.ini (auth_strategy = token with every static token of identities.py)
      and DIR/accounts.yaml (tempest's pre-provisioned accounts, the same identities)
  configure.py tempest DIR --keystone URL --qdhcp URL --accounts FILE
      once both are up: waits for qdhcp's DHCP agent to report, creates the external network a devstack
      Neutron has ("public", flat, no DHCP: tempest's public_network_id), and writes DIR/tempest.conf with
      api_extensions = exactly what qdhcp lists at GET /v2.0/extensions, so a test of an extension qdhcp
      does not claim skips; tempest's log and locks go to DIR too. Prints that list.
"""
import argparse
import json
import os
import time
import urllib.error
import urllib.request

import identities as ident

QDHCP_INI = """\
# written by test/tempest/configure.py: qdhcp configured like a small ML2/linuxbridge Neutron
[DEFAULT]
auth_strategy = token
# not the default openstacklocal, as in Neutron's gate: ports' dns_name then shows in dns_assignment
dns_domain = openstackgate.local
static_tokens = {tokens}

[ml2]
tenant_network_types = vxlan

[ml2_type_flat]
flat_networks = *

[ml2_type_vlan]
network_vlan_ranges = physnet1:1000:1999

[ml2_type_vxlan]
vni_ranges = 1:2000
"""

TEMPEST_CONF = """\
# written by test/tempest/configure.py
[DEFAULT]
log_dir = {out_dir}
log_file = tempest.log
debug = true
use_stderr = false

[oslo_concurrency]
lock_path = {out_dir}/lock

[auth]
use_dynamic_credentials = false
test_accounts_file = {accounts}
create_isolated_networks = false
default_credentials_domain_name = Default
# used only by classes with force_tenant_isolation = True (DynamicCredentialProvider)
admin_username = {admin_user}
admin_password = {password}
admin_project_name = {admin_project}
admin_domain_name = Default
admin_user_domain_name = Default
admin_project_domain_name = Default

[identity]
auth_version = v3
uri_v3 = {keystone}/v3
region = RegionOne
v3_endpoint_type = public
admin_role = admin
disable_ssl_certificate_validation = true

[identity-feature-enabled]
api_v2 = false
api_v3 = true
security_compliance = false
project_tags = false
application_credentials = false

[service_available]
neutron = true
nova = false
glance = false
cinder = false
swift = false
heat = false
horizon = false
designate = false
octavia = false

[network]
catalog_type = network
region = RegionOne
endpoint_type = publicURL
build_timeout = 60
build_interval = 1
project_network_cidr = 10.100.0.0/16
project_network_mask_bits = 28
project_network_v6_cidr = 2001:db8::/48
project_network_v6_mask_bits = 64
project_networks_reachable = false
public_network_id = {public_network_id}
floating_network_name = public
shared_physical_network = false

[network-feature-enabled]
ipv6 = true
ipv6_subnet_attributes = true
port_admin_state_change = true
port_security = true
floating_ips = true
api_extensions = {extensions}

[neutron_plugin_options]
available_type_drivers = flat,vlan,local,vxlan
provider_vlans = physnet1
provider_net_base_segm_id = 3000
max_mtu = 1500
create_shared_resources = true
specify_floating_ip_address_available = true
agent_availability_zone = nova

[validation]
run_validation = false
"""


def admin():
    return next(a for a in ident.STATIC_ACCOUNTS if a["admin"])


def write_qdhcp(out_dir):
    with open(os.path.join(out_dir, "qdhcp.ini"), "w") as f:
        f.write(QDHCP_INI.format(tokens=",".join(ident.qdhcp_static_tokens())))
    with open(os.path.join(out_dir, "accounts.yaml"), "w") as f:
        f.write("# written by test/tempest/configure.py: accounts served by keystone_stub.py\n")
        for a in ident.STATIC_ACCOUNTS:
            f.write("- username: '%s'\n" % a["user"])
            f.write("  user_id: '%s'\n" % a["user_id"])
            f.write("  project_name: '%s'\n" % a["project"])
            # project_id up front: some tests read client.tenant_id before the client has authenticated
            f.write("  project_id: '%s'\n" % a["project_id"])
            f.write("  password: '%s'\n" % ident.PASSWORD)
            f.write("  user_domain_name: 'Default'\n")
            f.write("  project_domain_name: 'Default'\n")
            f.write("  roles:\n  - '%s'\n" % ("admin" if a["admin"] else "member"))


def call(url, method="GET", body=None, token=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("X-Auth-Token", token)
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read() or b"{}")


def wait_for(what, seconds, probe):
    """Polls probe() (bounded) until it returns a true value; raises SystemExit naming what never came."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            value = probe()
            if value:
                return value
        except (urllib.error.URLError, OSError, ValueError):
            pass
        if time.monotonic() > deadline:
            raise SystemExit("configure.py: %s did not come within %d s" % (what, seconds))
        time.sleep(0.2)


def write_tempest(out_dir, keystone, qdhcp, accounts):
    token = admin()["token"]
    wait_for("the Keystone stand-in", 20, lambda: call(keystone + "/v3"))
    extensions = wait_for("qdhcp's API", 60, lambda: call(qdhcp + "/v2.0/extensions", token=token))
    # dhcp_agent_scheduler tests need an alive agent
    wait_for("qdhcp's DHCP agent", 20, lambda: any(
        a["alive"] for a in call(qdhcp + "/v2.0/agents", token=token)["agents"]))
    aliases = ",".join(sorted(e["alias"] for e in extensions["extensions"]))
    public = call(qdhcp + "/v2.0/networks", "POST", token=token, body={"network": {
        "name": "public", "router:external": True,
        "provider:network_type": "flat", "provider:physical_network": "public"}})["network"]
    # 192.0.2.0/24 (RFC 5737): the network is only ever an API object, never plumbed
    call(qdhcp + "/v2.0/subnets", "POST", token=token, body={"subnet": {
        "name": "public-subnet", "network_id": public["id"], "cidr": "192.0.2.0/24", "ip_version": 4,
        "enable_dhcp": False, "gateway_ip": "192.0.2.1"}})
    with open(os.path.join(out_dir, "tempest.conf"), "w") as f:
        f.write(TEMPEST_CONF.format(
            out_dir=out_dir,
            accounts=accounts,
            admin_user=admin()["user"],
            admin_project=admin()["project"],
            password=ident.PASSWORD,
            keystone=keystone,
            extensions=aliases,
            public_network_id=public["id"],
        ))
    print(aliases)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("step", choices=["qdhcp", "tempest"])
    ap.add_argument("out_dir")
    ap.add_argument("--keystone")
    ap.add_argument("--qdhcp")
    ap.add_argument("--accounts")
    args = ap.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    if args.step == "qdhcp":
        write_qdhcp(args.out_dir)
    else:
        write_tempest(args.out_dir, args.keystone.rstrip("/"), args.qdhcp.rstrip("/"), args.accounts)


if __name__ == "__main__":
    main()
