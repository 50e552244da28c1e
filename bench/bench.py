#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""xcni benchmarks, run by bench/run inside the bench network namespace.

Every figure is printed as one line
    name: value unit (baseline what value unit, ratio R, target T)
on stdout and appended to $BENCH_OUT.  Times come from one monotonic clock
in this process: the worker's log lines, netlink notifications and HTTP
replies are all stamped here when they arrive.
"""

import argparse
import http.client
import ipaddress
import json
import os
import resource
import select
import signal
import socket
import ssl
import statistics
import struct
import subprocess
import sys
import threading
import time

PROTO = 202
TICK = os.sysconf("SC_CLK_TCK")
now = time.monotonic


def log(msg):
    """A detail line: printed, and kept in the results beside the figures."""
    print("# " + msg, flush=True)
    with open(os.environ["BENCH_OUT"], "a") as f:
        f.write("# " + msg + "\n")


def figure(name, value, unit, baseline=None, bvalue=None, ratio=None,
           target="-", note=None):
    """One figure line; the baseline and ratio are '-' when there is none."""
    fmt = lambda v: "n/a" if v is None else (
        ("%.0f" if abs(v) >= 100 else "%.3g") % v
        if isinstance(v, float) else str(v))
    if bvalue is None:
        base = "baseline -, ratio -"
    else:
        if ratio is None and value is not None and bvalue:
            ratio = value / bvalue
        base = "baseline %s %s %s, ratio %s" % (
            baseline, fmt(bvalue), unit,
            "-" if ratio is None else "%.2f" % ratio)
    line = "%s: %s %s (%s, target %s)" % (name, fmt(value), unit, base,
                                           target)
    if note:
        line += " [%s]" % note
    print(line, flush=True)
    with open(os.environ["BENCH_OUT"], "a") as f:
        f.write(line + "\n")


def pct(values, p):
    v = sorted(values)
    return v[min(len(v) - 1, int(p * len(v)))] if v else None


# --- /proc --------------------------------------------------------------

def cpu_ticks(pid):
    """utime+stime of a process, in clock ticks."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def status(pid):
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmHWM", "VmRSS"):
                out[k] = int(v.split()[0]) / 1024.0      # MiB
            elif k == "voluntary_ctxt_switches":
                out[k] = int(v)
    return out


MEM_KEYS = ("Rss", "Pss", "Private_Clean", "Private_Dirty")


def smaps(pid):
    """(USS, PSS, RSS, the private clean part of USS) of a process in
    MiB, from smaps_rollup."""
    v = {}
    with open("/proc/%d/smaps_rollup" % pid) as f:
        for line in f:
            k, _, rest = line.partition(":")
            if k in MEM_KEYS:
                v[k] = int(rest.split()[0]) / 1024.0
    return (v["Private_Clean"] + v["Private_Dirty"], v["Pss"], v["Rss"],
            v["Private_Clean"])


def tree(pid):
    """pid and its descendants."""
    kids = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open("/proc/%s/stat" % d) as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            kids.setdefault(ppid, []).append(int(d))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def run_cpu(argv, **kw):
    """Runs argv; returns (wall s, user+sys s of it and every descendant
    it waited for, completed process)."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = now()
    cp = subprocess.run(argv, **kw)
    wall = now() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    return wall, cpu, cp


# --- netlink route monitor ------------------------------------------------

class Monitor:
    """Route notifications of protocol PROTO, stamped on arrival."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                                  socket.NETLINK_ROUTE)
        self.sock.setsockopt(socket.SOL_SOCKET, 33, 16 << 20)  # RCVBUFFORCE
        self.sock.bind((0, 0x40 | 0x400))   # RTMGRP_IPV4/IPV6_ROUTE
        self.events = []        # (time, "new"|"del", "dst/len")
        self.first = {}         # "dst/len" -> time of the first RTM_NEWROUTE
        self.overruns = 0
        self.cond = threading.Condition()
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        while True:
            try:
                buf = self.sock.recv(1 << 20)
            except OSError:         # ENOBUFS: notifications lost
                self.overruns += 1
                continue
            t = now()
            off, got = 0, []
            while off + 16 <= len(buf):
                ln, typ = struct.unpack_from("=IH", buf, off)
                if ln < 16:
                    break
                if typ in (24, 25) and ln >= 28:    # RTM_NEW/DELROUTE
                    fam, dlen = struct.unpack_from("=BB", buf, off + 16)
                    proto = buf[off + 16 + 5]
                    if proto == PROTO:
                        got.append(("new" if typ == 24 else "del",
                                    self._dst(buf, off, ln, fam, dlen)))
                off += (ln + 3) & ~3
            if got:
                with self.cond:
                    for kind, dst in got:
                        self.events.append((t, kind, dst))
                        if kind == "new":
                            self.first.setdefault(dst, t)
                    self.cond.notify_all()

    @staticmethod
    def _dst(buf, off, ln, fam, dlen):
        a, end = off + 28, off + ln
        while a + 4 <= end:
            alen, atype = struct.unpack_from("=HH", buf, a)
            if alen < 4:
                break
            if atype == 1:          # RTA_DST
                return "%s/%d" % (socket.inet_ntop(
                    socket.AF_INET if fam == 2 else socket.AF_INET6,
                    buf[a + 4:a + alen]), dlen)
            a += (alen + 3) & ~3
        return "default/%d" % dlen

    def count(self):
        with self.cond:
            return len(self.events)

    def wait_new(self, dst, after, timeout):
        end = now() + timeout
        with self.cond:
            while True:
                t = self.first.get(dst)
                if t is not None and t >= after:
                    return t
                left = end - now()
                if left <= 0:
                    return None
                self.cond.wait(left)


# --- the fake API server ------------------------------------------------

class Api:
    def __init__(self, url, cadir):
        hostport = url.split("//", 1)[1]
        self.host, port = hostport.rsplit(":", 1)
        self.port = int(port)
        self.ctx = ssl.create_default_context(
            cafile=os.path.join(cadir, "ca.crt"))
        with open(os.path.join(cadir, "token")) as f:
            self.token = f.read().strip()
        self.conn = None

    def connect(self):
        return http.client.HTTPSConnection(self.host, self.port,
                                           context=self.ctx, timeout=600)

    def request(self, method, path, body=None, ctype=None):
        hdrs = {"Authorization": "Bearer " + self.token}
        if ctype:
            hdrs["Content-Type"] = ctype
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = self.connect()
            try:
                self.conn.request(method, path, body=body, headers=hdrs)
                r = self.conn.getresponse()
                data = r.read()
                return r.status, data
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise

    def rv(self):
        st, data = self.request("GET", "/api/v1/nodes?limit=1")
        return json.loads(data)["metadata"]["resourceVersion"]


class Watch:
    """A plain watch of the nodes: when the API server delivers events."""

    def __init__(self, api):
        self.api = api
        self.modified = {}      # node name -> arrival times of MODIFIED
        self.nmodified = 0
        self.cond = threading.Condition()
        rv = api.rv()
        self.conn = api.connect()
        self.conn.request("GET", "/api/v1/nodes?watch=1&resourceVersion=%s"
                          "&allowWatchBookmarks=true&timeoutSeconds=3600" % rv,
                          headers={"Authorization": "Bearer " + api.token})
        self.resp = self.conn.getresponse()
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        while True:
            try:
                line = self.resp.readline()
            except (OSError, AttributeError, http.client.HTTPException):
                return          # closed at the end of the benchmark
            if not line:
                return
            t = now()
            ev = json.loads(line)
            if ev.get("type") != "MODIFIED":
                continue
            name = ev["object"]["metadata"]["name"]
            with self.cond:
                self.nmodified += 1
                self.modified.setdefault(name, []).append(t)
                self.cond.notify_all()

    def close(self):
        """Ends the watch. The reader thread holds the response's lock
        while it waits for a line, and a quiet server sends none (a real
        one bookmarks only when its resourceVersion moves): shutting the
        socket down ends that wait, so closing does not hang."""
        try:
            self.conn.sock.shutdown(socket.SHUT_RDWR)
        except (OSError, AttributeError):
            pass
        self.conn.close()

    def wait(self, name, after, timeout):
        end = now() + timeout
        with self.cond:
            while True:
                for t in self.modified.get(name, []):
                    if t >= after:
                        return t
                left = end - now()
                if left <= 0:
                    return None
                self.cond.wait(left)


# --- the worker -----------------------------------------------------------

class Proc:
    """A program whose stderr lines are stamped and kept; marks record the
    time and CPU ticks when a line containing a given text first arrives."""

    def __init__(self, argv, env, marks=()):
        self.want = list(marks)
        self.marks = {}
        self.lines = []
        self.cond = threading.Condition()
        self.t0 = now()
        self.p = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE)
        self.pid = self.p.pid
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        for raw in self.p.stderr:
            t = now()
            line = raw.decode(errors="replace").rstrip("\n")
            with self.cond:
                self.lines.append((t, line))
                for text in self.want:
                    if text in line and text not in self.marks:
                        try:
                            ticks = cpu_ticks(self.pid)
                        except OSError:
                            ticks = None
                        self.marks[text] = (t, ticks)
                self.cond.notify_all()
        with self.cond:
            self.cond.notify_all()

    def wait_mark(self, text, timeout):
        end = now() + timeout
        with self.cond:
            while text not in self.marks:
                left = end - now()
                if left <= 0 or self.p.poll() is not None:
                    return None
                self.cond.wait(min(left, 1))
            return self.marks[text]

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(30)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()

    def tail(self, n=8):
        return "\n".join(l for _, l in self.lines[-n:])


LISTED = "listed at resourceVersion"
IN_PLACE = "routes in place"


def ip(*args):
    subprocess.run(["ip"] + list(args), check=True)


def our_routes():
    out = []
    for fam in ("-4", "-6"):
        out += subprocess.run(["ip", "-o", fam, "route", "show", "proto",
                               str(PROTO)], check=True, capture_output=True,
                              text=True).stdout.splitlines()
    return out


def flush_routes():
    for fam in ("-4", "-6"):
        ip(fam, "route", "flush", "proto", str(PROTO))


def start_worker(a, env_extra=None):
    env = dict(os.environ, NODE_NAME="node-1", KUBECONFIG=a.kubeconfig,
               PROTOCOL=str(PROTO), LOG_LEVEL="info")
    env.pop("CIDR_ANNOTATION", None)
    env.pop("ADDRESS_ANNOTATION", None)
    return Proc([a.worker, "--state-dir", os.path.join(a.tmp, "state")], env,
                marks=(LISTED, IN_PLACE))


def ip_batch_ns(a, name):
    """A namespace set up like the bench namespace, for ip -batch."""
    ns = "%s-%s" % (a.ns, name)
    ip("netns", "add", ns)
    for cmd in (["link", "set", "lo", "up"],
                ["link", "add", "b0", "type", "veth", "peer", "name", "b1"],
                ["link", "set", "b1", "up"], ["link", "set", "b0", "up"],
                ["addr", "add", "198.19.127.254/17", "dev", "b0"],
                ["addr", "add", "2001:db8::ffff:fffe/64", "dev", "b0",
                 "nodad"]):
        ip("-n", ns, *cmd)
    return ns


# --- benchmarks -------------------------------------------------------------

def bench_sync(a, mon):
    """1 route programming, 2 cold sync CPU, 4 worker peak memory.
    Returns the last worker, left running with every route in place."""
    want = 2 * (a.nodes - 1)
    walls, cpus, colds, colds_wall, peaks = [], [], [], [], []
    w = None
    for rep in range(a.reps):
        if w is not None:
            w.stop()
        flush_routes()
        w = start_worker(a)
        m = w.wait_mark(IN_PLACE, a.timeout)
        listed = w.marks.get(LISTED)
        if m is None or listed is None:
            sys.exit("worker did not sync:\n" + w.tail())
        n = len(our_routes())
        if n != want:
            sys.exit("worker installed %d routes, want %d" % (n, want))
        walls.append(m[0] - listed[0])
        cpus.append((m[1] - listed[1]) / TICK)
        colds.append(m[1] / TICK)
        colds_wall.append(m[0] - w.t0)
        peaks.append(status(w.pid)["VmHWM"])
        log("worker run %d: list %.1f s, routes %.0f ms, %.2f s CPU to sync"
            % (rep + 1, listed[0] - w.t0, walls[-1] * 1000, colds[-1]))

    # The same routes, as the worker made them, through ip -batch.
    batch = os.path.join(a.tmp, "routes.batch")
    with open(batch, "w") as f:
        for r in our_routes():
            words = r.split()
            dst, via, dev = words[0], words[words.index("via") + 1], \
                words[words.index("dev") + 1]
            f.write("route add %s via %s dev %s proto %d\n"
                    % (dst, via, dev, PROTO))
    bwalls, bcpus = [], []
    ns = ip_batch_ns(a, "batch")
    try:
        for rep in range(a.reps):
            wall, cpu, _ = run_cpu(["ip", "-n", ns, "-batch", batch],
                                   check=True)
            bwalls.append(wall)
            bcpus.append(cpu)
            n = sum(len(subprocess.run(
                ["ip", "-n", ns, "-o", fam, "route", "show", "proto",
                 str(PROTO)], capture_output=True, text=True,
                check=True).stdout.splitlines()) for fam in ("-4", "-6"))
            if n != want:
                sys.exit("ip -batch installed %d routes, want %d" % (n, want))
            for fam in ("-4", "-6"):
                ip("-n", ns, fam, "route", "flush", "proto", str(PROTO))
            log("ip -batch run %d: %.0f ms, %.2f s CPU"
                % (rep + 1, wall * 1000, cpu))
    finally:
        subprocess.run(["ip", "netns", "del", ns])

    med = statistics.median
    figure("route_programming_wall", med(walls) * 1000, "ms",
           "ip -batch", med(bwalls) * 1000, target="ratio <= 0.6",
           note="%d routes, median of %d; worker: its list-complete log "
           "line to its resync-done line" % (want, a.reps))
    figure("route_programming_wall_min", min(walls) * 1000, "ms",
           "ip -batch", min(bwalls) * 1000, target="ratio <= 0.6",
           note="the least disturbed run of each")
    figure("route_programming_cpu", med(cpus), "s", "ip -batch", med(bcpus),
           target="ratio <= 0.6", note="user+sys over the same interval")
    return w, {"cold_cpu": med(colds), "cold_wall": med(colds_wall),
               "peak": max(peaks)}


def bench_kubectl_list(a, sync):
    env = dict(os.environ, HOME=a.tmp)
    cpus, walls = [], []
    for rep in range(a.kubectl_reps):
        wall, cpu, cp = run_cpu(
            ["kubectl", "--kubeconfig", a.kubeconfig, "--cache-dir",
             os.path.join(a.tmp, "kcache"), "get", "nodes", "-o", "name",
             "--chunk-size=500"], env=env, capture_output=True, check=True)
        n = len(cp.stdout.splitlines())
        if n != a.nodes:
            sys.exit("kubectl listed %d nodes, want %d" % (n, a.nodes))
        cpus.append(cpu)
        walls.append(wall)
        log("kubectl get nodes run %d: %.1f s, %.2f s CPU"
            % (rep + 1, wall, cpu))
    figure("cold_sync_cpu", sync["cold_cpu"], "s", "kubectl get nodes",
           statistics.median(cpus), target="ratio <= 0.5",
           note="worker user+sys from exec to every route in place "
           "(wall %.1f s), %d nodes over TLS; kubectl: its process tree"
           % (sync["cold_wall"], a.nodes))


def bench_events(a, mon, w):
    api = Api(a.url, a.certs)
    watch = Watch(api)
    lat, base, accept, lost = [], [], [], 0
    for i in range(a.events):
        j = 2 + (i * 7919) % (a.nodes - 1)     # spread over the nodes
        node = "node-%d" % j
        v4 = "198.19.%d.%d/28" % (128 + i // 16, (i % 16) * 16)
        v6 = "fd00:0:0:%x::/64" % (j - 1)
        body = json.dumps({"spec": {"podCIDRs": [v4, v6]}})
        t_sent = now()
        st, data = api.request("PATCH", "/api/v1/nodes/" + node, body,
                               "application/merge-patch+json")
        t_acc = now()
        if st != 200:
            sys.exit("PATCH %s: HTTP %d %s" % (node, st, data[:200]))
        t_route = mon.wait_new(v4, t_sent, 5)
        t_watch = watch.wait(node, t_sent, 5)
        if t_route is None:
            lost += 1
            continue
        lat.append((t_route - t_sent) * 1000)
        if t_watch is not None:
            base.append((t_watch - t_sent) * 1000)
        accept.append((t_acc - t_sent) * 1000)
        time.sleep(0.01)
    note = "%d PATCHes of spec.podCIDRs, PATCH sent -> RTM_NEWROUTE seen " \
        "(the reply itself takes %.1f ms median and usually arrives after " \
        "the route); baseline: PATCH sent -> the MODIFIED event reaching a " \
        "plain watch client" % (a.events, pct(accept, 0.5))
    if lost:
        note += "; %d routes never appeared" % lost
    figure("event_latency_p50", pct(lat, 0.5), "ms", "watch event",
           pct(base, 0.5), target="-", note=note)
    figure("event_latency_p99", pct(lat, 0.99), "ms", "watch event",
           pct(base, 0.99), target="< 50 ms")

    # Heartbeats: MODIFIED events that change nothing routing-relevant.
    time.sleep(1)
    c0, m0, k0 = mon.count(), watch.nmodified, cpu_ticks(w.pid)
    st, _ = api.request("POST", "/fake/heartbeat?rate=50&seconds=%d"
                        % a.heartbeat)
    if st != 200:
        sys.exit("heartbeat: HTTP %d" % st)
    time.sleep(a.heartbeat + 2)
    msgs, events = mon.count() - c0, watch.nmodified - m0
    figure("heartbeat_netlink_msgs", msgs, "messages", "heartbeat events",
           events, ratio=msgs / max(events, 1), target="0",
           note="50/s for %d s; worker CPU %.2f s meanwhile"
           % (a.heartbeat, (cpu_ticks(w.pid) - k0) / TICK))
    watch.close()


def idle(pids, seconds):
    """CPU ticks and voluntary context switches of pids over seconds."""
    before = {p: (cpu_ticks(p), status(p)["voluntary_ctxt_switches"])
              for p in pids}
    time.sleep(seconds)
    return {p: (cpu_ticks(p) - before[p][0],
                status(p)["voluntary_ctxt_switches"] - before[p][1])
            for p in pids}


def bench_memory_idle(a, w, sync):
    d = idle([w.pid], a.idle)[w.pid]
    st = status(w.pid)
    uss, pss = smaps(w.pid)[:2]
    figure("idle_worker_cpu", d[0], "ticks", target="0",
           note="standalone worker, %d s, %d routes, no changes"
           % (a.idle, 2 * (a.nodes - 1)))
    figure("idle_worker_wakeups", d[1], "switches", target="watch renewals "
           "and bookmarks only", note="voluntary context switches; the "
           "fake server sends a bookmark every %d s" % a.bookmark)

    # Baseline: kubectl watching the same nodes, after its initial list.
    env = dict(os.environ, HOME=a.tmp)
    p = subprocess.Popen(["kubectl", "--kubeconfig", a.kubeconfig,
                          "--cache-dir", os.path.join(a.tmp, "kcache"),
                          "get", "nodes", "--watch", "-o", "json"], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    seen = 0
    end = now() + a.timeout
    while seen < a.nodes and now() < end:
        line = p.stdout.readline()
        if not line:
            break
        if line.strip().startswith(b'"kind": "Node"'):
            seen += 1
    time.sleep(2)
    procs = tree(p.pid)
    krss = sum(status(q)["VmRSS"] for q in procs)
    khwm = max(status(q)["VmHWM"] for q in procs)
    for q in procs:
        try:
            os.kill(q, signal.SIGTERM)
        except ProcessLookupError:
            pass
    p.stdout.close()
    p.wait()
    if seen < a.nodes:
        sys.exit("kubectl --watch printed %d of %d nodes" % (seen, a.nodes))
    figure("worker_peak_rss", sync["peak"], "MiB", "kubectl --watch peak",
           khwm, target="<= 16 MiB", note="VmHWM right after the first sync")
    figure("worker_steady_rss", st["VmRSS"], "MiB", "kubectl --watch",
           krss, target="<= 8 MiB", note="VmRSS after events, heartbeats "
           "and idle; kubectl: RSS of its process tree (%d processes) "
           "after its list" % len(procs))
    figure("worker_steady_uss", uss, "MiB", target="<= 4 MiB" if
           a.nodes == 10000 else "-", note="private memory (USS) from "
           "smaps_rollup, when VmRSS was read; the rest of RSS is shared")
    figure("worker_steady_pss", pss, "MiB", target="-",
           note="proportional set size, from smaps_rollup")


class Notify:
    """A $NOTIFY_SOCKET: stamps READY=1."""

    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.ready = []
        self.cond = threading.Condition()
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        while True:
            msg = self.sock.recv(4096)
            t = now()
            if b"READY=1" in msg.split(b"\n"):
                with self.cond:
                    self.ready.append(t)
                    self.cond.notify_all()

    def wait(self, after, timeout):
        end = now() + timeout
        with self.cond:
            while not any(t >= after for t in self.ready):
                left = end - now()
                if left <= 0:
                    return None
                self.cond.wait(left)
            return min(t for t in self.ready if t >= after)


def bench_supervisor(a, mon, sync):
    """5 idle cost and 4 memory under the supervisor, 7 restart."""
    names = ("idle_supervisor_cpu", "idle_supervisor_wakeups",
             "idle_supervised_worker_cpu", "idle_supervised_worker_wakeups",
             "supervisor_rss", "restart_route_changes", "restart_ready_time")
    helptext = subprocess.run([a.supervisor, "--help"], capture_output=True,
                              text=True).stdout
    if "--foreground" not in helptext:
        for n in names:
            figure(n, None, "-", note="this xcni-supervisor cannot run "
                   "workers yet (no --foreground)")
        return
    ini = os.path.join(a.tmp, "xcni.ini")
    os.makedirs(os.path.join(a.tmp, "net.d"), exist_ok=True)
    with open(ini, "w") as f:
        f.write("[global]\nnode-name = node-1\nkubeconfig = %s\n"
                "user = nobody\nstate-dir = %s/sup-state\n"
                "cni-conf-dir = %s/net.d\nlog-level = info\n\n"
                "[xcluster]\nprotocol = %d\nmtu = 1500\ncni-conf = none\n"
                % (a.kubeconfig, a.tmp, a.tmp, PROTO))
    notify = Notify(os.path.join(a.tmp, "notify"))
    env = dict(os.environ, XCNI_WORKER=a.worker, NOTIFY_SOCKET=notify.path)
    for k in ("KUBECONFIG", "NODE_NAME", "LOG_LEVEL"):
        env.pop(k, None)

    def start():
        p = Proc([a.supervisor, "-c", ini, "--foreground"], env)
        t = notify.wait(p.t0, a.timeout)
        if t is None:
            p.stop()
            sys.exit("supervisor not ready:\n" + p.tail())
        return p, t - p.t0

    want = 2 * (a.nodes - 1)
    sup, _ = start()
    kids = [q for q in tree(sup.pid) if q != sup.pid]
    if len(kids) != 1:
        sys.exit("supervisor has %d workers, want 1" % len(kids))
    d = idle([sup.pid, kids[0]], a.idle)
    st = status(sup.pid)
    note = "%d s, %d routes, no changes" % (a.idle, want)
    figure("idle_supervisor_cpu", d[sup.pid][0], "ticks", target="0",
           note=note)
    figure("idle_supervisor_wakeups", d[sup.pid][1], "switches", target="0")
    figure("idle_supervised_worker_cpu", d[kids[0]][0], "ticks", target="0",
           note=note)
    figure("idle_supervised_worker_wakeups", d[kids[0]][1], "switches",
           target="watch renewals and bookmarks only",
           note="bookmark every %d s" % a.bookmark)
    figure("supervisor_rss", st["VmRSS"], "MiB", target="<= 2 MiB",
           note="VmRSS with one worker; VmHWM %.1f MiB" % st["VmHWM"])
    uss, pss = smaps(sup.pid)[:2]
    figure("supervisor_uss", uss, "MiB", target="<= 1 MiB",
           note="private memory (USS) from smaps_rollup, one worker")
    figure("supervisor_pss", pss, "MiB", target="-")

    c0, o0 = mon.count(), mon.overruns
    sup.stop()
    sup, ready = start()
    time.sleep(3)
    changes = mon.count() - c0
    if mon.overruns != o0:
        changes = None          # the monitor lost some: no count
    n = len(our_routes())
    sup.stop()
    figure("restart_route_changes", changes, "notifications", target="0",
           note="RTM_NEWROUTE/DELROUTE of protocol %d from SIGTERM to "
           "3 s after READY=1; %d of %d routes in place after"
           % (PROTO, n, want))
    figure("restart_ready_time", ready, "s", "cold start to routes in place",
           sync["cold_wall"], target="-",
           note="supervisor exec -> READY=1 on $NOTIFY_SOCKET")


def bench_pods(a):
    """6: ADD and DEL through libcni, kube-node versus host-local."""
    res = {}
    out = subprocess.run(["sh", a.script, str(a.pods)], check=True,
                         capture_output=True, text=True).stdout
    for line in out.splitlines():
        w = line.split()
        if len(w) == 5 and w[1] in ("add", "del"):
            kv = dict(x.split("=") for x in w[2:])
            res.setdefault((w[0], w[1]), []).append(
                (float(kv["median_ms"]), float(kv["p99_ms"])))
    for op in ("add", "del"):
        kn, hl = res.get(("kube-node", op)), res.get(("host-local", op))
        if not kn or not hl:
            sys.exit("pod start: no %s figures in:\n%s" % (op, out))
        for i, stat in ((0, "median"), (1, "p99")):
            figure("pod_%s_%s" % (op, stat), statistics.mean(x[i] for x in kn),
                   "ms", "bridge+host-local", statistics.mean(
                       x[i] for x in hl),
                   target="ratio <= 1.1" if i == 0 else "-",
                   note="%d pods in two halves run A-B-B-A, mean of the "
                   "halves" % a.pods if (op, i) == ("add", 0) else None)


# --- bench/scale: one size of the growth curves ---------------------------

# tests/kube/fake-apiserver's nodes with IPv4 addresses; the rest are
# IPv6-only, as the test address plan holds no more.
V4_NODES = 65533

def scale_link(ns, nodes):
    """Namespace ns with a link b0 whose prefixes hold the gateway of
    every generated node (tests/kube/fake-apiserver's address scheme) and
    none of their pod CIDRs, which the route policy would refuse."""
    ip("netns", "add", ns)
    v4 = "198.19.255.254/16"
    for cmd in (["link", "set", "lo", "up"],
                ["link", "add", "b0", "type", "veth", "peer", "name", "b1"],
                ["link", "set", "b1", "up"], ["link", "set", "b0", "up"],
                ["addr", "add", v4, "dev", "b0"],
                ["addr", "add", "192.0.2.254/24", "dev", "b0"],
                ["addr", "add", "2001:db8::ffff:fffe/64", "dev", "b0",
                 "nodad"]):
        ip("-n", ns, *cmd)


def scale_count(ns):
    return sum(len(subprocess.run(
        ["ip", "-n", ns, "-o", fam, "route", "show", "proto", str(PROTO)],
        capture_output=True, text=True, check=True).stdout.splitlines())
        for fam in ("-4", "-6"))


class MemPeak:
    """The largest USS, PSS and RSS of pid, sampled every 50 ms until
    stopped (RSS also from VmHWM, which the kernel keeps exactly)."""

    def __init__(self, pid):
        self.pid, self.peak, self.done = pid, [0.0, 0.0, 0.0], False
        self.t = threading.Thread(target=self._run, daemon=True)
        self.t.start()

    def _run(self):
        while not self.done:
            try:
                for k, x in enumerate(smaps(self.pid)[:3]):
                    self.peak[k] = max(self.peak[k], x)
            except (OSError, KeyError):
                return
            time.sleep(0.05)

    def stop(self):
        self.done = True
        self.t.join()
        self.peak[2] = max(self.peak[2], status(self.pid)["VmHWM"])
        return self.peak


def scale_events(a, mon):
    """PATCHes of spec.podCIDRs: PATCH sent -> the RTM_NEWROUTE of the new
    IPv4 CIDR, and -> the MODIFIED event at a plain watch client."""
    api = Api(a.url, a.certs)
    watch = Watch(api)
    lat, base, lost, slow = [], [], 0, []
    for i in range(a.events):
        j = 2 + (i * 7919) % (min(a.nodes, V4_NODES) - 1)
        # Outside every generated CIDR and the link's prefixes.
        v4 = "203.0.113.%d/32" % (i + 1)
        # Its own IPv6 CIDR (tests/kube/fake-apiserver), unchanged.
        v6 = str(ipaddress.ip_network("fd00:0:%x:%x::/64" % (
            (j - 1) >> 16, (j - 1) & 0xffff)))
        body = json.dumps({"spec": {"podCIDRs": [v4, v6]}})
        t_sent = now()
        st, data = api.request("PATCH", "/api/v1/nodes/node-%d" % j, body,
                               "application/merge-patch+json")
        if st != 200:
            sys.exit("PATCH node-%d: HTTP %d %s" % (j, st, data[:200]))
        t_route = mon.wait_new(v4, t_sent, 10)
        t_watch = watch.wait("node-%d" % j, t_sent, 10)
        if t_route is None:
            lost += 1
        else:
            lat.append((t_route - t_sent) * 1000)
            slow.append((lat[-1], None if t_watch is None else
                         (t_watch - t_sent) * 1000, j))
        if t_watch is not None:
            base.append((t_watch - t_sent) * 1000)
        time.sleep(0.01)
    watch.close()
    log("n=%d: slowest events (route ms, watch ms, node): %s" % (
        a.nodes, ", ".join("%.1f %s node-%d" % (r, "-" if b is None else
                                                "%.1f" % b, j)
                           for r, b, j in sorted(slow)[-3:])))
    return lat, base, lost


def scale_floor(a, routes):
    """The same routes into fresh namespaces: nexthop objects through
    bench/nl-floor, classic routes through ip -batch. Returns
    ((wall s, cpu s) of nl-floor, (wall s, cpu s) of ip -batch)."""
    want = len(routes)
    pairs = os.path.join(a.tmp, "routes.pairs")
    batch = os.path.join(a.tmp, "routes.batch")
    with open(pairs, "w") as fp, open(batch, "w") as fb:
        for r in routes:
            w = r.split()
            dst, via = w[0], w[w.index("via") + 1]
            if "/" not in dst:      # ip prints a host route bare
                dst += "/128" if ":" in dst else "/32"
            fp.write("%s %s\n" % (dst, via))
            fb.write("route add %s via %s dev b0 proto %d\n"
                     % (dst, via, PROTO))
    out = []
    for name in ("floor", "batch"):
        ns = "%s-%s" % (a.ns, name)
        scale_link(ns, a.nodes)
        try:
            if name == "floor":
                cp = subprocess.run(["ip", "netns", "exec", ns, a.floor,
                                     pairs, "b0", str(PROTO)],
                                    capture_output=True, text=True)
                if cp.returncode:
                    sys.exit("n=%d: nl-floor failed: %s"
                             % (a.nodes, cp.stderr.strip()))
                w = cp.stdout.split()
                # "nl-floor: N nexthops + N routes in W ms (cpu U ms
                # user, S ms sys), B sendmsg"
                wall = float(w[w.index("in") + 1]) / 1000
                cpu = (float(w[w.index("(cpu") + 1]) +
                       float(w[w.index("user,") + 1])) / 1000
                log("n=%d %s" % (a.nodes, cp.stdout.strip()))
            else:
                wall, cpu, _ = run_cpu(["ip", "-n", ns, "-batch", batch],
                                       check=True)
                log("n=%d ip -batch: %d classic routes in %.1f ms "
                    "(cpu %.1f ms)" % (a.nodes, want, wall * 1000,
                                       cpu * 1000))
            n = scale_count(ns)
            if n != want:
                sys.exit("%s installed %d routes, want %d" % (name, n, want))
            out.append((wall, cpu))
        finally:
            subprocess.run(["ip", "netns", "del", ns])
    return out


def bench_scale(a):
    """One size: the worker from exec to every route in place, events,
    memory; then the floor and ip -batch. Figures are named nN_...; one
    row of the data file for the curves and the slopes."""
    # The nodes past the IPv4 part of the address plan are IPv6-only.
    n, want = a.nodes, min(a.nodes, V4_NODES) - 1 + a.nodes - 1
    w = start_worker(a)
    mem = MemPeak(w.pid)
    m = w.wait_mark(IN_PLACE, a.timeout)
    listed = w.marks.get(LISTED)
    if m is None or listed is None:
        mem.stop()
        w.stop()
        sys.exit("n=%d: worker did not sync:\n%s" % (n, w.tail()))
    routes = our_routes()
    if len(routes) != want:
        mem.stop()
        w.stop()
        sys.exit("n=%d: worker installed %d routes, want %d"
                 % (n, len(routes), want))
    sync_wall, sync_cpu = m[0] - w.t0, m[1] / TICK
    list_wall, list_cpu = listed[0] - w.t0, listed[1] / TICK
    rp_wall, rp_cpu = m[0] - listed[0], (m[1] - listed[1]) / TICK
    log("n=%d: %d routes in place; list %.2f s (%.2f s CPU), routes "
        "%.0f ms (%.2f s CPU), %.2f s CPU to sync" % (
            n, want, list_wall, list_cpu, rp_wall * 1000, rp_cpu, sync_cpu))
    # Only now: a listener of our own would cost the kernel and this
    # process's CPU during route programming, which nl-floor does not pay.
    mon = Monitor()
    lat, base, lost = scale_events(a, mon)
    time.sleep(3)
    steady = smaps(w.pid)
    peak = [max(x) for x in zip(mem.stop(), steady)]
    w.stop()
    if mon.overruns:
        log("n=%d: the netlink monitor lost notifications %d times"
            % (n, mon.overruns))
    (f_wall, f_cpu), (b_wall, b_cpu) = scale_floor(a, routes)

    p = "n%d_" % n
    big = n == 130000
    figure(p + "sync_wall", sync_wall, "s", note="exec -> every route in "
           "place, %d routes" % want)
    figure(p + "sync_cpu", sync_cpu, "s", target="<= 10 s" if big else "-",
           note="worker user+sys, exec -> every route in place")
    figure(p + "list_wall", list_wall, "s", note="exec -> its 'listed' "
           "log line (the list in pages over TLS, decoded); %.2f s CPU"
           % list_cpu)
    figure(p + "route_programming_wall", rp_wall * 1000, "ms", "nl-floor",
           f_wall * 1000, target="ratio <= 1.5", note="the worker's "
           "'listed' line -> its 'routes in place' line; nl-floor: the "
           "same nexthop objects and routes, one sendmsg a phase")
    figure(p + "route_programming_vs_ip_batch", rp_wall * 1000, "ms",
           "ip -batch", b_wall * 1000,
           target="ratio <= 0.2" if n == 10000 else "-",
           note="classic routes, one gateway each, as a user writes them")
    figure(p + "route_programming_cpu", rp_cpu, "s", "nl-floor", f_cpu,
           note="ip -batch %.2f s" % b_cpu)
    figure(p + "event_latency_p50", pct(lat, 0.5), "ms", "watch event",
           pct(base, 0.5), note="%d PATCHes of spec.podCIDRs, PATCH sent "
           "-> RTM_NEWROUTE; baseline: -> MODIFIED at a plain watch "
           "client%s" % (len(lat) + lost, "; %d routes never appeared"
                         % lost if lost else ""))
    figure(p + "event_latency_p99", pct(lat, 0.99), "ms", "watch event",
           pct(base, 0.99))
    excess = None if not lat or not base else \
        pct(lat, 0.99) - pct(base, 0.99)
    figure(p + "event_latency_p99_excess", excess, "ms", target="<= 5 ms",
           note="worker p99 - watch client p99")
    for k, what in enumerate(("uss", "pss", "rss")):
        tgt = "-"
        if what == "uss" and n == 10000:
            tgt = "<= 4 MiB"
        elif what == "uss" and big:
            tgt = "<= 32 MiB"
        figure(p + what + "_peak", peak[k], "MiB", note="exec -> the "
               "steady reading, smaps_rollup every 50 ms" + (
                   "; RSS: VmHWM" if k == 2 else ""))
        figure(p + what + "_steady", steady[k], "MiB", target=tgt,
               note="after the events and 3 s; of it %.2f MiB private "
               "clean: file pages no other process maps at the moment "
               "(libraries), which moves with what else runs"
               % steady[3] if k == 0 else None)
    with open(a.data, "a") as f:
        f.write("%d %.3f %.3f %.3f %.3f %.1f %.1f %.1f %.3f %.3f %.3f %.3f"
                "\n" % (n, sync_cpu, sync_wall, list_wall, steady[0],
                        rp_wall * 1000, f_wall * 1000, b_wall * 1000,
                        steady[1], steady[2], peak[0], steady[3]))


def scale_slopes(data):
    """The marginal cost per node between the two largest sizes of
    dual-stack nodes; past V4_NODES, where each node added is IPv6-only
    (one route, not two), its own slope beside."""
    rows = sorted(tuple(float(x) for x in l.split())
                  for l in open(data) if l.strip())
    dual = [r for r in rows if r[0] <= V4_NODES]
    if len(dual) < 2:
        sys.exit("scale: fewer than two dual-stack sizes in %s" % data)
    slopes(dual[-2], dual[-1], "", "<= 200 bytes")
    if rows[-1][0] > V4_NODES:
        slopes(rows[-2], rows[-1], "_ipv6_only", "-")


def slopes(lo, hi, suffix, target):
    dn = hi[0] - lo[0]
    note = "slope between %d and %d nodes" % (lo[0], hi[0])
    if suffix:
        note += " (the nodes past %d are IPv6-only)" % V4_NODES
    figure("marginal_cpu_per_node" + suffix, (hi[1] - lo[1]) / dn * 1e6,
           "us", note=note + ", CPU to sync")
    figure("marginal_uss_per_node" + suffix, (hi[4] - lo[4]) / dn * 1048576,
           "bytes", target=target, note=note + ", steady USS; "
           "without its private clean part %.0f bytes"
           % ((hi[4] - hi[11] - lo[4] + lo[11]) / dn * 1048576))


# --- a real kube-apiserver: xcni and its peers ------------------------------
# bench/real-apiserver and bench/peers: the node lists (k8s-nodes), one
# program from exec to steady state (k8s-run), the table and the picture
# (k8s-report). Every program is measured the same way: routes by the
# netlink notifications of its route protocol, CPU and memory from /proc.

K8S_COMMANDS = ("k8s-nodes", "k8s-run", "k8s-report", "k8s-figures")
FLANNEL_PREFIX = "flannel.alpha.coreos.com/"


def k8s_nodes_module():
    """tests/k8s/nodes, whose generator is the fake server's."""
    import importlib.machinery
    import importlib.util
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                        "tests", "k8s", "nodes")
    loader = importlib.machinery.SourceFileLoader("k8s_nodes", path)
    spec = importlib.util.spec_from_loader("k8s_nodes", loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


def k8s_node_routes(node):
    """(v4 CIDR, v6 CIDR, v4 address, v6 address) of a generated node."""
    cidrs = node["spec"]["podCIDRs"]
    addrs = [x["address"] for x in node["status"]["addresses"]
             if x["type"] == "InternalIP"]
    return cidrs[0], cidrs[1], addrs[0], addrs[1]


def flannel_annotations(ip4, ip6):
    """What flannel's Kubernetes subnet manager reads from every other
    node (its own node it writes itself): the node's lease."""
    return {FLANNEL_PREFIX + k: v for k, v in (
        ("kube-subnet-manager", "true"), ("backend-type", "host-gw"),
        ("backend-data", "null"), ("backend-v6-data", "null"),
        ("public-ip", ip4), ("public-ipv6", ip6))}


def k8s_nodes(a):
    """DIR/nodes.json: N generated nodes (tests/k8s/nodes' generator) with
    flannel's annotations; DIR/pending.json: P more, neither pod CIDRs nor
    annotations yet (a real apiserver refuses to change a podCIDR once set,
    so the event benchmark gives these theirs: their route appears);
    DIR/events.json: what each pending node gets; DIR/expected: the routes
    node-1 must have, "DESTINATION GATEWAY" lines."""
    import ipaddress
    mod = k8s_nodes_module()
    nodes, pending, events, expected = [], [], [], []
    for i, node in enumerate(mod.generated(a.nodes + a.pending)):
        v4, v6, ip4, ip6 = k8s_node_routes(node)
        ann = flannel_annotations(ip4, ip6)
        name = node["metadata"]["name"]
        if i < a.nodes:
            node["metadata"]["annotations"].update(ann)
            nodes.append(node)
            if i:
                for c, g in ((v4, ip4), (v6, ip6)):
                    expected.append("%s %s" % (ipaddress.ip_network(c),
                                               ipaddress.ip_address(g)))
        else:
            for k in ("podCIDR", "podCIDRs"):
                del node["spec"][k]
            pending.append(node)
            events.append({"name": name, "v4": v4, "v6": v6, "ip4": ip4,
                           "ip6": ip6, "annotations": ann})
    for f, doc in (("nodes.json", nodes), ("pending.json", pending),
                   ("events.json", events)):
        with open(os.path.join(a.out, f), "w") as out:
            json.dump(doc, out)
    with open(os.path.join(a.out, "expected"), "w") as out:
        out.write("\n".join(expected) + "\n")


def k8s_route_set():
    """The main table's routes that are not the kernel's own: a set of
    (destination, gateway) and the lines of those without a gateway."""
    have, other = set(), []
    for fam in ("-4", "-6"):
        out = subprocess.run(["ip", "-o", fam, "route", "show", "table",
                              "main"], check=True, capture_output=True,
                             text=True).stdout
        for line in out.splitlines():
            w = line.split()
            if "proto" in w and w[w.index("proto") + 1] == "kernel":
                continue
            if "via" in w:
                have.add((w[0], w[w.index("via") + 1]))
            else:
                other.append(line.strip())
    return have, other


def k8s_compare(want, res, key):
    """Puts into res[key] whether the kernel's routes are exactly want."""
    have, other = k8s_route_set()
    missing, extra = sorted(want - have), sorted(have - want)
    res[key] = {"exact": not missing and not extra and not other,
                "routes": len(have), "missing": len(missing),
                "extra": len(extra) + len(other),
                "examples": ["-%s via %s" % m for m in missing[:3]] +
                ["+%s via %s" % e for e in extra[:3]] + other[:3]}


def mem_mib(pid):
    """smaps' USS, PSS and RSS by name."""
    uss, pss, rss = smaps(pid)[:3]
    return {"rss": rss, "pss": pss, "uss": uss}


def k8s_wait_sync(mon, dsts, proc, timeout):
    """Waits until a RTM_NEWROUTE arrived for every destination: returns
    (arrival of the last one, the program's CPU ticks then), or None."""
    end = now() + timeout
    while now() < end and proc.p.poll() is None:
        with mon.cond:
            done = len(mon.first) >= len(dsts) and \
                all(d in mon.first for d in dsts)
            if done:
                ticks = cpu_ticks(proc.pid)
                return max(mon.first[d] for d in dsts), ticks
            mon.cond.wait(0.2)
    return None


def k8s_events(a, api, mon, res):
    """Pending nodes get their pod CIDRs (and flannel's annotations) in
    one PATCH: PATCH sent -> both routes seen, beside PATCH sent -> the
    MODIFIED event reaching a plain watch client."""
    with open(a.events_file) as f:
        todo = json.load(f)[:a.events]
    watch = Watch(api)
    lat, floor, lost, added = [], [], 0, set()
    for ev in todo:
        body = json.dumps({"metadata": {"annotations": ev["annotations"]},
                           "spec": {"podCIDR": ev["v4"],
                                    "podCIDRs": [ev["v4"], ev["v6"]]}})
        t_sent = now()
        st, data = api.request("PATCH", "/api/v1/nodes/" + ev["name"], body,
                               "application/merge-patch+json")
        if st != 200:
            sys.exit("PATCH %s: HTTP %d %s" % (ev["name"], st, data[:300]))
        t4 = mon.wait_new(ev["v4"], t_sent, 10)
        t6 = mon.wait_new(ev["v6"], t_sent, 10)
        tw = watch.wait(ev["name"], t_sent, 10)
        added.add((ev["v4"], ev["ip4"]))
        added.add((ev["v6"], ev["ip6"]))
        if t4 is None or t6 is None:
            lost += 1
        else:
            lat.append((max(t4, t6) - t_sent) * 1000)
        if tw is not None:
            floor.append((tw - t_sent) * 1000)
        time.sleep(0.01)
    watch.close()
    res["events"] = {"n": len(todo), "lost": lost,
                     "p50": pct(lat, 0.5), "p99": pct(lat, 0.99),
                     "floor_p50": pct(floor, 0.5),
                     "floor_p99": pct(floor, 0.99)}
    return added


def k8s_heartbeats(a, api_args, mon, proc, res):
    """a.heartbeats status PATCHes of lastHeartbeatTime (nothing a router
    reads) at a.rate per second, on distinct nodes, from three
    connections; the watch client counts the MODIFIED events."""
    watch = Watch(Api(*api_args))
    c0, m0, k0 = mon.count(), watch.nmodified, cpu_ticks(proc.pid)
    t0 = now()
    errors = []

    def beat(part):
        api = Api(*api_args)
        for k in range(part, a.heartbeats, 3):
            due = t0 + k / float(a.rate)
            if due > now():
                time.sleep(due - now())
            j = 2 + (k * 7919) % (a.nodes - 1)
            stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            body = json.dumps({"status": {"conditions": [
                {"type": "Ready", "lastHeartbeatTime": stamp}]}})
            st, data = api.request(
                "PATCH", "/api/v1/nodes/node-%d/status" % j, body,
                "application/strategic-merge-patch+json")
            if st != 200:
                errors.append("HTTP %d %s" % (st, data[:200]))
                return
    threads = [threading.Thread(target=beat, args=(t,)) for t in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took = now() - t0
    if errors:
        sys.exit("heartbeat PATCH: " + errors[0])
    time.sleep(2)
    res["heartbeats"] = {"sent": a.heartbeats, "seconds": took,
                         "events": watch.nmodified - m0,
                         "msgs": mon.count() - c0,
                         "cpu": (cpu_ticks(proc.pid) - k0) / float(TICK)}
    watch.close()


def k8s_kubectl(a, res):
    """The plain client's cost of the same list: kubectl get nodes."""
    wall, cpu, cp = run_cpu(
        ["kubectl", "--kubeconfig", a.kubectl, "--cache-dir",
         os.path.join(os.path.dirname(a.out), "kcache-bench"), "get", "nodes",
         "-o", "name", "--chunk-size=500"], capture_output=True, check=True,
        env=dict(os.environ, HOME=os.path.dirname(a.out)))
    res["kubectl"] = {"wall": wall, "cpu": cpu,
                      "nodes": len(cp.stdout.splitlines())}


def k8s_run(a):
    """One program against the real apiserver, in this network namespace:
    appends one JSON line of its figures to a.out."""
    global PROTO
    PROTO = a.proto
    with open(a.expected) as f:
        want = {tuple(l.split()) for l in f if l.strip()}
    dsts = [d for d, _ in want]
    res = {"name": a.name, "nodes": a.nodes, "routes_wanted": len(want)}
    mon = Monitor()
    api_args = (a.api, a.creds)
    api = Api(*api_args)
    if a.kubectl:
        k8s_kubectl(a, res)
    proc = Proc(a.cmd, dict(os.environ))
    try:
        done = k8s_wait_sync(mon, dsts, proc, a.timeout)
        if done is None:
            res["error"] = "not every route in place after %d s (%d of %d " \
                "destinations seen; %s)" % (
                    now() - proc.t0, sum(d in mon.first for d in dsts),
                    len(dsts), "exited %s" % proc.p.returncode
                    if proc.p.poll() is not None else "still running")
            k8s_compare(want, res, "sync_routes")
            return res
        res["sync_wall"] = done[0] - proc.t0
        res["sync_cpu"] = done[1] / float(TICK)
        k8s_compare(want, res, "sync_routes")
        time.sleep(2)
        if a.steady:
            res["mem_sync"] = mem_mib(proc.pid)
        added = k8s_events(a, api, mon, res) if a.events else set()
        if a.heartbeats:
            k8s_heartbeats(a, api_args, mon, proc, res)
        if a.idle:
            d = idle([proc.pid], a.idle)[proc.pid]
            res["idle"] = {"seconds": a.idle, "ticks": d[0],
                           "switches": d[1]}
        if a.steady:
            left = done[0] + a.steady - now()
            if left > 0:
                time.sleep(left)
            res["mem_steady"] = mem_mib(proc.pid)
            res["steady_after"] = now() - done[0]
        k8s_compare(want | added, res, "end_routes")
        res["overruns"] = mon.overruns
        return res
    finally:
        proc.stop()
        with open(a.log, "w") as f:
            f.write("\n".join(l for _, l in proc.lines) + "\n")
        with open(a.out, "a") as f:
            f.write(json.dumps(res) + "\n")


def k8s_fmt(v, unit=""):
    if v is None:
        return "n/a"
    return ("%.0f" % v if abs(v) >= 100 else "%.3g" % v) + unit


# The picture's figures: (label, path into a result, the least value that
# can be told from zero: one tick of CPU).
K8S_MAIN = (("cold sync wall", ("sync_wall",), 1e-3),
            ("cold sync CPU", ("sync_cpu",), 0.01),
            ("USS after sync", ("mem_sync", "uss"), 1e-3),
            ("USS 5 min", ("mem_steady", "uss"), 1e-3),
            ("event p50", ("events", "p50"), 1e-3),
            ("event p99", ("events", "p99"), 1e-3),
            ("heartbeat CPU", ("heartbeats", "cpu"), 0.01),
            ("idle CPU", ("idle", "ticks"), 1))


def k8s_get(res, path):
    for k in path:
        if not isinstance(res, dict) or res.get(k) is None:
            return None
        res = res[k]
    return res


def k8s_report(a):
    """The markdown table of bench/peers' results (stdout), ratios to
    xcni from the same run, and the picture (a.gnuplot drawing a.data
    into a.svg)."""
    rows = [json.loads(l) for l in open(a.results) if l.strip()]
    base = next((r for r in rows if r["name"] == "xcni"), {})
    g = lambda r, *p: k8s_get(r, p)

    def cell(r, path, unit, ratio=True):
        v = k8s_get(r, path)
        b = k8s_get(base, path)
        s = k8s_fmt(v, unit)
        if ratio and r is not base and v is not None and b:
            s += " (×%.2f)" % (v / b)
        return s

    print("| program | cold sync wall | cold sync CPU | routes exact | "
          "USS / PSS / RSS after sync | USS / PSS / RSS after 5 min | "
          "event→route p50 / p99 (watch floor) | heartbeats: netlink msgs, "
          "CPU | idle CPU |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        if r.get("skipped"):
            print("| %s | not measured: %s | | | | | | | |" % (
                r["label"], r["skipped"]))
            continue
        sr, er = r.get("sync_routes") or {}, r.get("end_routes") or {}
        exact = "yes" if sr.get("exact") else "no: %d missing, %d extra %s" % (
            sr.get("missing", 0), sr.get("extra", 0),
            ", ".join(sr.get("examples", [])))
        if er and not er.get("exact"):
            exact += "; at the end no: %d missing, %d extra %s" % (
                er["missing"], er["extra"], ", ".join(er["examples"]))
        mem = lambda k: " / ".join(cell(r, (k, m), " MiB") for m in
                                   ("uss", "pss", "rss"))
        print("| %s | %s | %s | %s (%d routes) | %s | %s | %s / %s (%s / %s)"
              " | %s msgs / %s events, %s | %s |" % (
                  r["label"] + (" — " + r["error"] if r.get("error") else ""),
                  cell(r, ("sync_wall",), " s"), cell(r, ("sync_cpu",), " s"),
                  exact, sr.get("routes", 0), mem("mem_sync"),
                  mem("mem_steady"), cell(r, ("events", "p50"), " ms"),
                  cell(r, ("events", "p99"), " ms"),
                  k8s_fmt(g(r, "events", "floor_p50"), " ms"),
                  k8s_fmt(g(r, "events", "floor_p99"), " ms"),
                  k8s_fmt(g(r, "heartbeats", "msgs")),
                  k8s_fmt(g(r, "heartbeats", "events")),
                  cell(r, ("heartbeats", "cpu"), " s CPU"),
                  cell(r, ("idle", "ticks"), " ticks / %s s" % k8s_fmt(
                      g(r, "idle", "seconds")))))
    print()
    for r in rows:
        if r.get("took"):
            print("* %s: %d s from its start to its end" % (r["label"],
                                                         r["took"]))
    k8s_picture(a, [r for r in rows if not r.get("skipped")], base)


def k8s_picture(a, rows, base):
    """Each main figure of each program over xcni's, on a log scale."""
    dat = a.data
    with open(dat, "w") as f:
        f.write("figure " + " ".join('"%s"' % r["label"] for r in rows) + "\n")
        for label, path, least in K8S_MAIN:
            b = k8s_get(base, path)
            vals = []
            for r in rows:
                v = k8s_get(r, path)
                # 0 ticks is what /proc shows below one: counted as one
                vals.append("%.4g" % (max(v, least) / max(b, least))
                            if v is not None and b is not None else "NaN")
            f.write('"%s" %s\n' % (label, " ".join(vals)))
    subprocess.run(["gnuplot", "-e", "dat='%s'; out='%s'; n=%d" % (
        dat, a.svg, len(rows)), a.gnuplot], check=True)


def k8s_figures(a):
    """bench/run's figure lines for the last result of a.results (xcni
    against the real apiserver)."""
    with open(a.results) as f:
        r = json.loads(f.read().splitlines()[-1])
    if r.get("error"):
        figure("cold_sync_wall", None, "s", note=r["error"])
        return
    sr, kb = r["sync_routes"], r["kubectl"]
    figure("cold_sync_wall", r["sync_wall"], "s", target="-",
           note="exec -> the RTM_NEWROUTE of the last of %d routes (%d "
           "nodes); route set exact: %s" % (
               r["routes_wanted"], r["nodes"], "yes" if sr["exact"] else
               "no, %d missing, %d extra: %s" % (
                   sr["missing"], sr["extra"], ", ".join(sr["examples"]))))
    figure("cold_sync_cpu", r["sync_cpu"], "s", "kubectl get nodes",
           kb["cpu"], target="ratio <= 0.5",
           note="worker user+sys from exec to every route in place; "
           "kubectl: -o name --chunk-size=500 (%.1f s wall), its process "
           "tree" % kb["wall"])
    ev = r["events"]
    note = "%d nodes given their pod CIDRs (a real apiserver refuses to " \
        "change a set one) in one PATCH each: PATCH sent -> the routes of " \
        "both families seen; baseline: PATCH sent -> the MODIFIED event " \
        "reaching a plain watch client" % ev["n"]
    if ev["lost"]:
        note += "; %d never got their routes" % ev["lost"]
    figure("event_latency_p50", ev["p50"], "ms", "watch event",
           ev["floor_p50"], note=note)
    figure("event_latency_p99", ev["p99"], "ms", "watch event",
           ev["floor_p99"], target="< 50 ms")
    hb = r["heartbeats"]
    figure("heartbeat_netlink_msgs", hb["msgs"], "messages",
           "heartbeat events", hb["events"],
           ratio=hb["msgs"] / float(max(hb["events"], 1)), target="0",
           note="%d status PATCHes of lastHeartbeatTime in %.0f s" % (
               hb["sent"], hb["seconds"]))
    figure("heartbeat_cpu", hb["cpu"], "s", target="-",
           note="worker user+sys over those heartbeats")
    if r.get("overruns"):
        log("netlink monitor lost notifications %d times" % r["overruns"])


def k8s_main(argv):
    ap = argparse.ArgumentParser(prog="bench.py")
    sub = ap.add_subparsers(dest="sub", required=True)
    n = sub.add_parser("k8s-nodes")
    n.add_argument("--out", required=True)
    n.add_argument("--nodes", type=int, required=True)
    n.add_argument("--pending", type=int, required=True)
    r = sub.add_parser("k8s-run")
    for opt in ("name", "api", "creds", "expected", "events-file", "out",
                "log"):
        r.add_argument("--" + opt, required=True)
    r.add_argument("--kubectl", help="a kubeconfig: kubectl's list as a "
                   "baseline")
    for opt in ("proto", "nodes", "events", "heartbeats", "rate", "idle",
                "steady", "timeout"):
        r.add_argument("--" + opt, type=int, default=0)
    r.add_argument("cmd", nargs=argparse.REMAINDER)
    p = sub.add_parser("k8s-report")
    for opt in ("results", "svg", "gnuplot", "data"):
        p.add_argument("--" + opt, required=True)
    f = sub.add_parser("k8s-figures")
    f.add_argument("--results", required=True)
    a = ap.parse_args(argv)
    if a.sub == "k8s-nodes":
        k8s_nodes(a)
    elif a.sub == "k8s-report":
        k8s_report(a)
    elif a.sub == "k8s-figures":
        k8s_figures(a)
    else:
        if a.cmd and a.cmd[0] == "--":
            a.cmd = a.cmd[1:]
        k8s_run(a)


def main():
    if len(sys.argv) > 1 and sys.argv[1] in K8S_COMMANDS:
        return k8s_main(sys.argv[1:])
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    w = sub.add_parser("worker")
    for opt in ("url", "certs", "kubeconfig", "tmp", "ns", "worker",
                "supervisor"):
        w.add_argument("--" + opt, required=True)
    for opt in ("nodes", "reps", "kubectl-reps", "events", "heartbeat", "idle", "bookmark",
                "timeout"):
        w.add_argument("--" + opt, type=int, required=True)
    p = sub.add_parser("pods")
    p.add_argument("--script", required=True)
    p.add_argument("--pods", type=int, required=True)
    sc = sub.add_parser("scale")
    for opt in ("url", "certs", "kubeconfig", "tmp", "ns", "worker", "floor",
                "data"):
        sc.add_argument("--" + opt, required=True)
    for opt in ("nodes", "events", "timeout"):
        sc.add_argument("--" + opt, type=int, required=True)
    sn = sub.add_parser("scale-ns")
    sn.add_argument("ns")
    sn.add_argument("nodes", type=int)
    ss = sub.add_parser("scale-slopes")
    ss.add_argument("data")
    a = ap.parse_args()

    if a.cmd.startswith("scale"):
        {"scale": bench_scale, "scale-ns": lambda a: scale_link(a.ns, a.nodes),
         "scale-slopes": lambda a: scale_slopes(a.data)}[a.cmd](a)
        return

    if a.cmd == "pods":
        bench_pods(a)
        return
    mon = Monitor()
    w, sync = bench_sync(a, mon)
    bench_kubectl_list(a, sync)
    bench_events(a, mon, w)
    bench_memory_idle(a, w, sync)
    w.stop()
    bench_supervisor(a, mon, sync)
    if mon.overruns:
        log("netlink monitor lost notifications %d times" % mon.overruns)


if __name__ == "__main__":
    main()
