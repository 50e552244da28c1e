#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Tests of tests/kube/fake-apiserver, printed as TAP.

Starts the server on 127.0.0.1 (free ports only), drives it with the real
kubectl (skipped when absent) and with a raw HTTPS client, and stops every
server it started by its pid.  Run through test-fake-apiserver.sh.
"""

import base64
import http.client
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

TOP = os.environ.get("top_srcdir") or os.environ.get("srcdir") or "."
SERVER = os.path.join(TOP, "tests", "kube", "fake-apiserver")
KUBECTL = shutil.which("kubectl")


class Fake:
    """One fake-apiserver process and a client for it."""

    def __init__(self, tmp, name, *args):
        self.dir = os.path.join(tmp, name)
        os.makedirs(self.dir)
        self.kubeconfig = os.path.join(self.dir, "kubeconfig")
        self.token_file = os.path.join(self.dir, "token")
        with open(self.token_file, "w") as f:
            f.write("token-one\n")
        self.log = open(os.path.join(self.dir, "stderr"), "w")
        self.proc = subprocess.Popen(
            [sys.executable, SERVER, "--listen", "127.0.0.1:0",
             "--cert-dir", os.path.join(self.dir, "certs"),
             "--token-file", self.token_file,
             "--kubeconfig-out", self.kubeconfig] + list(args),
            stdout=subprocess.PIPE, stderr=self.log, text=True)
        self.url = self.proc.stdout.readline().strip()
        if not self.url.startswith("https://127.0.0.1:"):
            self.stop()
            raise RuntimeError("server did not start: %r" % self.url)
        self.port = int(self.url.rsplit(":", 1)[1])
        self.ca = os.path.join(self.dir, "certs", "ca.crt")
        self.ctx = ssl.create_default_context(cafile=self.ca)
        self.token = "token-one"

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()       # by pid: only what we started
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()

    def conn(self, timeout=10):
        return http.client.HTTPSConnection("127.0.0.1", self.port,
                                           context=self.ctx, timeout=timeout)

    def call(self, method, path, body=None, ctype="application/json",
             token=True):
        """(status, headers, parsed JSON body) of one request."""
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = "Bearer %s" % (
                self.token if token is True else token)
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body)
            headers["Content-Type"] = ctype
        c = self.conn()
        try:
            c.request(method, path, body=data, headers=headers)
            r = c.getresponse()
            raw = r.read()
            return r.status, r.headers, json.loads(raw) if raw else None
        finally:
            c.close()

    def ok(self, method, path, body=None, ctype="application/json"):
        st, _, obj = self.call(method, path, body, ctype)
        if st >= 300:
            raise AssertionError("%s %s: %d %s" % (method, path, st, obj))
        return obj

    def fault(self, what):
        return self.ok("POST", "/fake/" + what)

    def kubectl(self, *args, check=True, stdin=None):
        cache = os.path.join(self.dir, "kube-cache")
        env = {"PATH": os.environ.get("PATH", ""), "HOME": self.dir}
        r = subprocess.run([KUBECTL, "--kubeconfig", self.kubeconfig,
                            "--cache-dir", cache] + list(args), env=env,
                           input=stdin, capture_output=True, text=True,
                           timeout=60)
        if check and r.returncode:
            raise AssertionError("kubectl %s: %s" % (" ".join(args),
                                                     r.stderr.strip()))
        return r

    def watch(self, query):
        return Watch(self, "/api/v1/nodes?watch=1&" + query)


class Watch:
    """A watch read by a thread: decodes the chunked stream into lines
    and records how it ended ("clean" final chunk, or "abort")."""

    def __init__(self, fake, path):
        raw = socket.create_connection(("127.0.0.1", fake.port), timeout=30)
        self.sock = fake.ctx.wrap_socket(raw, server_hostname="127.0.0.1")
        self.sock.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                           "Authorization: Bearer %s\r\n\r\n"
                           % (path, fake.token)).encode())
        self.lines, self.partial, self.status = [], b"", None
        self.ended = None
        self.cond = threading.Condition()
        threading.Thread(target=self.run, daemon=True).start()

    def run(self):
        buf = bytearray()       # bytearray: linear even for huge lines
        body = bytearray()
        ended = "abort"
        try:
            while True:
                data = self.sock.recv(1 << 16)
                if not data:
                    break
                buf += data
                if self.status is None:
                    end = buf.find(b"\r\n\r\n")
                    if end < 0:
                        continue
                    with self.cond:
                        self.status = int(buf[:end].split()[1])
                        self.cond.notify_all()
                    del buf[:end + 4]
                while True:             # each complete chunk
                    eol = buf.find(b"\r\n")
                    if eol < 0:
                        break
                    size = int(buf[:eol], 16)
                    if size == 0:
                        ended = "clean"
                        raise StopIteration
                    if len(buf) < eol + 2 + size + 2:
                        break
                    body += buf[eol + 2:eol + 2 + size]
                    del buf[:eol + 2 + size + 2]
                    with self.cond:
                        while True:
                            nl = body.find(b"\n")
                            if nl < 0:
                                break
                            self.lines.append(bytes(body[:nl]))
                            del body[:nl + 1]
                        self.partial = bytes(body)
                        self.cond.notify_all()
        except (StopIteration, OSError, ValueError):
            pass
        with self.cond:
            self.partial = bytes(body)
            self.ended = ended
            self.cond.notify_all()
        self.sock.close()

    def wait(self, pred, timeout=10):
        end = time.monotonic() + timeout
        with self.cond:
            while not pred(self):
                left = end - time.monotonic()
                if left <= 0:
                    return False
                self.cond.wait(left)
        return True

    def opened(self):
        """The server sends the headers once the watch is registered."""
        return self.wait(lambda w: w.status is not None)

    def events(self):
        with self.cond:
            return [json.loads(line) for line in self.lines]

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def rv_of(obj):
    return int(obj["metadata"]["resourceVersion"])


def node_yaml(name, labels, cidrs):
    return ("apiVersion: v1\nkind: Node\nmetadata:\n  name: %s\n"
            "  labels: %s\nspec:\n  podCIDRs: %s\n"
            % (name, json.dumps(labels), json.dumps(cidrs)))


MANIFEST = """
apiVersion: v1
kind: Namespace
metadata: {name: xcni-test}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: xcni, namespace: kube-system}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: xcni, namespace: kube-system}
data: {xcni.ini: "[global]\\n"}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: xcni}
rules:
- apiGroups: [""]
  resources: [nodes]
  verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: xcni}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: xcni}
subjects:
- {kind: ServiceAccount, name: xcni, namespace: kube-system}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: xcni, namespace: kube-system}
spec:
  selector: {matchLabels: {app: xcni}}
  template:
    metadata: {labels: {app: xcni}}
    spec:
      hostNetwork: true
      containers:
      - {name: worker, image: "example/xcni:1"}
---
apiVersion: k8s.cni.cncf.io/v1
kind: NetworkAttachmentDefinition
metadata: {name: net3, namespace: default}
spec:
  config: '{"cniVersion":"0.4.0","type":"bridge"}'
"""


# --- the tests: each is (description, function, needs kubectl) -----------

TESTS = []


def test(desc, kubectl=False):
    def reg(fn):
        TESTS.append((desc, fn, kubectl))
        return fn
    return reg


@test("starts, prints its URL, writes a 0600 kubeconfig with CA and token")
def t_start(f):
    st = os.stat(f.kubeconfig)
    check(st.st_mode & 0o777 == 0o600, "mode %o" % st.st_mode)
    text = open(f.kubeconfig).read()
    check("server: %s" % f.url in text, "server missing")
    check("certificate-authority-data:" in text, "CA data missing")
    check("token: token-one" in text, "token missing")
    v = f.ok("GET", "/version")
    check((v["major"], v["minor"], v["gitVersion"]) ==
          ("1", "32", "v1.32.4"), v)


@test("missing or wrong token: 401 Status; right token: 200")
def t_auth(f):
    for tok in (None, "wrong"):
        st, _, obj = f.call("GET", "/api/v1/nodes", token=tok or False)
        check(st == 401 and obj["kind"] == "Status" and obj["code"] == 401,
              (st, obj))
    check(f.call("GET", "/api/v1/nodes")[0] == 200, "200")


@test("generated nodes: dual-stack podCIDRs, addresses, 15-25 KB each")
def t_generated(f):
    n = f.ok("GET", "/api/v1/nodes/node-2")
    check(n["spec"]["podCIDRs"] == ["198.18.1.0/24", "fd00:0:0:1::/64"],
          n["spec"])
    check(n["status"]["addresses"] == [
        {"type": "InternalIP", "address": "192.0.2.2"},
        {"type": "InternalIP", "address": "2001:db8::2"},
        {"type": "Hostname", "address": "node-2"}], n["status"]["addresses"])
    size = len(json.dumps(n, separators=(",", ":")))
    print("# node JSON size: %d bytes" % size)
    check(15000 <= size <= 25000, size)
    check(len(n["status"]["images"]) == 50, "images")
    check(n["metadata"]["managedFields"], "managedFields")


@test("kubectl get nodes", kubectl=True)
def t_kubectl_get(f):
    out = f.kubectl("get", "nodes").stdout
    check(all("node-%d" % i in out for i in (1, 2, 3)), out)


@test("kubectl get node X -o json", kubectl=True)
def t_kubectl_get_json(f):
    n = json.loads(f.kubectl("get", "node", "node-1", "-o", "json").stdout)
    check(n["metadata"]["name"] == "node-1", n["metadata"])


@test("kubectl annotate (and 409 on a stale --resource-version)",
      kubectl=True)
def t_kubectl_annotate(f):
    before = f.ok("GET", "/api/v1/nodes/node-1")
    f.kubectl("annotate", "node", "node-1", "adr.example.com/net3=10.0.0.1")
    n = f.ok("GET", "/api/v1/nodes/node-1")
    check(n["metadata"]["annotations"]["adr.example.com/net3"] ==
          "10.0.0.1", n["metadata"]["annotations"])
    check(rv_of(n) > rv_of(before), "rv did not grow")
    r = f.kubectl("annotate", "--overwrite", "node", "node-1",
                  "adr.example.com/net3=10.0.0.2",
                  "--resource-version", str(rv_of(before)), check=False)
    check(r.returncode != 0 and "modified" in r.stderr, r.stderr)
    f.kubectl("annotate", "node", "node-1", "adr.example.com/net3-")
    n = f.ok("GET", "/api/v1/nodes/node-1")
    check("adr.example.com/net3" not in n["metadata"]["annotations"], "del")


@test("kubectl label", kubectl=True)
def t_kubectl_label(f):
    f.kubectl("label", "node", "node-2", "xcni.test/role=edge")
    out = f.kubectl("get", "nodes", "-l", "xcni.test/role=edge",
                    "-o", "name").stdout.split()
    check(out == ["node/node-2"], out)


@test("kubectl apply -f creates a node", kubectl=True)
def t_kubectl_apply(f):
    path = os.path.join(f.dir, "node.yaml")
    with open(path, "w") as fh:
        fh.write(node_yaml("extra-1", {"a": "1", "b": "2"},
                           ["198.18.200.0/24", "fd00:0:0:c8::/64"]))
    f.kubectl("apply", "-f", path)
    n = f.ok("GET", "/api/v1/nodes/extra-1")
    check(n["spec"]["podCIDRs"][0] == "198.18.200.0/24", n["spec"])
    check("kubectl.kubernetes.io/last-applied-configuration" in
          n["metadata"]["annotations"], "last-applied")


@test("kubectl apply -f of a changed file (strategic merge patch)",
      kubectl=True)
def t_kubectl_reapply(f):
    path = os.path.join(f.dir, "node.yaml")
    with open(path, "w") as fh:
        fh.write(node_yaml("extra-1", {"a": "1", "c": "3"},
                           ["198.18.201.0/24", "fd00:0:0:c8::/64"]))
    f.kubectl("apply", "-f", path)
    n = f.ok("GET", "/api/v1/nodes/extra-1")
    check(n["spec"]["podCIDRs"] == ["198.18.201.0/24", "fd00:0:0:c8::/64"],
          n["spec"])
    check(n["metadata"]["labels"] == {"a": "1", "c": "3"},
          n["metadata"]["labels"])
    check("$" not in json.dumps(n), "a $ directive was stored")
    before = rv_of(n)
    with open(path, "w") as fh:
        fh.write(node_yaml("extra-1", {"a": "9"}, ["198.18.202.0/24"]))
    out = f.kubectl("apply", "--dry-run=server", "-f", path).stdout
    check("server dry run" in out, out)
    n = f.ok("GET", "/api/v1/nodes/extra-1")
    check(rv_of(n) == before and n["metadata"]["labels"]["a"] == "1",
          "dry run changed the node")


@test("kubectl delete node", kubectl=True)
def t_kubectl_delete(f):
    f.kubectl("delete", "node", "extra-1")
    check(f.call("GET", "/api/v1/nodes/extra-1")[0] == 404, "still there")


@test("kubectl apply --dry-run=server of the manifest kinds, then for real",
      kubectl=True)
def t_kubectl_manifest(f):
    path = os.path.join(f.dir, "manifest.yaml")
    with open(path, "w") as fh:
        fh.write(MANIFEST)
    out = f.kubectl("apply", "--dry-run=server", "-f", path).stdout
    check(out.count("(server dry run)") == 7, out)
    check(f.call("GET", "/apis/apps/v1/namespaces/kube-system/daemonsets/"
                 "xcni")[0] == 404, "dry run stored")
    f.kubectl("apply", "-f", path)
    ds = f.ok("GET", "/apis/apps/v1/namespaces/kube-system/daemonsets/xcni")
    check(ds["spec"]["template"]["spec"]["hostNetwork"] is True, ds)
    nad = f.kubectl("get", "net-attach-def", "-n", "default", "net3",
                    "-o", "json").stdout
    check(json.loads(nad)["kind"] == "NetworkAttachmentDefinition", nad)


@test("list with limit/continue: pages at one resourceVersion")
def t_list_pages(f):
    full = f.ok("GET", "/api/v1/nodes")
    names, cont, rvs = [], "", set()
    while True:
        page = f.ok("GET", "/api/v1/nodes?limit=2" + (
            "&continue=" + urllib.parse.quote(cont) if cont else ""))
        names += [n["metadata"]["name"] for n in page["items"]]
        rvs.add(page["metadata"]["resourceVersion"])
        cont = page["metadata"].get("continue")
        if not cont:
            break
        check(page["metadata"]["remainingItemCount"] > 0, page["metadata"])
        # A change between pages is not seen by this list (snapshot).
        f.ok("PATCH", "/api/v1/nodes/node-3", {"metadata": {"labels": {
            "paged": str(len(names))}}}, "application/merge-patch+json")
    check(names == [n["metadata"]["name"] for n in full["items"]], names)
    check(rvs == {full["metadata"]["resourceVersion"]}, rvs)


@test("an expired continue token answers 410 Expired")
def t_list_expired(f):
    page = f.ok("GET", "/api/v1/nodes?limit=1")
    cont = urllib.parse.quote(page["metadata"]["continue"])
    time.sleep(1.3)                 # --continue-ttl 1
    st, _, obj = f.call("GET", "/api/v1/nodes?limit=1&continue=" + cont)
    check(st == 410 and obj["reason"] == "Expired", (st, obj))
    page = f.ok("GET", "/api/v1/nodes?limit=1")
    f.fault("compact")
    st, _, obj = f.call("GET", "/api/v1/nodes?limit=1&continue=" +
                        urllib.parse.quote(page["metadata"]["continue"]))
    check(st == 410, "compact kept the token")


@test("create, get, update (409 on stale RV), patches, dryRun, delete")
def t_crud(f):
    node = {"apiVersion": "v1", "kind": "Node", "metadata": {
        "name": "crud", "labels": {"x": "1"}},
        "spec": {"podCIDRs": ["198.18.210.0/24"]}}
    st, _, obj = f.call("POST", "/api/v1/nodes?dryRun=All", node)
    check(st == 201 and f.call("GET", "/api/v1/nodes/crud")[0] == 404,
          "dry-run create stored")
    made = f.ok("POST", "/api/v1/nodes", node)
    check(f.call("POST", "/api/v1/nodes", node)[0] == 409, "duplicate")
    made["spec"]["podCIDRs"] = ["198.18.211.0/24"]
    upd = f.ok("PUT", "/api/v1/nodes/crud", made)
    check(rv_of(upd) > rv_of(made), "rv")
    st, _, obj = f.call("PUT", "/api/v1/nodes/crud", made)
    check(st == 409 and obj["reason"] == "Conflict", (st, obj))
    p = f.ok("PATCH", "/api/v1/nodes/crud", {"metadata": {"labels": {
        "x": None, "y": "2"}}}, "application/merge-patch+json")
    check(p["metadata"]["labels"] == {"y": "2"}, p["metadata"])
    p = f.ok("PATCH", "/api/v1/nodes/crud", {"spec": {
        "$setElementOrder/podCIDRs": ["fd00::/64", "198.18.212.0/24"],
        "$deleteFromPrimitiveList/podCIDRs": ["198.18.211.0/24"],
        "podCIDRs": ["198.18.212.0/24", "fd00::/64"]}, "status": {
        "$setElementOrder/addresses": [{"type": "InternalIP"}],
        "addresses": [{"type": "InternalIP", "address": "192.0.2.99"}]}},
        "application/strategic-merge-patch+json")
    check(p["spec"]["podCIDRs"] == ["fd00::/64", "198.18.212.0/24"],
          p["spec"])
    check(p["status"]["addresses"][0]["address"] == "192.0.2.99", p)
    check("$" not in json.dumps(p), "directive stored")
    p = f.ok("PATCH", "/api/v1/nodes/crud", [
        {"op": "replace", "path": "/spec/podCIDRs/0",
         "value": "fd00:0:1::/64"}], "application/json-patch+json")
    check(p["spec"]["podCIDRs"][0] == "fd00:0:1::/64", p["spec"])
    p = f.ok("PATCH", "/api/v1/nodes/crud/status", {"status": {
        "addresses": [{"type": "InternalIP", "address": "192.0.2.98"}]}},
        "application/merge-patch+json")
    check(p["status"]["addresses"][0]["address"] == "192.0.2.98", "status")
    st, _, _ = f.call("PATCH", "/api/v1/nodes/crud", {"spec": {
        "podCIDRs": ["not-a-cidr"]}}, "application/merge-patch+json")
    check(st == 422, "invalid CIDR accepted")
    f.ok("DELETE", "/api/v1/nodes/crud?dryRun=All")
    check(f.call("GET", "/api/v1/nodes/crud")[0] == 200, "dry-run delete")
    f.ok("DELETE", "/api/v1/nodes/crud")
    check(f.call("GET", "/api/v1/nodes/crud")[0] == 404, "not deleted")


@test("watch from the list's resourceVersion sees exactly the later changes")
def t_watch_exact(f):
    lst = f.ok("GET", "/api/v1/nodes")
    w = f.watch("resourceVersion=%s" % lst["metadata"]["resourceVersion"])
    f.ok("POST", "/api/v1/nodes", {"metadata": {"name": "w1"}})
    f.ok("PATCH", "/api/v1/nodes/w1", {"metadata": {"labels": {"a": "b"}}},
         "application/merge-patch+json")
    f.ok("DELETE", "/api/v1/nodes/w1")
    check(w.wait(lambda w: len(w.lines) >= 3), "events: %r" % w.lines)
    time.sleep(0.2)
    ev = w.events()
    w.close()
    check([(e["type"], e["object"]["metadata"]["name"]) for e in ev] ==
          [("ADDED", "w1"), ("MODIFIED", "w1"), ("DELETED", "w1")], ev)
    rvs = [rv_of(e["object"]) for e in ev]
    check(rvs == sorted(rvs) and rvs[0] > int(
        lst["metadata"]["resourceVersion"]), rvs)


@test("watch without resourceVersion starts with ADDED for every node")
def t_watch_initial(f):
    names = [n["metadata"]["name"] for n in
             f.ok("GET", "/api/v1/nodes")["items"]]
    w = f.watch("resourceVersion=0&timeoutSeconds=1")
    check(w.wait(lambda w: w.ended, 5), "did not end")
    ev = w.events()
    check([e["type"] for e in ev] == ["ADDED"] * len(names) and
          [e["object"]["metadata"]["name"] for e in ev] == names, ev)
    w = f.watch("fieldSelector=metadata.name%3Dnode-2&timeoutSeconds=1")
    check(w.wait(lambda w: w.ended, 5), "did not end")
    check([e["object"]["metadata"]["name"] for e in w.events()] ==
          ["node-2"], "fieldSelector")


def current_rv(f):
    return int(f.ok("GET", "/api/v1/nodes")["metadata"]["resourceVersion"])


def touch(f, name):
    """A change to node name; returns its resourceVersion."""
    obj = f.ok("PATCH", "/api/v1/nodes/" + name, {"metadata": {"labels": {
        "touched": str(time.monotonic())}}}, "application/merge-patch+json")
    return int(obj["metadata"]["resourceVersion"])


@test("bookmarks only once the resourceVersion moved past the watcher's")
def t_watch_bookmark(f):
    rv = current_rv(f)
    # node-3 only: changes to node-1 move the RV but send no event.
    w = f.watch("resourceVersion=%d&allowWatchBookmarks=true&"
                "fieldSelector=metadata.name%%3Dnode-3" % rv)
    check(w.opened(), "not opened")
    time.sleep(1.5)                    # three intervals of a quiet store
    check(not w.lines, "bookmark in a quiet store: %r" % w.lines)
    rv2 = touch(f, "node-1")
    check(w.wait(lambda w: len(w.lines) >= 1, 3), "no bookmark after a "
          "change")
    time.sleep(1.5)
    ev = w.events()
    w.close()
    check(len(ev) == 1 and ev[0]["type"] == "BOOKMARK" and
          ev[0]["object"]["metadata"]["resourceVersion"] == str(rv2), ev)


@test("a bookmark just before the watch's deadline, when the RV moved")
def t_watch_bookmark_deadline(f):
    g = Fake(os.path.dirname(f.dir), "deadline", "--nodes", "3",
             "--bookmark-interval", "60")
    try:
        rv = current_rv(g)
        w = g.watch("resourceVersion=%d&allowWatchBookmarks=true&"
                    "fieldSelector=metadata.name%%3Dnode-3&"
                    "timeoutSeconds=3" % rv)
        check(w.opened(), "not opened")
        t0 = time.monotonic()
        touch(g, "node-1")
        check(w.wait(lambda w: len(w.lines) >= 1, 5), "no bookmark")
        took = time.monotonic() - t0
        check(1.5 < took < 3, "bookmark after %.2f s" % took)
        check(w.wait(lambda w: w.ended, 5) and w.ended == "clean", w.ended)
    finally:
        g.stop()


@test("a watch from a future resourceVersion is accepted and waits for it")
def t_watch_future(f):
    rv = current_rv(f)
    w = f.watch("resourceVersion=%d&allowWatchBookmarks=true" % (rv + 2))
    check(w.opened() and w.status == 200, "status %r" % w.status)
    time.sleep(1)
    check(not w.lines and w.ended is None, (w.lines, w.ended))
    touch(f, "node-1")
    touch(f, "node-2")                 # rv + 2: not past the watcher's
    rv3 = touch(f, "node-3")
    check(w.wait(lambda w: any(b'"MODIFIED"' in l for l in w.lines), 5),
          "no event past the future version")
    w.close()
    mods = [e for e in w.events() if e["type"] == "MODIFIED"]
    check([int(e["object"]["metadata"]["resourceVersion"]) for e in mods]
          == [rv3], mods)


@test("lists counted by kind: resourceVersion 0 or N (whole), consistent")
def t_list_kinds(f):
    before = f.ok("GET", "/fake/stats")["requests"]
    rv = current_rv(f)
    whole0 = f.ok("GET", "/api/v1/nodes?resourceVersion=0&limit=1")
    wholen = f.ok("GET", "/api/v1/nodes?resourceVersion=%d&"
                  "resourceVersionMatch=NotOlderThan&limit=1" % rv)
    page = f.ok("GET", "/api/v1/nodes?limit=1")
    check(len(whole0["items"]) == 3 and len(wholen["items"]) == 3 and
          not whole0["metadata"].get("continue"), "cache lists are whole")
    check(len(page["items"]) == 1 and page["metadata"]["continue"], page)
    f.ok("GET", "/api/v1/nodes?limit=1&continue=" +
         urllib.parse.quote(page["metadata"]["continue"]))
    t0 = time.monotonic()
    st, _, obj = f.call("GET", "/api/v1/nodes?resourceVersion=%d&"
                        "resourceVersionMatch=NotOlderThan" % (rv + 100))
    check(st == 504 and "Too large resource version" in obj["message"] and
          time.monotonic() - t0 >= 2.5, (st, obj))
    after = f.ok("GET", "/fake/stats")["requests"]
    got = {k: after.get(k, 0) - before.get(k, 0) for k in
           ("list", "list-rv0", "list-rv", "list-consistent",
            "list-continue")}
    # current_rv's list is the first consistent one.
    check(got == {"list": 6, "list-rv0": 1, "list-rv": 2,
                  "list-consistent": 2, "list-continue": 1}, got)


@test("fault modes: --always-bookmark, --future-watch-504 (the old fake)")
def t_old_modes(f):
    g = Fake(os.path.dirname(f.dir), "old", "--nodes", "3",
             "--bookmark-interval", "0.3", "--always-bookmark",
             "--future-watch-504")
    try:
        rv = current_rv(g)
        w = g.watch("resourceVersion=%d&allowWatchBookmarks=true" % rv)
        check(w.wait(lambda w: len(w.lines) >= 2, 3), "no bookmarks")
        w.close()
        st, _, obj = g.call("GET", "/api/v1/nodes?watch=1&"
                            "resourceVersion=%d" % (rv + 5))
        check(st == 504 and "Too large" in obj["message"], (st, obj))
    finally:
        g.stop()


@test("timeoutSeconds ends the watch cleanly")
def t_watch_timeout(f):
    rv = f.ok("GET", "/api/v1/nodes")["metadata"]["resourceVersion"]
    t0 = time.monotonic()
    w = f.watch("resourceVersion=%s&timeoutSeconds=1" % rv)
    check(w.wait(lambda w: w.ended, 5), "did not end")
    took = time.monotonic() - t0
    check(w.ended == "clean" and w.status == 200 and 0.9 < took < 4,
          (w.ended, took))


@test("a watch from a compacted resourceVersion gets ERROR 410 in a 200")
def t_watch_410(f):
    rv = f.ok("GET", "/api/v1/nodes")["metadata"]["resourceVersion"]
    f.ok("PATCH", "/api/v1/nodes/node-3", {"metadata": {"labels": {
        "c": "1"}}}, "application/merge-patch+json")
    w = f.watch("resourceVersion=%s" % rv)      # still in history
    check(w.wait(lambda w: len(w.lines) >= 1), "no event")
    check(w.events()[0]["type"] == "MODIFIED", w.events())
    w.close()
    f.fault("compact")
    for from_rv in (rv, "1"):
        w = f.watch("resourceVersion=%s" % from_rv)
        check(w.wait(lambda w: w.ended), "did not end")
        ev = w.events()
        check(w.status == 200 and len(ev) == 1 and ev[0]["type"] == "ERROR"
              and ev[0]["object"]["code"] == 410 and
              ev[0]["object"]["reason"] == "Expired", (w.status, ev))


@test("history overflow (--history 50) also gives 410")
def t_watch_overflow(f):
    rv = f.ok("GET", "/api/v1/nodes")["metadata"]["resourceVersion"]
    for i in range(55):
        f.ok("PATCH", "/api/v1/nodes/node-3", {"metadata": {"labels": {
            "c": str(i)}}}, "application/merge-patch+json")
    w = f.watch("resourceVersion=%s" % rv)
    check(w.wait(lambda w: w.ended), "did not end")
    check(w.events()[0]["object"]["code"] == 410, w.events())


@test("finalizers: delete marks, removing the last finalizer deletes")
def t_finalizer(f):
    f.ok("POST", "/api/v1/nodes", {"metadata": {
        "name": "fin", "finalizers": ["example.com/keep"]}})
    rv = f.ok("GET", "/api/v1/nodes")["metadata"]["resourceVersion"]
    w = f.watch("resourceVersion=%s" % rv)
    n = f.ok("DELETE", "/api/v1/nodes/fin")
    check(n["metadata"].get("deletionTimestamp"), n)
    check(f.call("GET", "/api/v1/nodes/fin")[0] == 200, "gone too early")
    f.ok("PATCH", "/api/v1/nodes/fin", {"metadata": {"finalizers": None}},
         "application/merge-patch+json")
    check(f.call("GET", "/api/v1/nodes/fin")[0] == 404, "not deleted")
    check(w.wait(lambda w: len(w.lines) >= 2), "events")
    w.close()
    check([e["type"] for e in w.events()] == ["MODIFIED", "DELETED"],
          w.events())


@test("token rotation: the replaced file's old token gets 401")
def t_rotation(f):
    tmp = f.token_file + ".new"
    with open(tmp, "w") as fh:
        fh.write("token-two\n")
    os.rename(tmp, f.token_file)
    st = f.call("GET", "/api/v1/nodes/node-1")[0]
    check(st == 401, "old token: %d" % st)
    f.token = "token-two"
    check(f.call("GET", "/api/v1/nodes/node-1")[0] == 200, "new token")


@test("fault: next N requests fail with 500")
def t_fail_500(f):
    f.fault("fail?n=2&code=500")
    sts = [f.call("GET", "/api/v1/nodes/node-1")[0] for _ in range(3)]
    check(sts == [500, 500, 200], sts)


@test("fault: 429 with Retry-After, only for matching requests")
def t_fail_429(f):
    f.fault("fail?n=1&code=429&retry-after=1&match=watch%3D1")
    check(f.call("GET", "/api/v1/nodes")[0] == 200, "list was failed")
    w = f.watch("resourceVersion=0")
    check(w.wait(lambda w: w.ended or w.status), "no answer")
    w.close()
    check(w.status == 429, w.status)
    f.fault("fail?n=1&code=429&retry-after=1")
    st, headers, obj = f.call("GET", "/api/v1/nodes")
    check(st == 429 and headers["Retry-After"] == "1" and
          obj["reason"] == "TooManyRequests", (st, dict(headers)))


@test("fault: 401 for the next request even with the right token")
def t_fail_401(f):
    f.fault("fail?n=1&code=401")
    sts = [f.call("GET", "/api/v1/nodes/node-1")[0] for _ in range(2)]
    check(sts == [401, 200], sts)


@test("fault: stall delays requests and silences open watches")
def t_stall(f):
    rv = f.ok("GET", "/api/v1/nodes")["metadata"]["resourceVersion"]
    w = f.watch("resourceVersion=%s" % rv)
    time.sleep(0.2)
    f.fault("stall?seconds=1")
    t0 = time.monotonic()
    f.fault("heartbeat?rate=50&seconds=0.1")  # events while stalled
    f.ok("GET", "/api/v1/nodes/node-1")
    took = time.monotonic() - t0
    check(0.8 < took < 4, took)
    check(w.wait(lambda w: len(w.lines) > 0, 3), "events after the stall")
    check(time.monotonic() - t0 > 0.8, "an event during the stall")
    w.close()


@test("fault: drop-watches aborts open watches without the final chunk")
def t_drop(f):
    rv = f.ok("GET", "/api/v1/nodes")["metadata"]["resourceVersion"]
    w = f.watch("resourceVersion=%s" % rv)
    check(w.opened(), "watch not open")
    f.fault("drop-watches")
    check(w.wait(lambda w: w.ended) and w.ended == "abort", w.ended)
    w = f.watch("resourceVersion=%s" % rv)
    check(w.opened(), "watch not open")
    f.fault("drop-watches?graceful=1")
    check(w.wait(lambda w: w.ended) and w.ended == "clean", w.ended)


@test("fault: malformed event line, stream stays open")
def t_malformed(f):
    rv = f.ok("GET", "/api/v1/nodes")["metadata"]["resourceVersion"]
    w = f.watch("resourceVersion=%s" % rv)
    check(w.opened(), "watch not open")
    f.fault("bad-event?kind=malformed")
    check(w.wait(lambda w: w.lines), "nothing")
    try:
        json.loads(w.lines[0])
        check(False, "line is valid JSON")
    except ValueError:
        pass
    f.ok("PATCH", "/api/v1/nodes/node-3", {"metadata": {"labels": {
        "m": "1"}}}, "application/merge-patch+json")
    check(w.wait(lambda w: len(w.lines) >= 2), "stream closed")
    w.close()


@test("fault: truncated event line, then the connection drops")
def t_truncated(f):
    rv = f.ok("GET", "/api/v1/nodes")["metadata"]["resourceVersion"]
    w = f.watch("resourceVersion=%s" % rv)
    check(w.opened(), "watch not open")
    f.fault("bad-event?kind=truncated")
    check(w.wait(lambda w: w.ended), "not ended")
    check(w.ended == "abort" and not w.lines and w.partial, (w.lines,
                                                             w.partial))


@test("fault: huge event line of the asked size")
def t_huge(f):
    rv = f.ok("GET", "/api/v1/nodes")["metadata"]["resourceVersion"]
    w = f.watch("resourceVersion=%s" % rv)
    f.fault("bad-event?kind=huge&size=3000000&node=node-2")
    check(w.wait(lambda w: w.lines), "nothing")
    n = len(w.lines[0])
    w.close()
    check(2900000 < n < 3100000, n)
    f.ok("PATCH", "/api/v1/nodes/node-2", {"metadata": {"annotations": {
        "fake.xcni.io/padding": None}}}, "application/merge-patch+json")


@test("fault: heartbeats are MODIFIED events changing only timestamps")
def t_heartbeat(f):
    before = {n["metadata"]["name"]: n for n in
              f.ok("GET", "/api/v1/nodes")["items"]}
    rv = f.ok("GET", "/api/v1/nodes")["metadata"]["resourceVersion"]
    w = f.watch("resourceVersion=%s" % rv)
    f.fault("heartbeat?rate=40&seconds=0.5")
    check(w.wait(lambda w: len(w.lines) >= 15), "%d events" % len(w.lines))
    w.close()
    for e in w.events()[:15]:
        n = e["object"]
        old = before[n["metadata"]["name"]]
        check(e["type"] == "MODIFIED", e["type"])
        for c in n["status"]["conditions"]:
            c.pop("lastHeartbeatTime")
        for c in old["status"]["conditions"]:
            c.pop("lastHeartbeatTime", None)
        n["metadata"].pop("resourceVersion")
        old = json.loads(json.dumps(old))
        old["metadata"].pop("resourceVersion")
        check(n == old, "more than timestamps changed")


@test("fault endpoint needs no token and reports stats")
def t_stats(f):
    st, _, obj = f.call("GET", "/fake/stats", token=False)
    check(st == 200 and obj["requests"]["list"] > 0 and
          obj["objects"]["nodes"] >= 3, obj)


def t_scale(tmp):
    """10 000 nodes, full list in pages of 500."""
    t0 = time.monotonic()
    f = Fake(tmp, "scale", "--nodes", "10000")
    print("# 10000 nodes: server ready in %.1f s" % (time.monotonic() - t0))
    try:
        # The time measured is the server's: pages are read whole but
        # only their metadata is decoded (a Python json.loads of 150 MB
        # would take longer than serving it); the first and the last
        # page are checked in full.
        c = f.conn(60)
        dec = json.JSONDecoder()
        t0 = time.monotonic()
        cont, pages, size, remaining = "", [], 0, []
        while True:
            c.request("GET", "/api/v1/nodes?limit=500" + (
                "&continue=" + urllib.parse.quote(cont) if cont else ""),
                headers={"Authorization": "Bearer " + f.token})
            raw = c.getresponse().read()
            size += len(raw)
            at = raw.index(b'"metadata":') + len(b'"metadata":')
            meta = dec.raw_decode(raw[at:at + 4096].decode())[0]
            pages.append(raw)
            remaining.append(meta.get("remainingItemCount", 0))
            cont = meta.get("continue")
            if not cont:
                break
            if len(pages) > 2:
                pages[-2] = None
        took = time.monotonic() - t0
        print("# 10000 nodes: paged list of %d MB in %.2f s" % (
            size >> 20, took))
        first, last = json.loads(pages[0]), json.loads(pages[-1])
        check(len(first["items"]) == 500 and len(last["items"]) == 500 and
              len(pages) == 20, "pages")
        check(remaining == list(range(9500, -1, -500)), remaining)
        check(first["items"][0]["metadata"]["name"] == "node-1", "first")
        check(took < 30, "list took %.1f s" % took)
    finally:
        f.stop()


def main():
    tmp = tempfile.mkdtemp(prefix="test-fake-apiserver.")
    total = len(TESTS) + 1
    print("1..%d" % total, flush=True)
    failed = 0
    f = None
    try:
        f = Fake(tmp, "main", "--nodes", "3", "--bookmark-interval", "0.5",
                 "--continue-ttl", "1", "--history", "50")
        for i, (desc, fn, needs_kubectl) in enumerate(TESTS, 1):
            if needs_kubectl and not KUBECTL:
                print("ok %d - %s # SKIP no kubectl" % (i, desc), flush=True)
                continue
            try:
                fn(f)
                print("ok %d - %s" % (i, desc), flush=True)
            except Exception as e:      # report and go on
                failed += 1
                print("not ok %d - %s\n# %s" % (i, desc, repr(e)[:2000]),
                      flush=True)
        f.stop()
        try:
            t_scale(tmp)
            print("ok %d - 10000 nodes: paged list in pages of 500" % total)
        except Exception as e:
            failed += 1
            print("not ok %d - 10000 nodes\n# %r" % (total, e))
    finally:
        if f:
            f.stop()
        if failed:
            print("# server logs kept in %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
