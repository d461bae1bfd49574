#!/usr/bin/python3
"""A Keystone v3 stand-in for running tempest against qdhcp (which has no Keystone); started by run.sh.

Answers what tempest needs:
  * version discovery: GET /, GET /v3
  * POST /v3/auth/tokens (password or token method, project scope by id or name) -> fixed token ids in
    X-Subject-Token, body with user, project, roles and a catalog (network -> qdhcp, identity -> us)
  * GET/HEAD/DELETE /v3/auth/tokens (validation, X-Subject-Token)
  * the identity admin calls of tempest's DynamicCredentialProvider (domains, projects, users, roles,
    role assignments), which test classes with force_tenant_isolation = True use even when
    use_dynamic_credentials = false. Projects are handed out from a fixed pool so that qdhcp's static
    tokens cover them (see identities.py).

Usage: keystone_stub.py --bind 127.0.0.1:PORT --network-url http://127.0.0.1:PORT [--log FILE]
Listens on loopback only; the bind address is refused otherwise.
"""
import argparse
import datetime
import json
import re
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import identities as ident

LOCK = threading.Lock()  # one request at a time: State is plain dicts
EXPIRES = "2099-12-31T23:59:59.000000Z"


def _utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


class State:
    def __init__(self, network_url, base_url):
        self.network_url = network_url
        self.base_url = base_url  # http://host:port (no /v3)
        self.domains = {ident.DOMAIN["id"]: dict(ident.DOMAIN, enabled=True, description="", tags=[])}
        self.projects = {}  # id -> project dict
        self.users = {}  # id -> user dict (+ password)
        self.roles = {name: {"id": rid, "name": name, "domain_id": None} for name, rid in ident.ROLES.items()}
        self.assignments = set()  # (user_id, project_id, role_id)
        self.tokens = {}  # token id -> token body
        self.pool_next = 0
        self.pool_by_project = {p["project_id"]: p for p in ident.POOL}
        for a in ident.STATIC_ACCOUNTS:
            self.projects[a["project_id"]] = self._project(a["project_id"], a["project"])
            self.users[a["user_id"]] = self._user(a["user_id"], a["user"], ident.PASSWORD, a["project_id"])
            self.assignments.add((a["user_id"], a["project_id"], ident.ROLES["member"]))
            self.assignments.add((a["user_id"], a["project_id"], ident.ROLES["reader"]))
            if a["admin"]:
                self.assignments.add((a["user_id"], a["project_id"], ident.ROLES["admin"]))
        self.static_token = {(a["user_id"], a["project_id"]): a["token"] for a in ident.STATIC_ACCOUNTS}

    def _project(self, pid, name, description=""):
        return {
            "id": pid, "name": name, "domain_id": "default", "description": description,
            "enabled": True, "parent_id": "default", "is_domain": False, "tags": [], "options": {},
            "links": {"self": "%s/v3/projects/%s" % (self.base_url, pid)},
        }

    def _user(self, uid, name, password, default_project_id=None):
        return {
            "id": uid, "name": name, "domain_id": "default", "enabled": True, "password": password,
            "default_project_id": default_project_id, "password_expires_at": None, "options": {},
            "links": {"self": "%s/v3/users/%s" % (self.base_url, uid)},
        }

    def catalog(self):
        def svc(stype, name, url):
            sid = uuid.uuid5(uuid.NAMESPACE_URL, "svc/" + stype).hex
            eps = []
            for iface in ("public", "internal", "admin"):
                eps.append({"id": uuid.uuid5(uuid.NAMESPACE_URL, "ep/%s/%s" % (stype, iface)).hex,
                            "interface": iface, "region_id": "RegionOne", "region": "RegionOne", "url": url})
            return {"id": sid, "type": stype, "name": name, "endpoints": eps}

        return [svc("network", "neutron", self.network_url),
                svc("identity", "keystone", self.base_url + "/v3")]

    def role_refs(self, user_id, project_id):
        ids = {r for (u, p, r) in self.assignments if u == user_id and p == project_id}
        return [{"id": r["id"], "name": r["name"]} for r in self.roles.values() if r["id"] in ids]

    def issue(self, user, project, methods):
        """Returns (token id, body) or raises KeyError-ish problems as (status, message)."""
        now = _utcnow().strftime("%Y-%m-%dT%H:%M:%S.000000Z")
        body = {
            "methods": methods,
            "user": {"id": user["id"], "name": user["name"], "domain": dict(ident.DOMAIN),
                     "password_expires_at": None},
            "audit_ids": [uuid.uuid4().hex[:22]],
            "expires_at": EXPIRES,
            "issued_at": now,
        }
        if project is None:
            return "tp-tok-unscoped-" + user["id"], body
        roles = self.role_refs(user["id"], project["id"])
        if not roles:
            raise PermissionError("User %s has no access to project %s" % (user["id"], project["id"]))
        is_admin = any(r["name"] == "admin" for r in roles)
        token = self.static_token.get((user["id"], project["id"]))
        if token is None:
            slot = self.pool_by_project.get(project["id"])
            if slot is None:
                raise PermissionError("project %s is not backed by a qdhcp static token" % project["id"])
            token = slot["admin_token"] if is_admin else slot["member_token"]
        body.update({
            "project": {"id": project["id"], "name": project["name"], "domain": dict(ident.DOMAIN)},
            "is_domain": False,
            "roles": roles,
            "catalog": self.catalog(),
        })
        return token, body


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "keystone-stub/1"
    state = None  # set in main
    log_file = None

    # ---- plumbing -------------------------------------------------------------------------------------
    def log_message(self, fmt, *args):
        if Handler.log_file:
            Handler.log_file.write("%s %s\n" % (_utcnow().isoformat(), fmt % args))
            Handler.log_file.flush()

    def _read_json(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        if not raw:
            return {}
        return json.loads(raw.decode("utf-8"))

    def _send(self, status, body=None, headers=None):
        data = b"" if body is None else json.dumps(body).encode("utf-8")
        self.send_response(status)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Vary", "X-Auth-Token")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if data and self.command != "HEAD":
            self.wfile.write(data)

    def _error(self, status, title, message):
        self._send(status, {"error": {"code": status, "title": title, "message": message}})

    def _authorized(self):
        tok = self.headers.get("X-Auth-Token")
        return tok is not None and tok in self.state.tokens

    def _version(self):
        return {
            "id": "v3.14", "status": "stable", "updated": "2020-04-07T00:00:00Z",
            "links": [{"rel": "self", "href": self.state.base_url + "/v3/"}],
            "media-types": [{"base": "application/json",
                             "type": "application/vnd.openstack.identity-v3+json"}],
        }

    # ---- dispatch -------------------------------------------------------------------------------------
    def do_GET(self):
        self._dispatch("GET")

    def do_HEAD(self):
        self._dispatch("HEAD")

    def do_POST(self):
        self._dispatch("POST")

    def do_PUT(self):
        self._dispatch("PUT")

    def do_PATCH(self):
        self._dispatch("PATCH")

    def do_DELETE(self):
        self._dispatch("DELETE")

    def _dispatch(self, method):
        parts = urlsplit(self.path)
        path = parts.path.rstrip("/") or "/"
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        try:
            with LOCK:
                self._route(method, path, query)
        except json.JSONDecodeError as exc:
            self._error(400, "Bad Request", "malformed JSON: %s" % exc)
        except Exception as exc:  # a bug here: answer it, so tempest's log shows it
            self._error(500, "Internal Server Error", "%s: %s" % (type(exc).__name__, exc))

    def _route(self, method, path, query):
        st = self.state
        if path == "/" and method in ("GET", "HEAD"):
            return self._send(300, {"versions": {"values": [self._version()]}})
        if path == "/v3" and method in ("GET", "HEAD"):
            return self._send(200, {"version": self._version()})
        if path == "/v3/auth/tokens":
            if method == "POST":
                return self._post_token()
            subject = self.headers.get("X-Subject-Token")
            if method in ("GET", "HEAD"):
                if subject in st.tokens:
                    return self._send(200, {"token": st.tokens[subject]}, {"X-Subject-Token": subject})
                return self._error(404, "Not Found", "Could not find token: %s." % subject)
            if method == "DELETE":
                return self._send(204)
        if path == "/v3/auth/catalog" and method == "GET":
            return self._send(200, {"catalog": st.catalog(), "links": {}})

        # identity admin API (DynamicCredentialProvider and neutron-tempest-plugin's create_project)
        if not self._authorized():
            return self._error(401, "Unauthorized", "The request you have made requires authentication.")
        m = re.fullmatch(r"/v3/(domains|projects|users|roles)(?:/([^/]+))?", path)
        if m:
            return self._collection(method, m.group(1), m.group(2), query)
        m = re.fullmatch(r"/v3/(projects|domains)/([^/]+)/users/([^/]+)/roles(?:/([^/]+))?", path)
        if m:
            return self._role_assignment(method, m.group(1), m.group(2), m.group(3), m.group(4))
        if path == "/v3/role_assignments" and method == "GET":
            ras = [{"user": {"id": u}, "scope": {"project": {"id": p}}, "role": {"id": r}}
                   for (u, p, r) in sorted(st.assignments)]
            return self._send(200, {"role_assignments": ras, "links": {"self": None, "next": None}})
        return self._error(404, "Not Found", "stub: %s %s is not implemented" % (method, path))

    # ---- tokens ---------------------------------------------------------------------------------------
    def _post_token(self):
        st = self.state
        req = self._read_json().get("auth", {})
        identity = req.get("identity", {})
        methods = identity.get("methods", [])
        user = None
        if "password" in methods:
            u = identity.get("password", {}).get("user", {})
            if "id" in u:
                user = st.users.get(u["id"])
            else:
                user = next((x for x in st.users.values() if x["name"] == u.get("name")), None)
            if user is None or user["password"] != u.get("password"):
                return self._error(401, "Unauthorized", "The request you have made requires authentication.")
        elif "token" in methods:
            prev = st.tokens.get(identity.get("token", {}).get("id"))
            if prev is None:
                return self._error(401, "Unauthorized", "The request you have made requires authentication.")
            user = st.users.get(prev["user"]["id"])
        else:
            return self._error(401, "Unauthorized", "unsupported auth methods %s" % methods)
        scope = req.get("scope") or {}
        project = None
        if "project" in scope:
            ps = scope["project"]
            if "id" in ps:
                project = st.projects.get(ps["id"])
            else:
                project = next((p for p in st.projects.values() if p["name"] == ps.get("name")), None)
            if project is None:
                return self._error(401, "Unauthorized", "project %s not found" % ps)
        elif scope:
            return self._error(401, "Unauthorized", "stub supports project scope only, got %s" % list(scope))
        try:
            token, body = st.issue(user, project, methods)
        except PermissionError as exc:
            return self._error(401, "Unauthorized", str(exc))
        st.tokens[token] = body
        return self._send(201, {"token": body}, {"X-Subject-Token": token})

    # ---- identity admin -------------------------------------------------------------------------------
    def _public(self, kind, obj):
        if kind == "users":
            return {k: v for k, v in obj.items() if k != "password"}
        return obj

    def _collection(self, method, kind, oid, query):
        st = self.state
        store = {"domains": st.domains, "projects": st.projects, "users": st.users,
                 "roles": {r["id"]: r for r in st.roles.values()}}[kind]
        single = kind[:-1]
        if oid is None and method == "GET":
            items = list(store.values())
            for key in ("name", "domain_id"):
                if key in query:
                    items = [i for i in items if str(i.get(key)) == query[key]]
            return self._send(200, {kind: [self._public(kind, i) for i in items],
                                    "links": {"self": None, "next": None, "previous": None}})
        if oid is None and method == "POST":
            req = self._read_json().get(single, {})
            name = req.get("name")
            if kind == "roles":
                if name in st.roles:
                    return self._error(409, "Conflict", "Duplicate entry found with name %s." % name)
                role = {"id": uuid.uuid4().hex, "name": name, "domain_id": None}
                st.roles[name] = role
                return self._send(201, {"role": role})
            if kind == "projects":
                if st.pool_next >= len(ident.POOL):
                    return self._error(403, "Forbidden", "stub: project pool exhausted")
                pid = ident.POOL[st.pool_next]["project_id"]
                st.pool_next += 1
                proj = st._project(pid, name, req.get("description", ""))
                st.projects[pid] = proj
                return self._send(201, {"project": proj})
            if kind == "users":
                uid = uuid.uuid4().hex
                user = st._user(uid, name, req.get("password"), req.get("default_project_id"))
                st.users[uid] = user
                return self._send(201, {"user": self._public(kind, user)})
            if kind == "domains":
                did = uuid.uuid4().hex
                dom = {"id": did, "name": name, "enabled": True, "description": req.get("description", "")}
                st.domains[did] = dom
                return self._send(201, {"domain": dom})
        if oid is not None:
            obj = store.get(oid)
            if obj is None:
                return self._error(404, "Not Found", "Could not find %s: %s." % (single, oid))
            if method == "GET":
                return self._send(200, {single: self._public(kind, obj)})
            if method == "PATCH":
                obj.update(self._read_json().get(single, {}))
                return self._send(200, {single: self._public(kind, obj)})
            if method == "DELETE":
                if kind == "roles":
                    del st.roles[obj["name"]]
                else:
                    del store[oid]
                if kind == "users":
                    st.assignments = {a for a in st.assignments if a[0] != oid}
                if kind == "projects":
                    st.assignments = {a for a in st.assignments if a[1] != oid}
                return self._send(204)
        return self._error(405, "Method Not Allowed", "%s on %s" % (method, kind))

    def _role_assignment(self, method, target_kind, target_id, user_id, role_id):
        st = self.state
        if method == "GET" and role_id is None:
            ids = {r for (u, p, r) in st.assignments if u == user_id and p == target_id}
            roles = [r for r in st.roles.values() if r["id"] in ids]
            return self._send(200, {"roles": roles, "links": {"self": None, "next": None, "previous": None}})
        if method in ("PUT", "HEAD", "GET"):
            if method == "PUT":
                st.assignments.add((user_id, target_id, role_id))
                return self._send(204)
            present = (user_id, target_id, role_id) in st.assignments
            return self._send(204 if present else 404)
        if method == "DELETE":
            st.assignments.discard((user_id, target_id, role_id))
            return self._send(204)
        return self._error(405, "Method Not Allowed", method)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bind", default="127.0.0.1:19500")
    ap.add_argument("--network-url", required=True)
    ap.add_argument("--log")
    args = ap.parse_args()
    host, port = args.bind.rsplit(":", 1)
    if host not in ("127.0.0.1", "localhost"):
        sys.exit("refusing to listen on anything but loopback")
    Handler.state = State(args.network_url.rstrip("/"), "http://%s:%s" % (host, port))
    if args.log:
        Handler.log_file = open(args.log, "a", buffering=1)
    srv = ThreadingHTTPServer((host, int(port)), Handler)
    srv.daemon_threads = True
    print("keystone stub on http://%s:%s" % (host, port), flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
