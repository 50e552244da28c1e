#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""lib/kube's list+watch against tests/kube/fake-apiserver, printed as TAP.

Runs tests/kube/watch-probe (which prints every callback of the client) on
a fake server with 300 nodes, changes nodes and injects faults through the
server, and checks what the probe reports.  Stops every process it started
by its pid.  Run through test-watch.sh.
"""

import http.client
import json
import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import time

TOP = os.environ.get("top_srcdir") or "."
BUILD = os.environ.get("top_builddir") or "."
SERVER = os.path.join(TOP, "tests", "kube", "fake-apiserver")
PROBE = os.path.join(BUILD, "tests", "kube", "watch-probe")
NODES = 300


class Fake:
    """One fake-apiserver process; restartable on the same port."""

    def __init__(self, tmp, *args):
        self.dir = tmp
        self.args = list(args)
        self.token_file = os.path.join(tmp, "token")
        self.kubeconfig = os.path.join(tmp, "kubeconfig")
        self.set_token("token-one")
        self.log = open(os.path.join(tmp, "server.log"), "a")
        self.port = 0
        self.proc = None
        self.start()
        self.ctx = ssl.create_default_context(
            cafile=os.path.join(tmp, "certs", "ca.crt"))

    def set_token(self, token):
        tmp = self.token_file + ".new"
        with open(tmp, "w") as f:
            f.write(token + "\n")
        os.rename(tmp, self.token_file)
        self.token = token

    def start(self):
        self.proc = subprocess.Popen(
            [sys.executable, SERVER, "--listen", "127.0.0.1:%d" % self.port,
             "--cert-dir", os.path.join(self.dir, "certs"),
             "--token-file", self.token_file, "--kubeconfig-token-file",
             "--kubeconfig-out", self.kubeconfig] + self.args,
            stdout=subprocess.PIPE, stderr=self.log, text=True)
        url = self.proc.stdout.readline().strip()
        if not url.startswith("https://127.0.0.1:"):
            self.stop()
            raise RuntimeError("server did not start: %r" % url)
        self.port = int(url.rsplit(":", 1)[1])

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def call(self, method, path, body=None,
             ctype="application/merge-patch+json"):
        headers = {"Authorization": "Bearer " + self.token}
        data = None
        if body is not None:
            data = json.dumps(body)
            headers["Content-Type"] = ctype
        c = http.client.HTTPSConnection("127.0.0.1", self.port,
                                        context=self.ctx, timeout=30)
        try:
            c.request(method, path, body=data, headers=headers)
            r = c.getresponse()
            raw = r.read()
            if r.status >= 300:
                raise AssertionError("%s %s: %d %s" % (method, path,
                                                       r.status, raw[:200]))
            return json.loads(raw) if raw else None
        finally:
            c.close()

    def fault(self, what):
        return self.call("POST", "/fake/" + what)

    def patch(self, name, labels):
        return self.call("PATCH", "/api/v1/nodes/" + name,
                         {"metadata": {"labels": labels}})


class Probe:
    """watch-probe, its output lines collected by a thread."""

    def __init__(self, tmp, kubeconfig, *args, env=None):
        self.lines = []
        self.cond = threading.Condition()
        self.err = open(os.path.join(tmp, "probe.log"), "a")
        self.proc = subprocess.Popen([PROBE] + list(args) + [kubeconfig],
                                     stdout=subprocess.PIPE, stderr=self.err,
                                     text=True, env=env)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            with self.cond:
                self.lines.append(line.rstrip("\n"))
                self.cond.notify_all()
        with self.cond:
            self.lines.append("EOF")
            self.cond.notify_all()

    def mark(self):
        with self.cond:
            return len(self.lines)

    def wait(self, pred, since=0, timeout=20):
        """The first line after index since for which pred is true."""
        end = time.monotonic() + timeout
        with self.cond:
            i = since
            while True:
                while i < len(self.lines):
                    if pred(self.lines[i]):
                        return self.lines[i]
                    i += 1
                left = end - time.monotonic()
                if left <= 0:
                    raise AssertionError("timed out; last lines: %r" %
                                         self.lines[-5:])
                self.cond.wait(left)

    def since(self, i):
        with self.cond:
            return list(self.lines[i:])

    def stats(self):
        m = self.mark()
        self.proc.send_signal(signal.SIGUSR1)
        line = self.wait(lambda l: l.startswith("stats "), m)
        return {k: int(v) for k, v in
                (kv.split("=") for kv in line.split()[1:])}

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.reader.join(10)   # until "EOF": all output is in
        self.err.close()
        return self.since(0)


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def wait_end(p, since, count=None, timeout=30):
    line = p.wait(lambda l: l.startswith("end "), since, timeout)
    if count is not None:
        check(int(line.split()[2]) == count, "list of %s, not %d" %
              (line, count))
    return line


def listed_since(p, since):
    """Names delivered by the last complete list after index since."""
    lines = p.since(since)
    ends = [i for i, l in enumerate(lines) if l.startswith("end ")]
    check(ends, "no complete list")
    begin = max(i for i, l in enumerate(lines[:ends[-1]]) if l == "begin")
    return {l.split()[2] for l in lines[begin:ends[-1]]
            if l.startswith("obj ADDED")}


TESTS = []


def test(desc):
    def reg(fn):
        TESTS.append((desc, fn))
        return fn
    return reg


@test("first list of 300 nodes from the watch cache (resourceVersion=0, "
      "whole), delivered once each, then a watch")
def t_list(f, p):
    wait_end(p, 0, NODES)
    names = listed_since(p, 0)
    check(names == {"node-%d" % i for i in range(1, NODES + 1)}, len(names))
    s = p.stats()
    check(s["pages"] == 1 and s["lists_done"] == 1 and s["synced"] == 1 and
          s["lists_cached"] == 1 and s["lists_consistent"] == 0, s)
    st = f.call("GET", "/fake/stats")
    req = st["requests"]
    check(req.get("list-rv0") == 1 and not req.get("list-consistent"), req)
    # Every request of the probe said who it is.
    agents = [a for a in st["agents"] if a]     # "": this script
    check(len(agents) == 1 and re.match(r"watch-probe/\d+\.\d+\.\d+$",
                                        agents[0]), st["agents"])
    check(p.stats()["watches"] >= 1, "no watch")


@test("add, modify, delete seen in order")
def t_events(f, p):
    m = p.mark()
    f.call("POST", "/api/v1/nodes", {
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": "extra-1"},
        "spec": {"podCIDRs": ["198.18.250.0/24"]}}, "application/json")
    f.patch("extra-1", {"x": "1"})
    f.call("DELETE", "/api/v1/nodes/extra-1")
    p.wait(lambda l: l.startswith("obj DELETED extra-1 "), m)
    seen = [l.split()[1] for l in p.since(m) if l.startswith("obj ")
            and l.split()[2] == "extra-1"]
    check(seen == ["ADDED", "MODIFIED", "DELETED"], seen)


@test("bookmarks advance the resource version without objects")
def t_bookmark(f, p):
    b = p.stats()["bookmarks"]
    # Node events would carry the new version themselves: a change to
    # another kind moves it past the watch's (as the real server's
    # cluster-wide resourceVersion does).
    f.call("POST", "/api/v1/namespaces/default/configmaps", {
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "moves-the-rv"}}, "application/json")
    deadline = time.monotonic() + 10
    while p.stats()["bookmarks"] <= b:
        check(time.monotonic() < deadline, "no bookmark in 10 s")
        time.sleep(0.3)


@test("watches end on timeoutSeconds and resume without a relist")
def t_rewatch(f, p):
    s = p.stats()
    f0 = f.call("GET", "/fake/stats")
    time.sleep(3.5)     # watch-probe -t 2
    m = p.mark()
    f.patch("node-7", {"rewatch": "1"})
    p.wait(lambda l: l.startswith("obj MODIFIED node-7 "), m)
    s2 = p.stats()
    f1 = f.call("GET", "/fake/stats")
    check(s2["watches"] > s["watches"] and s2["lists"] == s["lists"],
          (s, s2))
    # Each watch on a connection of its own (so that it may reach another
    # replica); beside them, this test's patch and stats connections.
    watches = f1["requests"]["watch"] - f0["requests"]["watch"]
    conns = f1["connections"] - f0["connections"]
    check(watches >= 1 and conns >= watches + 2, (watches, conns))


@test("410 after compaction: relist, a node deleted meanwhile is gone")
def t_compact(f, p):
    # Hold the probe off (its watches fail) while a node goes away and
    # the history is compacted, so that it must relist to learn of it
    # (a 429 makes it retry the watch, not relist).
    f.fault("fail?n=1000&code=429&match=watch%3D1")
    f.fault("drop-watches")
    time.sleep(0.3)
    f.call("DELETE", "/api/v1/nodes/node-5")
    f.fault("compact")
    m = p.mark()
    f.fault("reset")
    wait_end(p, m, NODES - 1)
    check("node-5" not in listed_since(p, m), "node-5 listed")
    check(p.stats()["relists_410"] >= 1, "no 410 counted")


@test("cached list refused: a consistent paged list; 410 on its continue "
      "token restarts it")
def t_continue_410(f, p):
    s = p.stats()
    m = p.mark()
    f.fault("fail?n=1&code=410&match=resourceVersionMatch")
    f.fault("fail?n=1&code=410&match=continue%3D&add=1")
    # A malformed event forces the relist.
    f.fault("bad-event?kind=malformed")
    wait_end(p, m, NODES - 1)
    lines = p.since(m)
    check(lines.count("begin") >= 2, "list not restarted: %d begins" %
          lines.count("begin"))
    s2 = p.stats()
    check(s2["lists_consistent"] == s["lists_consistent"] + 2 and
          s2["pages"] - s["pages"] >= 7, (s, s2))


@test("malformed event line: relist, never a crash")
def t_malformed(f, p):
    s = p.stats()
    m = p.mark()
    f.fault("bad-event?kind=malformed")
    wait_end(p, m, NODES - 1)
    check(p.stats()["errors"] > s["errors"], "not counted")


@test("truncated event and dropped connection: resume, no relist")
def t_truncated(f, p):
    s = p.stats()
    m = p.mark()
    f.fault("bad-event?kind=truncated")
    time.sleep(0.5)
    f.patch("node-8", {"t": "1"})
    p.wait(lambda l: l.startswith("obj MODIFIED node-8 "), m)
    check(p.stats()["lists"] == s["lists"], "relisted")


@test("token rotated: 401, token file re-read, watch resumes")
def t_token(f, p):
    s = p.stats()
    f.set_token("token-two")
    f.fault("drop-watches")
    m = p.mark()
    f.patch("node-9", {"tok": "2"})
    p.wait(lambda l: l.startswith("obj MODIFIED node-9 "), m)
    s2 = p.stats()
    check(s2["http_401"] > s["http_401"], (s, s2))


@test("429 storm with Retry-After: waits, then resumes")
def t_429(f, p):
    f.fault("fail?n=3&code=429&retry-after=1&match=watch%3D1")
    t0 = time.monotonic()
    f.fault("drop-watches")
    m = p.mark()
    f.patch("node-10", {"s": "429"})
    p.wait(lambda l: l.startswith("obj MODIFIED node-10 "), m)
    check(time.monotonic() - t0 >= 2.5, "Retry-After not honoured")


@test("500 storm on lists: no list reported complete until one succeeds")
def t_500(f, p):
    f.fault("fail?n=8&code=500&match=nodes%3FresourceVersion")
    m = p.mark()
    f.fault("bad-event?kind=malformed")
    line = wait_end(p, m, NODES - 1)
    ends = [l for l in p.since(m) if l.startswith("end ")]
    check(len(ends) == 1, ends)
    check(p.stats()["errors"] >= 8, line)


def relist(f, p):
    """Makes the probe relist (its history gone); returns the mark."""
    f.fault("fail?n=1000&code=429&match=watch%3D1")
    f.fault("drop-watches")
    time.sleep(0.3)
    f.patch("node-3", {"relist": str(time.monotonic())})   # missed
    f.fault("compact")
    m = p.mark()
    f.fault("reset")
    return m


def applied_within(f, p, name, seconds):
    """A change to another node reaches the probe within seconds."""
    m = p.mark()
    t0 = time.monotonic()
    f.patch(name, {"after-bad": str(t0)})
    p.wait(lambda l: l.startswith("obj MODIFIED %s " % name), m)
    took = time.monotonic() - t0
    print("# change to %s applied after %.3f s" % (name, took))
    check(took < seconds, "took %.3f s" % took)


@test("undecodable nodes (lone surrogate, not UTF-8) are skipped by name, "
      "the others go on")
def t_undecodable(f, p):
    for name, kind in (("bad-1", "surrogate"), ("bad-2", "utf8")):
        m = p.mark()
        f.call("POST", "/api/v1/nodes", {
            "apiVersion": "v1", "kind": "Node", "metadata": {"name": name},
            "spec": {"podCIDRs": ["198.18.251.0/24"]}}, "application/json")
        p.wait(lambda l: l.startswith("obj ADDED %s " % name), m)
        s = p.stats()
        m = p.mark()
        f.fault("bad-event?kind=%s&node=%s" % (kind, name))
        p.wait(lambda l: l == "skip MODIFIED " + name, m)
        applied_within(f, p, "node-12", 1.0)
        s2 = p.stats()
        check(s2["lists"] == s["lists"] and s2["skipped"] == s["skipped"] + 1,
              (s, s2))
    # A list skips both, goes on past them and completes.
    m = relist(f, p)
    wait_end(p, m, NODES - 1)
    lines = p.since(m)
    check("skip ADDED bad-1" in lines and "skip ADDED bad-2" in lines,
          [l for l in lines if l.startswith("skip")])
    # Mended, it is seen again.
    m = p.mark()
    f.call("PATCH", "/api/v1/nodes/bad-1", {"metadata": {"annotations": {
        "fake.xcni.io/bad": None}}})
    p.wait(lambda l: l.startswith("obj MODIFIED bad-1 "), m)
    f.call("DELETE", "/api/v1/nodes/bad-1")


@test("oversized node: streamed past in lists and watches, memory bounded, "
      "its deletion still seen")
def t_huge(f, p):
    rss = p.stats()["maxrss_kb"]
    s = p.stats()
    m = p.mark()
    f.fault("bad-event?kind=huge&size=1500000&node=node-2")
    p.wait(lambda l: l == "skip MODIFIED node-2", m)
    applied_within(f, p, "node-12", 1.0)
    check(p.stats()["lists"] == s["lists"], "relisted")
    m = relist(f, p)
    wait_end(p, m, NODES - 2)       # less node-2 and bad-2
    check("skip ADDED node-2" in p.since(m), "node-2 not skipped by name")
    # One line buffer and one object buffer of at most -m 1000000 bytes.
    s = p.stats()
    grew = s["maxrss_kb"] - rss
    check(grew < 3000 or s["sanitized"], "peak RSS grew by %d KB" % grew)
    # A DELETED event too large to decode still names the node.
    m = p.mark()
    f.call("DELETE", "/api/v1/nodes/node-2")
    p.wait(lambda l: l.startswith("obj DELETED node-2 "), m)
    f.call("POST", "/api/v1/nodes", {
        "apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-2"},
        "spec": {"podCIDRs": ["198.18.1.0/24"]}}, "application/json")
    # So does one whose object is not UTF-8.
    m = p.mark()
    f.call("DELETE", "/api/v1/nodes/bad-2")
    p.wait(lambda l: l.startswith("obj DELETED bad-2 "), m)


@test("quiet is not dead: a watch silent for longer than the idle time "
      "and its own timeout logs nothing above debug, counts no error")
def t_quiet(f, p):
    with open(os.path.join(f.dir, "probe.log")) as log:
        log.seek(0, os.SEEK_END)
        s = p.stats()
        # Silent watches (-i 2, -t 2): no event, no bookmark for 5 s.
        f.fault("stall?seconds=5")
        time.sleep(5.5)
        m = p.mark()
        f.patch("node-11", {"st": "1"})
        p.wait(lambda l: l.startswith("obj MODIFIED node-11 "), m)
        s2 = p.stats()
        said = [l for l in log.read().splitlines() if l.strip()]
    check(s2["errors"] == s["errors"] and s2["lists"] == s["lists"],
          (s, s2))
    check(not said, said)


@test("server restart: reconnects")
def t_restart(f, p):
    f.stop()
    time.sleep(1)       # connections refused meanwhile
    s = p.stats()
    f.start()
    # The restarted fake has lost its history, and serves a watch from the
    # probe's (now future) resourceVersion without events: all there is to
    # see is the new watch.
    deadline = time.monotonic() + 10
    while f.call("GET", "/fake/stats")["watches"] < 1:
        check(time.monotonic() < deadline, "no watch after the restart")
        time.sleep(0.2)
    check(p.stats()["watches"] > s["watches"], "not counted")


def t_get(tmp, f):
    """The blocking GET, and its retry after a 401 with a rotated token."""
    log = open(os.path.join(tmp, "probe.log"), "a")
    g = subprocess.Popen([PROBE, "-g", f.kubeconfig], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=log, text=True)

    def get(path):
        g.stdin.write(path + "\n")
        g.stdin.flush()
        return g.stdout.readline().split(), g.stdout.readline()
    try:
        st, body = get("/api/v1/nodes/node-1")
        check(st[1] == "200" and '"name":"node-1"' in body, st)
        st, body = get("/api/v1/nodes/absent")
        check(st[1] == "404" and '"NotFound"' in body, st)
        # The same token refused: no point in asking again.
        f.fault("fail?n=1&code=401")
        st, body = get("/api/v1/nodes/node-1")
        check(st[1] == "401", st)
        # A rotated token: re-read after the 401, and retried once.
        f.set_token("token-get")
        st, body = get("/api/v1/nodes/node-1")
        check(st[1] == "200", st)
    finally:
        g.stdin.close()
        g.wait(10)
        log.close()


def t_hook(tmp, f):
    """With a refresh hook (a worker asking its supervisor), a 401 calls
    the hook, whose kube_client_set_creds makes the next attempt work."""
    p = Probe(tmp, f.kubeconfig, "-H", "-q", "-b", "50:200")
    try:
        wait_end(p, 0, NODES)
        m = p.mark()
        f.set_token("token-three")
        f.fault("drop-watches")
        p.wait(lambda l: l == "hook", m)
        f.patch("node-13", {"hook": "1"})
        deadline = time.monotonic() + 10
        while p.stats()["events"] == 0:
            check(time.monotonic() < deadline, "no event after the hook")
            time.sleep(0.2)
    finally:
        p.stop()


def t_tls_server_name(tmp, f):
    """A kubeconfig whose server is an address but whose certificate is
    checked against another name."""
    with open(f.kubeconfig) as src:
        kc = src.read()
    results = []
    for name, ok in (("localhost", True), ("wrong.example", False)):
        path = os.path.join(tmp, "kc-" + name)
        with open(path, "w") as dst:
            dst.write(kc.replace("    server:", "    tls-server-name: %s\n"
                                 "    server:" % name))
        p = Probe(tmp, path, "-1", "-q", "-b", "50:200")
        try:
            if ok:
                wait_end(p, 0, NODES)
            else:
                time.sleep(1.5)
                s = p.stats()
                check(s["lists_done"] == 0 and s["errors"] >= 1, s)
            results.append(name)
        finally:
            p.stop()
    return results


def requests(f):
    return f.call("GET", "/fake/stats")["requests"]


def t_restart_410(tmp, f):
    """500 nodes; every watch gets a 410 at once (an API server restart):
    one list, from the watch cache at the last resourceVersion; a
    consistent list only when that one is refused."""
    os.makedirs(os.path.join(tmp, "big"))
    big = Fake(os.path.join(tmp, "big"), "--nodes", "500")
    p = Probe(tmp, big.kubeconfig, "-q")
    try:
        wait_end(p, 0, 500)
        kinds = ("list-rv0", "list-rv", "list-consistent", "list-continue",
                 "watch", "rejected")
        for refused in (False, True):
            # The watch after the list is open: the count starts after it.
            deadline = time.monotonic() + 10
            while big.call("GET", "/fake/stats")["watches"] != 1:
                check(time.monotonic() < deadline, "no watch open")
                time.sleep(0.1)
            before = requests(big)
            s = p.stats()
            m = p.mark()
            if refused:
                big.fault("fail?n=1&code=410&match=resourceVersionMatch")
            big.fault("expire-watches")
            wait_end(p, m, 500, timeout=10)
            deadline = time.monotonic() + 10
            while requests(big).get("watch", 0) == before.get("watch", 0):
                check(time.monotonic() < deadline, "no watch after the list")
                time.sleep(0.1)
            time.sleep(0.5)             # nothing more comes
            after = requests(big)
            got = {k: after.get(k, 0) - before.get(k, 0) for k in kinds}
            print("# %s: requests after the 410: %s" % (
                "cached list refused" if refused else "watch cache", got))
            s2 = p.stats()
            # The ERROR event's 410, and the refused list's.
            check(s2["relists_410"] == s["relists_410"] + 1 + refused,
                  (s, s2))
            if refused:
                # The list at the last resourceVersion got the injected
                # 410 ("rejected"), then came one consistent list.
                check(got["rejected"] == 1 and got["list-rv"] == 0 and
                      got["list-consistent"] == 1 and got["list-rv0"] == 0,
                      got)
            else:
                check(got["list-rv"] == 1 and got["list-consistent"] == 0
                      and got["list-rv0"] == 0 and
                      got["list-continue"] == 0, got)
            check(got["watch"] == 1, got)
    finally:
        p.stop()
        big.stop()


def t_nomem(tmp, f):
    """A resource version the watch cannot keep (its strdup fails, by
    watch-probe's XCNI_PROBE_FAIL_STRDUP): a list's, then a watch event's.
    Each is logged and retried with a relist; nothing exits."""
    rv = f.call("GET", "/api/v1/nodes?limit=1")["metadata"]["resourceVersion"]
    after = str(int(rv) + 1)     # the next change's
    log = os.path.join(tmp, "probe.log")
    start = os.path.getsize(log) if os.path.exists(log) else 0
    p = Probe(tmp, f.kubeconfig, "-q", "-b", "50:200", "-r", "50:400",
              env=dict(os.environ, XCNI_PROBE_FAIL_STRDUP=rv + "," + after))
    try:
        wait_end(p, 0, NODES)
        s = p.stats()
        check(s["lists"] == 2 and s["lists_done"] == 1 and
              s["errors"] == 1, s)
        m = p.mark()
        f.patch("node-7", {"nomem": "1"})
        wait_end(p, m, NODES)
        s = p.stats()
        check(s["lists_done"] == 2 and s["errors"] == 2 and
              s["synced"] == 1, s)
        check(p.proc.poll() is None, "probe exited")
    finally:
        p.stop()
    with open(log) as fh:
        fh.seek(start)
        text = fh.read()
    check("list: out of memory, relisting" in text and
          "watch: out of memory for resource version %s" % after in text,
          text[-2000:])


def t_http_version(tmp, f):
    """XCNI_HTTP_VERSION=1.1|2 (the fake speaks HTTP/1.1 only: h2 is
    offered and not taken); anything else is HTTP/1.1 with a warning."""
    for v, warns in (("1.1", False), ("2", False), ("3", True)):
        log = os.path.join(tmp, "probe.log")
        start = os.path.getsize(log) if os.path.exists(log) else 0
        p = Probe(tmp, f.kubeconfig, "-1", "-q",
                  env=dict(os.environ, XCNI_HTTP_VERSION=v))
        try:
            wait_end(p, 0)
        finally:
            p.stop()
        with open(log) as fh:
            fh.seek(start)
            said = "XCNI_HTTP_VERSION=%s: not 1.1 or 2" % v in fh.read()
        check(said == warns, "%s: warning %s" % (v, said))


def t_relist_spacing(tmp, f):
    """Every watch refused with a 410 (in the stream, then as a status):
    relists come 0.8 s, 1.6 s, 3.2 s... apart, not at network speed."""
    for how in ("expire-watches?seconds=6",
                "fail?n=100000&code=410&match=watch%3D1"):
        p = Probe(tmp, f.kubeconfig, "-q")
        try:
            wait_end(p, 0)
            s = p.stats()
            f.fault(how)
            f.fault("drop-watches")
            time.sleep(6)
            f.fault("reset")
            n = p.stats()["lists"] - s["lists"]
            print("# %s: %d lists in 6 s" % (how.split("?")[0], n))
            check(2 <= n <= 3, "%d lists in 6 s" % n)
        finally:
            p.stop()


def main():
    if not os.access(PROBE, os.X_OK):
        print("1..0 # SKIP %s not built" % PROBE)
        return 0
    tmp = tempfile.mkdtemp(prefix="test-watch.")
    extra = [("kube_get: status, body, 401 retried once", t_get),
             ("refresh hook and kube_client_set_creds after a 401", t_hook),
             ("tls-server-name is verified, not the address",
              t_tls_server_name),
             ("410 to every watch, 500 nodes: one list, from the watch "
              "cache; consistent only when that is refused", t_restart_410),
             ("relists spaced: 800 ms doubling while they keep coming",
              t_relist_spacing),
             ("XCNI_HTTP_VERSION chooses the protocol", t_http_version),
             ("a resource version that cannot be kept: relisted, no exit",
              t_nomem)]
    print("1..%d" % (len(TESTS) + 1 + len(extra)), flush=True)
    failed = 0
    f = p = None
    try:
        f = Fake(tmp, "--nodes", str(NODES), "--bookmark-interval", "1",
                 "--history", "100000")
        p = Probe(tmp, f.kubeconfig, "-p", "50", "-t", "2", "-i", "2",
                  "-m", "1000000", "-b", "50:1000", "-r", "50:400")
        for i, (desc, fn) in enumerate(TESTS, 1):
            try:
                fn(f, p)
                print("ok %d - %s" % (i, desc), flush=True)
                print("# maxrss %d KB" % p.stats()["maxrss_kb"], flush=True)
            except Exception as e:
                failed += 1
                print("not ok %d - %s\n# %s" % (i, desc, repr(e)[:2000]),
                      flush=True)
        n = len(TESTS) + 1
        lines = p.stop()
        ru = [l for l in lines if l.startswith("rusage ")]
        if ru:
            print("# probe %s" % ru[-1])
        if ru and lines[-1] == "EOF" and p.proc.returncode == 0:
            print("ok %d - probe exited cleanly" % n)
        else:
            failed += 1
            print("not ok %d - probe exit: %s %r" % (n, p.proc.returncode,
                                                    lines[-3:]))
        for i, (desc, fn) in enumerate(extra, n + 1):
            try:
                fn(tmp, f)
                print("ok %d - %s" % (i, desc), flush=True)
            except Exception as e:
                failed += 1
                print("not ok %d - %s\n# %r" % (i, desc, e), flush=True)
    finally:
        if p:
            p.stop()
        if f:
            f.stop()
        if failed:
            print("# logs kept in %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
