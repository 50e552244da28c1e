#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Security properties of what xcni ships, as TAP: no shell anywhere (in the
# sources and in the installed programs' imports), and RBAC that only reads
# Nodes.
set -u

: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/tests/tap.sh"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

# The programs make installs, as the build knows them.
programs=$(cd "$top_builddir" && unset MAKEFLAGS MFLAGS MAKELEVEL &&
    printf 'xcni-list:\n\t@echo $(sbin_PROGRAMS) $(libexec_PROGRAMS) $(cnibin_PROGRAMS)\n' |
    make -s -f Makefile -f - xcni-list)
sources=$(cd "$top_srcdir" && for d in lib supervisor worker plugin; do
	[ -d "$d" ] && find "$d" -name '*.[ch]'; done)

# A shell would turn a node name or a config value into a command.
check_sources() {
	(cd "$top_srcdir" && grep -nE \
	    -e '(^|[^A-Za-z0-9_>.])(system|popen|wordexp)\(' \
	    -e '/bin/(ba)?sh' \
	    -e 'exec[lv]p?e?[[:space:]]*\([[:space:]]*"(/bin/)?sh"' \
	    $sources) >"$tmp/grep"
	if [ -z "$sources" ]; then
		not_ok "no C sources found under lib/ supervisor/ worker/ plugin/"
	elif [ -s "$tmp/grep" ]; then
		not_ok "sources call no shell (system, popen, wordexp, /bin/sh)" \
		    "$tmp/grep"
	else
		ok "sources call no shell (system, popen, wordexp, /bin/sh)"
	fi
}

check_program() {
	bin=$top_builddir/$1
	if [ ! -x "$bin" ]; then
		not_ok "$1: built"
		return
	fi
	nm -D --undefined-only "$bin" >"$tmp/nm" 2>&1 || {
		not_ok "$1: nm -D" "$tmp/nm"; return; }
	grep -wE 'system|popen|wordexp' "$tmp/nm" >"$tmp/bad"
	if grep -aq '/bin/sh' "$bin"; then
		echo "the string /bin/sh" >>"$tmp/bad"
	fi
	if [ -s "$tmp/bad" ]; then
		not_ok "$1: imports no shell" "$tmp/bad"
	else
		ok "$1: imports no shell"
	fi
}

# Every Role and ClusterRole of the DaemonSet manifest: get, list and watch of
# nodes in the core group, nothing else, no wildcards; and bindings refer
# only to those roles.
check_rbac() {
	manifest=$top_srcdir/etc/kubernetes/xcni.yaml
	if [ ! -f "$manifest" ]; then
		not_ok "RBAC: $manifest exists"
		return
	fi
	if ! python3 -c 'import yaml' 2>/dev/null; then
		lacking "RBAC: read-only (get, list, watch) on nodes, nothing else" \
		    "python3's yaml module (python3-yaml)"
		return
	fi
	if python3 - "$manifest" >"$tmp/rbac" 2>&1 <<'EOF'
import sys, yaml

READ = {"get", "list", "watch"}
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
roles = {d["metadata"]["name"]: d for d in docs
         if d.get("kind") in ("Role", "ClusterRole")}
bad = []
if not roles:
    bad.append("no Role or ClusterRole")
for name, role in roles.items():
    rules = role.get("rules") or []
    if role.get("aggregationRule"):
        bad.append("%s: aggregates other roles" % name)
    for r in rules:
        if r.get("nonResourceURLs"):
            bad.append("%s: nonResourceURLs %s" % (name, r["nonResourceURLs"]))
        if r.get("apiGroups") != [""]:
            bad.append("%s: apiGroups %s" % (name, r.get("apiGroups")))
        if r.get("resources") != ["nodes"]:
            bad.append("%s: resources %s" % (name, r.get("resources")))
        verbs = set(r.get("verbs") or [])
        if not verbs <= READ:
            bad.append("%s: verbs %s" % (name, sorted(verbs - READ)))
    if not any({"list", "watch"} <= set(r.get("verbs") or [])
               for r in rules):
        bad.append("%s: cannot list and watch nodes" % name)
for d in docs:
    if d.get("kind") in ("RoleBinding", "ClusterRoleBinding"):
        ref = d.get("roleRef", {})
        if ref.get("name") not in roles:
            bad.append("%s binds %s %s, not a role of this file" %
                       (d["metadata"]["name"], ref.get("kind"),
                        ref.get("name")))
print("\n".join(bad))
sys.exit(1 if bad else 0)
EOF
	then
		ok "RBAC: read-only (get, list, watch) on nodes, nothing else"
	else
		not_ok "RBAC: read-only (get, list, watch) on nodes, nothing else" \
		    "$tmp/rbac"
	fi
}

check_sources
for p in $programs; do
	check_program "$p"
done
check_rbac
done_testing
