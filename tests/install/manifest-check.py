#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Structural checks of xcni's Kubernetes manifests (test-manifests.sh).

Usage: manifest-check.py OUTDIR MANIFEST...
Prints one "ok NAME" or "not ok NAME" line per check (diagnostics as
"# ..." lines) and writes each ConfigMap's xcni.ini to OUTDIR/<file>.ini
for xcni-supervisor --check, and the probes' xcni-supervisor arguments
to OUTDIR/probes, one probe a line. kubectl does not validate fields against a
real schema here, so what matters about the DaemonSet is checked here.
"""

import configparser
import json
import os
import sys

import yaml

CAPS = {"NET_ADMIN", "SETUID", "SETGID", "SETPCAP", "CHOWN", "KILL"}


def report(name, problems):
    print(("not ok " if problems else "ok ") + name)
    for p in problems:
        print("# " + p)


def ini_sections(text):
    cp = configparser.ConfigParser(interpolation=None,
                                   inline_comment_prefixes=(";", "#"))
    cp.read_string(text)
    return {s: dict(cp[s]) for s in cp.sections()}


def load(path):
    docs, problems = [], []
    try:
        with open(path) as f:
            for i, d in enumerate(yaml.safe_load_all(f)):
                if d is None:
                    continue
                if not isinstance(d, dict):
                    problems.append(f"document {i}: not a mapping")
                    continue
                for key in ("apiVersion", "kind"):
                    if not isinstance(d.get(key), str):
                        problems.append(f"document {i}: no {key}")
                if not (d.get("metadata") or {}).get("name"):
                    problems.append(f"document {i}: no metadata.name")
                docs.append(d)
    except (OSError, yaml.YAMLError) as e:
        problems.append(str(e))
    if not docs:
        problems.append("no documents")
    return docs, problems


def check_rbac(docs):
    p = []
    roles = [d for d in docs if d["kind"] in ("Role", "ClusterRole")]
    binds = [d for d in docs
             if d["kind"] in ("RoleBinding", "ClusterRoleBinding")]
    if len(roles) != 1 or roles[0]["kind"] != "ClusterRole":
        return [f"want one ClusterRole, have {[r['kind'] for r in roles]}"]
    role = roles[0]
    want = [{"apiGroups": [""], "resources": ["nodes"],
             "verbs": ["get", "list", "watch"]}]
    rules = [{k: sorted(v) if isinstance(v, list) else v
              for k, v in r.items()} for r in role.get("rules") or []]
    if rules != want:
        p.append(f"rules are {rules}, want {want}")
    if role.get("aggregationRule"):
        p.append("aggregationRule widens the role")
    ds = [d for d in docs if d["kind"] == "DaemonSet"]
    if len(binds) != 1 or binds[0]["kind"] != "ClusterRoleBinding":
        return p + ["want one ClusterRoleBinding"]
    b = binds[0]
    ref = b.get("roleRef") or {}
    if ref.get("kind") != "ClusterRole" or \
            ref.get("name") != role["metadata"]["name"]:
        p.append(f"binding refers to {ref}")
    if ds:
        spec = ds[0]["spec"]["template"]["spec"]
        sa = {"kind": "ServiceAccount",
              "name": spec.get("serviceAccountName"),
              "namespace": ds[0]["metadata"].get("namespace")}
        if b.get("subjects") != [sa]:
            p.append(f"subjects {b.get('subjects')}, want [{sa}]")
        if not any(d["kind"] == "ServiceAccount" and
                   d["metadata"]["name"] == sa["name"] for d in docs):
            p.append(f"no ServiceAccount {sa['name']}")
    return p


def check_daemonset(ds, configmaps, probes):
    p = []
    spec = ds["spec"]["template"]["spec"]
    if spec.get("hostNetwork") is not True:
        p.append("hostNetwork is not true")
    if spec.get("priorityClassName") != "system-node-critical":
        p.append("priorityClassName is not system-node-critical")
    if {"operator": "Exists"} not in (spec.get("tolerations") or []):
        p.append("does not tolerate every taint")
    if len(spec.get("containers") or []) != 1 or spec.get("initContainers"):
        return p + ["want exactly one container and no init containers"]
    c = spec["containers"][0]
    sc = c.get("securityContext") or {}
    caps = sc.get("capabilities") or {}
    if sc.get("privileged", False) is not False:
        p.append("privileged")
    if sc.get("allowPrivilegeEscalation") is not False:
        p.append("allowPrivilegeEscalation is not false")
    if sc.get("readOnlyRootFilesystem") is not True:
        p.append("readOnlyRootFilesystem is not true")
    if caps.get("drop") != ["ALL"]:
        p.append(f"capabilities.drop is {caps.get('drop')}, want [ALL]")
    if set(caps.get("add") or []) != CAPS:
        p.append(f"capabilities.add is {caps.get('add')}, want {sorted(CAPS)}")
    if (sc.get("seccompProfile") or {}).get("type") != "RuntimeDefault":
        p.append("no RuntimeDefault seccomp profile")
    env = {e["name"]: e for e in c.get("env") or []}
    ref = ((env.get("NODE_NAME") or {}).get("valueFrom") or {}).get(
        "fieldRef") or {}
    if ref.get("fieldPath") != "spec.nodeName":
        p.append("NODE_NAME does not come from spec.nodeName")

    vols = {v["name"]: v for v in spec.get("volumes") or []}
    mounts = {m["mountPath"]: m for m in c.get("volumeMounts") or []}

    def source(path):
        m = mounts.get(path)
        return vols.get(m["name"]) if m else None

    cm = source("/etc/xcni")
    if not cm or (cm.get("configMap") or {}).get("name") not in configmaps:
        p.append("/etc/xcni is not the xcni.ini ConfigMap")
    args = c.get("args") or []
    binmount = args[args.index("--install-cni-bin") + 1] \
        if "--install-cni-bin" in args[:-1] else None
    for host, inside in (("/etc/cni/net.d", "/etc/cni/net.d"),
                         ("/run/xcni", "/run/xcni"),
                         ("/opt/cni/bin", binmount)):
        v = source(inside) if inside else None
        if not v or (v.get("hostPath") or {}).get("path") != host:
            p.append(f"host {host} is not mounted at {inside}")
    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
        if probe not in c and probe != "readinessProbe":
            continue
        cmd = ((c.get(probe) or {}).get("exec") or {}).get("command") or []
        if not cmd or cmd[0] != "xcni-supervisor":
            p.append(f"{probe} does not ask xcni-supervisor")
        else:
            probes.append(" ".join(cmd[1:]))
    res = c.get("resources") or {}
    for k in ("requests.cpu", "requests.memory", "limits.memory"):
        a, b = k.split(".")
        if not (res.get(a) or {}).get(b):
            p.append(f"no resources.{k}")
    return p


def check_nads(docs, sections):
    p = []
    for d in docs:
        if d["kind"] != "NetworkAttachmentDefinition":
            continue
        name = d["metadata"]["name"]
        try:
            conf = json.loads(d["spec"]["config"])
        except (KeyError, TypeError, ValueError) as e:
            p.append(f"{name}: config is not JSON: {e}")
            continue
        ipam = conf.get("ipam") or {}
        net = sections.get(ipam.get("network"))
        if ipam.get("type") != "kube-node":
            p.append(f"{name}: ipam type is not kube-node")
        elif net is None:
            p.append(f"{name}: network {ipam.get('network')} not in xcni.ini")
        else:
            if net.get("cni-conf") != "none":
                p.append(f"{name}: xcni also writes a CNI conf for it")
            if ipam.get("annotation") != net.get("cidr-annotation"):
                p.append(f"{name}: annotation differs from xcni.ini")
    return p


def main():
    outdir, paths = sys.argv[1], sys.argv[2:]
    every = []
    inis = {}
    for path in paths:
        base = os.path.basename(path)
        docs, problems = load(path)
        report(f"{base}: every document parses", problems)
        every += [(base, d) for d in docs]
        for d in docs:
            if d["kind"] == "ConfigMap" and "xcni.ini" in (d.get("data") or {}):
                inis[base] = d["data"]["xcni.ini"]
                name = base.rsplit(".", 1)[0] + ".ini"
                with open(os.path.join(outdir, name), "w") as f:
                    f.write(d["data"]["xcni.ini"])
    main_docs = [d for b, d in every if b == "xcni.yaml"]
    report("xcni.yaml: RBAC is get/list/watch on nodes only",
           check_rbac(main_docs))
    others = [f"{b}: {d['kind']}" for b, d in every if b != "xcni.yaml" and
              d["kind"] in ("Role", "ClusterRole", "RoleBinding",
                            "ClusterRoleBinding")]
    report("no other file grants anything", others)
    ds = [d for d in main_docs if d["kind"] == "DaemonSet"]
    probes = []
    cms = {d["metadata"]["name"] for d in main_docs if d["kind"] == "ConfigMap"}
    report("xcni.yaml: DaemonSet is locked down and complete",
           check_daemonset(ds[0], cms, probes) if len(ds) == 1
           else ["want one DaemonSet"])
    with open(os.path.join(outdir, "probes"), "w") as f:
        f.write("".join(a + "\n" for a in probes))
    for base, text in inis.items():
        if base == "xcni.yaml":
            continue
        # An example that replaces the ConfigMap keeps what xcni.yaml has.
        mine, theirs = ini_sections(text), ini_sections(inis.get("xcni.yaml", ""))
        lost = [s for s in theirs if mine.get(s) != theirs[s]]
        report(f"{base}: xcni.ini extends the one of xcni.yaml",
               [f"[{s}] differs" for s in lost])
        report(f"{base}: NetworkAttachmentDefinitions match xcni.ini",
               check_nads([d for b, d in every if b == base], mine))


if __name__ == "__main__":
    main()
