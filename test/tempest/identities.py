"""Fixed identities shared by the Keystone stand-in, qdhcp's static tokens and tempest's accounts.yaml.

Every identity is (user, project, admin flag) -> one fixed token id.  qdhcp knows the same token ids
through `static_tokens = TOKEN:PROJECT:ROLE`, so a token the stub hands out is a token qdhcp accepts.

Two kinds:
  * STATIC_ACCOUNTS: the pre-provisioned accounts of accounts.yaml (primary/alt/admin and spares).
  * a POOL of projects for tempest's DynamicCredentialProvider, which some test classes force
    (force_tenant_isolation = True, e.g. neutron-tempest-plugin's BaseSearchCriteriaTest). When tempest
    creates a project through the stub's identity admin API the stub hands out the next pool project id;
    the token of a user scoped to it is the pool's member or admin token, by the roles assigned.
"""
import uuid

DOMAIN = {"id": "default", "name": "Default"}
PASSWORD = "tp-secret"
POOL_SIZE = 200


def _hex(name):
    return uuid.uuid5(uuid.NAMESPACE_URL, "qdhcp-tempest/" + name).hex


# name, project name, admin?
_STATIC = [
    ("tp-admin", "tp-project-a", True),     # admin of project A
    ("tp-demo", "tp-project-b", False),     # primary candidate: project B, member
    ("tp-alt", "tp-project-c", False),      # alt candidate: project C, member
    # spares, so that `--concurrency 2` has a second primary/alt/admin set
    ("tp-admin2", "tp-project-a2", True),
    ("tp-demo2", "tp-project-d", False),
    ("tp-alt2", "tp-project-e", False),
]

STATIC_ACCOUNTS = [
    {
        "user": name,
        "user_id": _hex("user/" + name),
        "project": project,
        "project_id": _hex("project/" + project),
        "admin": admin,
        "token": "tp-tok-" + name,
    }
    for name, project, admin in _STATIC
]

POOL = [
    {
        "project_id": _hex("pool/%03d" % i),
        "member_token": "tp-tok-pool%03d-member" % i,
        "admin_token": "tp-tok-pool%03d-admin" % i,
    }
    for i in range(POOL_SIZE)
]

ROLES = {
    "admin": _hex("role/admin"),
    "member": _hex("role/member"),
    "reader": _hex("role/reader"),
    "service": _hex("role/service"),
}


def qdhcp_static_tokens():
    """TOKEN:PROJECT:ROLE entries for qdhcp's static_tokens."""
    out = []
    for a in STATIC_ACCOUNTS:
        out.append("%s:%s:%s" % (a["token"], a["project_id"], "admin" if a["admin"] else "member"))
    for p in POOL:
        out.append("%s:%s:member" % (p["member_token"], p["project_id"]))
        out.append("%s:%s:admin" % (p["admin_token"], p["project_id"]))
    return out
