/* SPDX-License-Identifier: Apache-2.0 */
/* worker/routes.c and lib/link.c against the kernel. Runs inside a network
 * namespace made by routes.sh, with link IF carrying 192.0.2.1/24 and
 * 2001:db8::1/64; changes the namespace with ip(8) the way a person
 * would. Prints TAP results without a plan (routes.sh adds it); exits 0
 * when it ran to the end, whatever the results.
 *
 *   rt-test suite IF        the behaviour tests
 *   rt-test noperm IF       the same, without CAP_NET_ADMIN
 *   rt-test bench N IF      N routes into an empty table, timed
 *   rt-test ipbatch N IF    the same N routes by ip -batch, timed
 *   rt-test nexthops IF     the tests of nexthop objects
 *   rt-test gwbench N 4|6 IF   N routes over N distinct gateways, timed
 *                           (XCNI_NO_NEXTHOP_OBJECTS=1: classic routes)
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>

#include "addr.h"
#include "link.h"
#include "log.h"
#include "nl.h"
#include "routes.h"

#define PROTO	202
#define TABLE	254
#define NSUITE	100

static const char *ifname;
static unsigned ifindex;

static void
ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%s - ", cond ? "ok" : "not ok");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static void
diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static int
sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	fflush(stdout);
	st = system(cmd);
	if (st != 0)
		diag("command failed (%d): %s", st, cmd);
	return st;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double
tv_ms(const struct timeval *tv)
{
	return (double)tv->tv_sec * 1000 + (double)tv->tv_usec / 1000;
}

static struct cidr
cidr_of(const char *s)
{
	struct cidr c;

	if (cidr_parse(s, strlen(s), &c, NULL) < 0)
		abort();
	return c;
}

static struct addr
addr_of(const char *s)
{
	struct addr a;

	if (addr_parse(s, strlen(s), &a) < 0)
		abort();
	return a;
}

static struct route
route_of(const char *dst, const char *via, unsigned oif)
{
	struct route r = { cidr_of(dst), addr_of(via), oif };

	return r;
}

/* Route i of a set of n: half IPv4 /30s in 198.18.0.0/15, half IPv6 /64s
 * in fd00::/8, gateways spread over the link's 2..251. */
static struct route
gen_route(unsigned i, unsigned n, unsigned gw_shift)
{
	char dst[64], via[64];
	unsigned j = i / 2, gw = 2 + (j + gw_shift) % 250;

	(void)n;
	if (i % 2 == 0) {
		snprintf(dst, sizeof(dst), "198.%u.%u.%u/30", 18 + j / 16384,
		    (j / 64) % 256, (j % 64) * 4);
		snprintf(via, sizeof(via), "192.0.2.%u", gw);
	} else {
		snprintf(dst, sizeof(dst), "fd00:%x::/64", j + 1);
		snprintf(via, sizeof(via), "2001:db8::%x", gw);
	}
	return route_of(dst, via, 0);
}

static void
want_range(struct rt *rt, unsigned n, unsigned gw_shift)
{
	struct route r;
	unsigned i;

	for (i = 0; i < n; i++) {
		r = gen_route(i, n, gw_shift);
		if (rt_want(rt, &r) < 0)
			abort();
	}
}

/* A reconciler of the generated n routes, synced; NULL if it failed. */
static struct rt *
synced(unsigned n)
{
	struct rt *rt = rt_open(PROTO, TABLE, 0);

	if (rt != NULL) {
		want_range(rt, n, 0);
		rt_resync(rt);
	}
	return rt;
}

/* --- what the kernel has ------------------------------------------------- */

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The kernel's routes of proto as sorted "dst via gw" lines; a route
 * using a nexthop object shows its gateway after "nhid N". */
static char **
kernel_routes(unsigned proto, size_t *n)
{
	static char dash[] = "-";
	char cmd[128], line[512], *tok[3], *save;
	char **v = NULL;
	size_t cap = 0;
	FILE *f;
	int k;

	*n = 0;
	snprintf(cmd, sizeof(cmd), "{ ip -4 route show table %u proto %u; "
	    "ip -6 route show table %u proto %u; }", TABLE, proto, TABLE, proto);
	if ((f = popen(cmd, "r")) == NULL)
		abort();
	while (fgets(line, sizeof(line), f) != NULL) {
		for (k = 0; k < 3; k++) {
			if ((tok[k] = strtok_r(k ? NULL : line, " \n", &save)) == NULL)
				break;
			if (k == 1 && strcmp(tok[1], "nhid") == 0 &&
			    strtok_r(NULL, " \n", &save) != NULL)
				k--;
		}
		if (k < 3)
			tok[1] = tok[2] = dash;
		if (*n == cap) {
			cap = cap ? cap * 2 : 256;
			if ((v = realloc(v, cap * sizeof(*v))) == NULL)
				abort();
		}
		if (asprintf(&v[(*n)++], "%s %s %s", tok[0], tok[1], tok[2]) < 0)
			abort();
	}
	pclose(f);
	if (*n > 0)
		qsort(v, *n, sizeof(*v), cmp_str);
	return v;
}

static void
free_strs(char **v, size_t n)
{
	while (n > 0)
		free(v[--n]);
	free(v);
}

static char *
route_line(const struct route *r)
{
	char d[ADDR_STRLEN], g[ADDR_STRLEN], *s;

	if (asprintf(&s, "%s via %s", cidr_format(&r->dst, d),
	    addr_format(&r->via, g)) < 0)
		abort();
	return s;
}

/* True when the kernel's routes of PROTO are exactly the generated n
 * (gw_shift as given) plus the extra ones. */
static int
kernel_is_v(unsigned n, unsigned gw_shift, const struct route *extra,
    unsigned nextra, bool verbose)
{
	char **have, **want;
	size_t nhave, i;
	struct route r;
	int same;

	if ((want = calloc(n + nextra + 1, sizeof(*want))) == NULL)
		abort();
	for (i = 0; i < n; i++) {
		r = gen_route((unsigned)i, n, gw_shift);
		want[i] = route_line(&r);
	}
	for (i = 0; i < nextra; i++)
		want[n + i] = route_line(&extra[i]);
	qsort(want, n + nextra, sizeof(*want), cmp_str);
	have = kernel_routes(PROTO, &nhave);
	same = nhave == n + nextra;
	for (i = 0; same && i < nhave; i++) {
		if (strcmp(have[i], want[i]) != 0) {
			if (verbose)
				diag("kernel has '%s', want '%s'", have[i], want[i]);
			same = 0;
		}
	}
	if (nhave != n + nextra && verbose)
		diag("kernel has %zu routes of proto %u, want %u", nhave, PROTO,
		    n + nextra);
	free_strs(have, nhave);
	free_strs(want, n + nextra);
	return same;
}

static int
kernel_is(unsigned n, unsigned gw_shift, const struct route *extra,
    unsigned nextra)
{
	return kernel_is_v(n, gw_shift, extra, nextra, true);
}

/* "via" of the kernel's route to dst of proto, or "" */
static const char *
kernel_via(const char *dst, unsigned proto)
{
	static char via[64];
	char cmd[160], line[512];
	FILE *f;

	via[0] = '\0';
	snprintf(cmd, sizeof(cmd), "ip -%c route show table %u proto %u "
	    "exact %s", strchr(dst, ':') ? '6' : '4', TABLE, proto, dst);
	if ((f = popen(cmd, "r")) == NULL)
		abort();
	if (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "%*s via %63s", via) != 1)
			sscanf(line, "%*s nhid %*u via %63s", via);
	pclose(f);
	return via;
}

/* --- an independent watcher: route notifications of PROTO -------------- */

static struct mnl_socket *watch;

static void
watch_open(void)
{
	unsigned g[] = { RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE };
	size_t i;

	if ((watch = mnl_socket_open(NETLINK_ROUTE)) == NULL ||
	    mnl_socket_bind(watch, 0, MNL_SOCKET_AUTOPID) < 0)
		abort();
	for (i = 0; i < 2; i++)
		mnl_socket_setsockopt(watch, NETLINK_ADD_MEMBERSHIP, &g[i],
		    sizeof(g[i]));
	i = 32 * 1024 * 1024;
	setsockopt(mnl_socket_get_fd(watch), SOL_SOCKET, SO_RCVBUFFORCE, &i,
	    sizeof(int));
	fcntl(mnl_socket_get_fd(watch), F_SETFL, O_NONBLOCK);
}

/* Route changes of PROTO seen since the last call. */
static int
watch_count(void)
{
	char buf[NL_RECV_SIZE];
	const struct nlmsghdr *nlh;
	const struct rtmsg *rtm;
	ssize_t n;
	int len, count = 0;

	while ((n = mnl_socket_recvfrom(watch, buf, sizeof(buf))) > 0 ||
	    (n < 0 && errno == ENOBUFS)) {
		if (n < 0) {
			diag("watcher lost notifications");
			count += 100000;
			continue;
		}
		len = (int)n;
		for (nlh = (void *)buf; mnl_nlmsg_ok(nlh, len);
		    nlh = mnl_nlmsg_next(nlh, &len)) {
			rtm = mnl_nlmsg_get_payload(nlh);
			if ((nlh->nlmsg_type == RTM_NEWROUTE ||
			    nlh->nlmsg_type == RTM_DELROUTE) &&
			    rtm->rtm_protocol == PROTO)
				count++;
		}
	}
	return count;
}

/* Runs the caller's event loop until done() or ms pass. */
static double
pump(struct rt *rt, int ms, int (*done)(void *), void *arg)
{
	double start = now_s(), left;
	struct pollfd p = { rt_monitor_fd(rt), POLLIN, 0 };
	int t;

	for (;;) {
		if (done != NULL && done(arg))
			return now_s() - start;
		left = ms - (now_s() - start) * 1000;
		if (left <= 0)
			return -1;
		t = rt_timeout_ms(rt);
		if (t < 0 || t > left)
			t = (int)left;
		if (poll(&p, 1, t) > 0 || rt_timeout_ms(rt) == 0)
			rt_commit(rt);
	}
}

struct expect {
	unsigned n, gw_shift;
	const struct route *extra;
	unsigned nextra;
};

static int
expect_done(void *arg)
{
	const struct expect *x = arg;

	return kernel_is_v(x->n, x->gw_shift, x->extra, x->nextra, false);
}

static int
via_done(void *arg)
{
	const char *const *dv = arg;

	return strcmp(kernel_via(dv[0], PROTO), dv[1]) == 0;
}

static unsigned long
changes(const struct rt *rt)
{
	struct rt_stats st;

	rt_get_stats(rt, &st);
	return st.changes;
}

/* Route and nexthop object changes. */
static unsigned long
all_changes(const struct rt *rt)
{
	struct rt_stats st;

	rt_get_stats(rt, &st);
	return st.changes + st.nh_changes;
}

/* --- the tests ----------------------------------------------------------- */

static void
test_link(void)
{
	struct addr a;
	unsigned idx = 0, mtu = 0;

	int ret;

	a = addr_of("192.0.2.1");
	ret = link_by_addr(&a, &idx, &mtu);
	ok(ret == 0 && idx == ifindex && mtu == 1400,
	    "link_by_addr finds the link and MTU of 192.0.2.1 (%u, %u)", idx,
	    mtu);
	a = addr_of("2001:db8::1");
	idx = mtu = 0;
	ret = link_by_addr(&a, &idx, &mtu);
	ok(ret == 0 && idx == ifindex && mtu == 1400,
	    "link_by_addr finds the link of 2001:db8::1");
	a = addr_of("192.0.2.77");
	idx = 0;
	ret = link_by_addr(&a, &idx, NULL);
	ok(ret == 0 && idx == ifindex,
	    "link_by_addr finds the link whose prefix holds 192.0.2.77");
	a = addr_of("203.0.113.1");
	ok(link_by_addr(&a, &idx, &mtu) < 0 && errno == ENOENT,
	    "link_by_addr: ENOENT for an address no link has");
	a = addr_of("fe80::99");
	ok(link_by_addr(&a, &idx, &mtu) < 0 && errno == ENOENT,
	    "link_by_addr: no prefix match for a foreign link-local address");
}

static void
test_bad_input(struct rt *rt)
{
	struct route r = route_of("198.18.9.0/24", "2001:db8::2", 0);

	ok(rt_want(rt, &r) < 0 && errno == EINVAL,
	    "rt_want rejects a nexthop of the other family");
	r = route_of("fd00:9::/64", "fe80::2", 0);
	ok(rt_want(rt, &r) < 0 && errno == EINVAL,
	    "rt_want rejects a link-local nexthop without a device");
	memset(&r.via, 0, sizeof(r.via));
	ok(rt_want(rt, &r) < 0 && errno == EINVAL,
	    "rt_want rejects a route with neither nexthop nor device");
}

/* Wants r and commits, with what is logged meanwhile in text. */
static void
want_logged(struct rt *rt, const struct route *r, char *text, size_t len)
{
	char log[] = "/tmp/xcni-rt-log-XXXXXX";
	int fd, saved;
	ssize_t n;

	if ((fd = mkstemp(log)) < 0)
		abort();
	fflush(stderr);
	saved = dup(2);
	dup2(fd, 2);
	rt_want(rt, r);
	rt_commit(rt);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	n = pread(fd, text, len - 1, 0);
	text[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(log);
	diag("logged: %.*s", (int)strcspn(text, "\n"), text);
}

/* A failing route is reported with the kernel's own reason, counted and
 * retried until the cause is gone. */
static void
test_retry(struct rt *rt)
{
	struct route r = route_of("198.18.250.0/24", "203.0.113.9", 0);
	const char *dv[] = { "198.18.250.0/24", "203.0.113.9" };
	char text[4096];
	struct rt_stats st;
	int t;

	want_logged(rt, &r, text, sizeof(text));
	rt_get_stats(rt, &st);
	t = rt_timeout_ms(rt);
	ok(st.failed == 1 && st.errors >= 1 && t >= 0 && t <= 1000,
	    "an unreachable gateway fails, is counted, and a retry is due in "
	    "%d ms", t);
	ok(strstr(text, "198.18.250.0/24 via 203.0.113.9") != NULL &&
	    strstr(text, "Nexthop has invalid gateway") != NULL,
	    "the failure names the route and the kernel's reason");
	sh("ip addr add 203.0.113.1/24 dev %s", ifname);
	ok(pump(rt, 3000, via_done, dv) >= 0,
	    "the failed route is installed by a retry once it can be");
	rt_get_stats(rt, &st);
	ok(st.failed == 0, "nothing is left failing");
	rt_unwant(rt, &r.dst);
	rt_commit(rt);
	sh("ip addr del 203.0.113.1/24 dev %s", ifname);
}

static void
test_suite(void)
{
	struct rt *rt, *rt2;
	struct route r;
	struct rt_stats st;
	struct expect x = { NSUITE, 0, NULL, 0 };
	const char *dv[2];
	unsigned long c0;
	double t;
	int i, fd, tiny = 1;

	watch_open();
	test_link();

	rt = rt_open(PROTO, TABLE, 0);
	ok(rt != NULL && rt_count(rt) == 0, "rt_open on an empty table");
	if (rt == NULL)
		return;
	test_bad_input(rt);

	want_range(rt, NSUITE, 0);
	ok(rt_resync(rt) == 0 && kernel_is(NSUITE, 0, NULL, 0),
	    "empty table -> %d routes (IPv4 and IPv6)", NSUITE);
	ok(changes(rt) == NSUITE && rt_count(rt) == NSUITE,
	    "one change per route (%lu), all counted installed (%u)",
	    changes(rt), rt_count(rt));
	watch_count();

	c0 = all_changes(rt);
	want_range(rt, NSUITE, 0);
	rt_commit(rt);
	rt_resync(rt);
	ok(all_changes(rt) == c0 && watch_count() == 0,
	    "the same desired set again, and a resync: zero route changes");

	rt2 = synced(NSUITE);
	ok(rt2 != NULL && all_changes(rt2) == 0 && watch_count() == 0 &&
	    rt_count(rt2) == NSUITE,
	    "a restarted reconciler with routes in place changes nothing");
	rt_close(rt2);

	r = gen_route(4, NSUITE, 7);
	rt_want(rt, &r);
	r = gen_route(5, NSUITE, 7);
	rt_want(rt, &r);
	c0 = changes(rt);
	rt_commit(rt);
	ok(changes(rt) - c0 == 2 &&
	    strcmp(kernel_via("198.18.0.8/30", PROTO), "192.0.2.11") == 0 &&
	    strcmp(kernel_via("fd00:3::/64", PROTO), "2001:db8::b") == 0,
	    "a changed gateway replaces just those routes (IPv4 and IPv6)");
	r = gen_route(4, NSUITE, 0);
	rt_want(rt, &r);
	r = gen_route(5, NSUITE, 0);
	rt_want(rt, &r);
	rt_commit(rt);

	r = gen_route(6, NSUITE, 0);
	rt_unwant(rt, &r.dst);
	rt_commit(rt);
	ok(kernel_via("198.18.0.12/30", PROTO)[0] == '\0' &&
	    rt_count(rt) == NSUITE - 1, "rt_unwant + rt_commit deletes the route");
	rt_want(rt, &r);
	rt_commit(rt);

	sh("ip route add 198.18.200.0/24 via 192.0.2.9 proto %d", PROTO);
	sh("ip route add 198.18.201.0/24 via 192.0.2.9 proto %d metric 7", PROTO);
	sh("ip -6 route add fd00:200::/64 via 2001:db8::9 proto %d", PROTO);
	rt_resync(rt);
	ok(kernel_is(NSUITE, 0, NULL, 0),
	    "a resync deletes routes of our protocol that are not desired "
	    "(any metric)");

	/* Other protocols: one elsewhere, one at a destination we want. */
	sh("ip route add 198.18.210.0/24 via 192.0.2.7 proto static");
	sh("ip route add 198.18.211.0/24 via 192.0.2.7 proto 200");
	sh("ip -6 route add fd00:211::/64 via 2001:db8::7 proto 200");
	r = route_of("198.18.211.0/24", "192.0.2.2", 0);
	rt_want(rt, &r);
	r = route_of("fd00:211::/64", "2001:db8::2", 0);
	rt_want(rt, &r);
	rt_commit(rt);
	rt_resync(rt);
	rt_get_stats(rt, &st);
	ok(st.conflicts == 2 &&
	    strcmp(kernel_via("198.18.211.0/24", 200), "192.0.2.7") == 0 &&
	    strcmp(kernel_via("fd00:211::/64", 200), "2001:db8::7") == 0 &&
	    strcmp(kernel_via("198.18.210.0/24", 4), "192.0.2.7") == 0 &&
	    kernel_is(NSUITE, 0, NULL, 0),
	    "a destination held by another protocol is a conflict, not "
	    "taken over; other routes untouched");
	sh("ip route del 198.18.211.0/24 proto 200");
	dv[0] = "198.18.211.0/24";
	dv[1] = "192.0.2.2";
	ok(pump(rt, 1000, via_done, dv) >= 0,
	    "once the other protocol's route goes, ours is installed");
	rt_unwant(rt, &r.dst);
	r = route_of("198.18.211.0/24", "192.0.2.2", 0);
	rt_unwant(rt, &r.dst);
	rt_commit(rt);
	rt_get_stats(rt, &st);
	ok(st.conflicts == 0 && kernel_is(NSUITE, 0, NULL, 0) &&
	    strcmp(kernel_via("fd00:211::/64", 200), "2001:db8::7") == 0,
	    "unwanting a conflicting destination leaves the other route");

	/* Drift. */
	sh("ip route del 198.18.0.0/30 proto %d", PROTO);
	sh("ip -6 route del fd00:1::/64 proto %d", PROTO);
	t = pump(rt, 1000, expect_done, &x);
	ok(t >= 0, "routes deleted by hand are restored (%.0f ms)", t * 1000);
	sh("ip route change 198.18.0.4/30 via 192.0.2.99 proto %d", PROTO);
	t = pump(rt, 1000, expect_done, &x);
	ok(t >= 0, "a route changed by hand is restored (%.0f ms)", t * 1000);
	c0 = changes(rt);
	pump(rt, 300, NULL, NULL);
	ok(changes(rt) == c0, "no further changes once repaired (no ping-pong)");
	sh("ip route add 198.18.240.0/24 via 192.0.2.9 proto %d", PROTO);
	sh("ip -6 route add fd00:240::/64 via 2001:db8::9 proto %d metric 9",
	    PROTO);
	t = pump(rt, 1000, expect_done, &x);
	ok(t >= 0, "routes of our protocol added by hand are removed (%.0f ms)",
	    t * 1000);

	sh("ip link set %s down", ifname);
	pump(rt, 200, NULL, NULL);
	sh("ip link set %s up", ifname);
	t = pump(rt, 5000, expect_done, &x);
	ok(t >= 0, "link down and up: all routes restored (%.0f ms)", t * 1000);

	/* Link-local nexthop. */
	r = route_of("fd00:ff::/64", "fe80::2", ifindex);
	ok(rt_want(rt, &r) == 0 && rt_commit(rt) == 0 &&
	    strcmp(kernel_via("fd00:ff::/64", PROTO), "fe80::2") == 0,
	    "a link-local nexthop with its device is installed");
	rt_unwant(rt, &r.dst);
	rt_commit(rt);

	test_retry(rt);

	/* Lost notifications: a monitor queue too small for a flood. */
	fd = rt_monitor_fd(rt);
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &tiny, sizeof(tiny));
	rt_get_stats(rt, &st);
	c0 = st.resyncs;
	sh("for i in $(seq 0 199); do echo route add 198.19.$i.0/24 via "
	    "192.0.2.3 proto 199; done > /tmp/xcni-rt-flood.$$ && "
	    "ip route del 198.18.0.0/30 proto %d && "
	    "ip -batch /tmp/xcni-rt-flood.$$ && rm /tmp/xcni-rt-flood.$$", PROTO);
	i = 1 << 20;
	rt_commit(rt);
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &i, sizeof(i));
	rt_get_stats(rt, &st);
	ok(st.resyncs > c0 && kernel_is(NSUITE, 0, NULL, 0),
	    "lost notifications (ENOBUFS) cause a full resync that repairs "
	    "the table");
	ok(system("test $(ip route show proto 199 | wc -l) = 200") == 0,
	    "the flood's routes of another protocol are untouched");

	rt_close(rt);
	ok(kernel_is(NSUITE, 0, NULL, 0), "routes stay when the reconciler closes");

	/* Another table, numbered beyond rtm_table's 8 bits, with a metric. */
	rt = rt_open(PROTO, 1000, 50);
	r = gen_route(0, NSUITE, 3);
	rt_want(rt, &r);
	r = gen_route(1, NSUITE, 3);
	rt_want(rt, &r);
	rt_resync(rt);
	rt_close(rt);
	ok(system("test \"$(ip route show table 1000 proto 202 metric 50 | "
	    "sed 's/nhid [0-9]* //')\" = '198.18.0.0/30 via 192.0.2.5 dev d0 ' "
	    "&& test \"$(ip -6 route show table 1000 proto 202 metric 50 | "
	    "sed 's/nhid [0-9]* //' | cut -d' ' -f1-3)\" = "
	    "'fd00:1::/64 via 2001:db8::5'") == 0 &&
	    kernel_is(NSUITE, 0, NULL, 0),
	    "table 1000, metric 50: routes go there; the main table is "
	    "untouched");
	i = rt_cleanup(PROTO, 1000);
	ok(i == 2 && kernel_is(NSUITE, 0, NULL, 0),
	    "rt_cleanup of table 1000 leaves the main table alone");

	sh("ip route add 198.18.220.0/24 via 192.0.2.5 proto %d metric 5", PROTO);
	sh("ip route add 198.18.230.0/24 via 192.0.2.7 proto static");
	sh("ip -6 route add fd00:230::/64 via 2001:db8::7 proto 200");
	i = rt_cleanup(PROTO, TABLE);
	ok(i == NSUITE + 1 && kernel_is(0, 0, NULL, 0),
	    "rt_cleanup deletes every route of the protocol (%d)", i);
	ok(strcmp(kernel_via("198.18.230.0/24", 4), "192.0.2.7") == 0 &&
	    strcmp(kernel_via("fd00:230::/64", 200), "2001:db8::7") == 0 &&
	    system("test $(ip route show proto 199 | wc -l) = 200") == 0,
	    "rt_cleanup leaves other protocols alone");
}

/* --- nexthop objects ------------------------------------------------------ */

/* Lines of a shell command's output. */
static unsigned
sh_count(const char *fmt, ...)
{
	char cmd[512], line[512];
	unsigned n = 0;
	va_list ap;
	FILE *f;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if ((f = popen(cmd, "r")) == NULL)
		abort();
	while (fgets(line, sizeof(line), f) != NULL)
		n++;
	pclose(f);
	return n;
}

/* The nexthop object the kernel's route to dst of PROTO uses, or 0. */
static unsigned
kernel_nhid(const char *dst)
{
	char cmd[160], line[512];
	unsigned id = 0;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "ip -%c route show table %u proto %u "
	    "exact %s", strchr(dst, ':') ? '6' : '4', TABLE, PROTO, dst);
	if ((f = popen(cmd, "r")) == NULL)
		abort();
	if (fgets(line, sizeof(line), f) != NULL)
		sscanf(line, "%*s nhid %u", &id);
	pclose(f);
	return id;
}

static unsigned long
nh_changes(const struct rt *rt)
{
	struct rt_stats st;

	rt_get_stats(rt, &st);
	return st.nh_changes;
}

/* Every IPv4 route of the generated set on an object, one object per
 * gateway (NSUITE / 2 routes over as many distinct gateways), every IPv6
 * route classic, and no other object of PROTO. */
static int
on_objects_v(unsigned nobjects, bool verbose)
{
	return kernel_is_v(NSUITE, 0, NULL, 0, verbose) &&
	    sh_count("ip route show proto %u | grep nhid", PROTO) ==
	    NSUITE / 2 &&
	    sh_count("ip -6 route show proto %u | grep nhid", PROTO) == 0 &&
	    sh_count("ip nexthop show proto %u", PROTO) == nobjects;
}

static int
on_objects(unsigned nobjects)
{
	return on_objects_v(nobjects, true);
}

static int
objects_done(void *arg)
{
	return on_objects_v(*(unsigned *)arg, false);
}

static void
test_nh_change(struct rt *rt)
{
	struct route r4 = gen_route(0, NSUITE, 0), r6 = gen_route(1, NSUITE, 0);
	unsigned id4 = kernel_nhid("198.18.0.0/30");
	unsigned long c0 = changes(rt), n0 = nh_changes(rt);

	r4.via = addr_of("192.0.2.252");
	r6.via = addr_of("2001:db8::fc");
	rt_want(rt, &r4);
	rt_want(rt, &r6);
	rt_commit(rt);
	ok(changes(rt) - c0 == 1 && nh_changes(rt) - n0 == 1 &&
	    kernel_nhid("198.18.0.0/30") == id4 &&
	    kernel_nhid("fd00:1::/64") == 0 &&
	    strcmp(kernel_via("198.18.0.0/30", PROTO), "192.0.2.252") == 0 &&
	    strcmp(kernel_via("fd00:1::/64", PROTO), "2001:db8::fc") == 0,
	    "a node's new IPv4 address replaces its object (%lu object "
	    "changes), its route follows; the IPv6 route is replaced, "
	    "classic (%lu route changes)",
	    nh_changes(rt) - n0, changes(rt) - c0);
	want_range(rt, NSUITE, 0);
	rt_commit(rt);
	ok(kernel_is(NSUITE, 0, NULL, 0), "and back");
}

static void
test_nh_repair(struct rt *rt, unsigned nobjects)
{
	unsigned id = kernel_nhid("198.18.0.0/30"), other;
	double t;

	sh("ip nexthop del id %u", id);
	t = pump(rt, 3000, objects_done, &nobjects);
	ok(t >= 0 && kernel_nhid("198.18.0.0/30") != 0,
	    "an object deleted by hand (and its routes) is restored (%.0f ms)",
	    t * 1000);
	id = kernel_nhid("198.18.0.0/30");
	sh("ip nexthop del id %u && ip nexthop add id %u via 192.0.2.250 "
	    "dev %s proto 200", id, id, ifname);
	t = pump(rt, 3000, objects_done, &nobjects);
	other = kernel_nhid("198.18.0.0/30");
	ok(t >= 0 && other != 0 && other != id &&
	    sh_count("ip nexthop show id %u proto 200 | grep 192.0.2.250",
	    id) == 1,
	    "when another protocol takes its id, the object gets another id "
	    "(%u, not %u) and the other's stays", other, id);
	sh("ip nexthop del id %u", id);
}

/* Nexthop objects: made, changed, repaired, adopted, owned, removed. */
static void
test_nexthops(void)
{
	/* Another table's tag (1000 % 2047 + 1), of the same protocol; an
	 * IPv6 object of this table's tag (254 % 2047 + 1), as an older
	 * worker made them, with gen_route(1)'s route on it. */
	unsigned nobjects = NSUITE / 2, other = (1001u << 20) | 5, id;
	unsigned old6 = (255u << 20) | 7;
	struct rt *rt, *rt2;

	watch_open();
	sh("ip nexthop add id %u via 192.0.2.249 dev %s proto %u", other,
	    ifname, PROTO);
	sh("ip nexthop add id %u via 2001:db8::2 dev %s proto %u && "
	    "ip -6 route add fd00:1::/64 nhid %u proto %u table %u", old6,
	    ifname, PROTO, old6, PROTO, TABLE);
	if ((rt = synced(NSUITE)) == NULL) {
		ok(0, "rt_open");
		return;
	}
	nobjects++;	/* the other table's */
	ok(on_objects(nobjects) &&
	    sh_count("ip nexthop show id %u", other) == 1,
	    "one object per IPv4 gateway, every IPv4 route on its object, "
	    "IPv6 routes classic");
	ok(kernel_nhid("fd00:1::/64") == 0 &&
	    sh_count("ip nexthop show id %u 2>/dev/null", old6) == 0,
	    "an older worker's IPv6 route on an object is replaced by a "
	    "classic one, and the object deleted");
	ok(sh_count("ip route show proto %u | grep -E 'nhid [0-9]+ via "
	    "192[.]0[.]2[.][0-9]+ dev %s'", PROTO, ifname) == NSUITE / 2,
	    "ip route show names each route's gateway and device");
	test_nh_change(rt);
	test_nh_repair(rt, nobjects);

	watch_count();
	rt2 = synced(NSUITE);
	ok(rt2 != NULL && all_changes(rt2) == 0 && watch_count() == 0 &&
	    rt_count(rt2) == NSUITE,
	    "a restarted reconciler adopts objects and routes: no change");
	rt_close(rt2);
	rt_close(rt);

	ok(rt_cleanup(PROTO, TABLE) == NSUITE &&
	    sh_count("ip nexthop show proto %u", PROTO) == 1 &&
	    sh_count("ip nexthop show id %u", other) == 1 &&
	    kernel_is(0, 0, NULL, 0),
	    "rt_cleanup removes routes and objects, not another table's");

	setenv("XCNI_NO_NEXTHOP_OBJECTS", "1", 1);
	rt_close(synced(NSUITE));
	ok(kernel_is(NSUITE, 0, NULL, 0) &&
	    sh_count("ip route show proto %u | grep nhid", PROTO) == 0 &&
	    sh_count("ip nexthop show proto %u", PROTO) == 1,
	    "XCNI_NO_NEXTHOP_OBJECTS=1: classic routes, no objects");
	unsetenv("XCNI_NO_NEXTHOP_OBJECTS");
	rt_close(synced(NSUITE));
	ok(on_objects(nobjects), "without it, classic routes move onto objects");
	id = (unsigned)rt_cleanup(PROTO, TABLE);
	ok(id == NSUITE && sh_count("ip nexthop show proto %u", PROTO) == 1,
	    "and rt_cleanup removes them again");
	sh("ip nexthop del id %u", other);
}

/* N IPv4 routes (/32s in 198.18.0.0/16) over N distinct gateways (in
 * 198.19.0.0/16, on the link), as a cluster's nodes give them; the link
 * needs 198.19.0.1/16. Timed; the environment picks the path. */
static void
gwbench(unsigned n, int family)
{
	struct rusage r0, ru;
	char dst[64], via[64];
	struct route r;
	struct rt *rt;
	double t0, t1;
	unsigned i, objects;

	getrusage(RUSAGE_SELF, &r0);
	t0 = now_s();
	if ((rt = rt_open(PROTO, TABLE, 0)) == NULL) {
		ok(0, "rt_open");
		return;
	}
	for (i = 0; i < n; i++) {
		if (family == 4) {
			snprintf(dst, sizeof(dst), "198.18.%u.%u/32", i / 256,
			    i % 256);
			snprintf(via, sizeof(via), "198.19.%u.%u", 1 + i / 250,
			    2 + i % 250);
		} else {
			snprintf(dst, sizeof(dst), "fd00:%x::/64", i + 1);
			snprintf(via, sizeof(via), "2001:db8::1:%x", i + 1);
		}
		r = route_of(dst, via, 0);
		if (rt_want(rt, &r) < 0)
			abort();
	}
	rt_resync(rt);
	t1 = now_s();
	getrusage(RUSAGE_SELF, &ru);
	objects = sh_count("ip nexthop show proto %u", PROTO);
	printf("# %s IPv%d: %u routes, %u gateways in %.1f ms (cpu %.1f ms "
	    "user, %.1f ms sys)\n", objects > 0 ? "nexthop objects" :
	    "classic", family, n, n, (t1 - t0) * 1000,
	    tv_ms(&ru.ru_utime) - tv_ms(&r0.ru_utime),
	    tv_ms(&ru.ru_stime) - tv_ms(&r0.ru_stime));
	ok(rt_count(rt) == n && sh_count("ip -%d route show proto %u", family,
	    PROTO) == n && (objects == 0 || objects == n),
	    "%u IPv%d routes over distinct gateways in place", n, family);
	rt_close(rt);
}

/* Run without CAP_NET_ADMIN: reading works, changing fails, and says why. */
static void
noperm(void)
{
	struct route r = route_of("198.18.251.0/24", "192.0.2.2", 0);
	struct rt_stats st;
	char text[4096];
	struct rt *rt;

	rt = rt_open(PROTO, TABLE, 0);
	ok(rt != NULL, "rt_open works without CAP_NET_ADMIN");
	if (rt == NULL)
		return;
	rt_resync(rt);
	want_logged(rt, &r, text, sizeof(text));
	rt_get_stats(rt, &st);
	ok(st.failed == 1 && strstr(text, "Operation not permitted") != NULL &&
	    strstr(text, "CAP_NET_ADMIN") != NULL,
	    "without CAP_NET_ADMIN a change fails and the log says why");
	rt_close(rt);
}

static void
bench(unsigned n)
{
	struct rusage r0, ru;
	struct rt *rt;
	double t0, t1;

	getrusage(RUSAGE_SELF, &r0);
	t0 = now_s();
	rt = rt_open(PROTO, TABLE, 0);
	if (rt == NULL) {
		ok(0, "rt_open");
		return;
	}
	want_range(rt, n, 0);
	rt_resync(rt);
	t1 = now_s();
	rt_close(rt);
	getrusage(RUSAGE_SELF, &ru);
	printf("# xcni: %u routes in %.1f ms (cpu %.1f ms user, %.1f ms sys), "
	    "peak RSS %ld KiB\n", n, (t1 - t0) * 1000,
	    tv_ms(&ru.ru_utime) - tv_ms(&r0.ru_utime),
	    tv_ms(&ru.ru_stime) - tv_ms(&r0.ru_stime), ru.ru_maxrss);
	ok(kernel_is(n, 0, NULL, 0), "%u routes programmed exactly", n);
}

/* The baseline: ip -batch adding the same routes, one request each. */
static void
ipbatch(unsigned n)
{
	char path[] = "/tmp/xcni-rt-batch-XXXXXX";
	char d[ADDR_STRLEN], g[ADDR_STRLEN];
	struct rusage ru;
	struct route r;
	double t0, t1;
	unsigned i;
	FILE *f;
	int fd;

	if ((fd = mkstemp(path)) < 0 || (f = fdopen(fd, "w")) == NULL)
		abort();
	for (i = 0; i < n; i++) {
		r = gen_route(i, n, 0);
		fprintf(f, "route add %s via %s proto %d\n",
		    cidr_format(&r.dst, d), addr_format(&r.via, g), PROTO);
	}
	fclose(f);
	t0 = now_s();
	sh("ip -batch %s", path);
	t1 = now_s();
	unlink(path);
	getrusage(RUSAGE_CHILDREN, &ru);
	printf("# ip -batch: %u routes in %.1f ms (cpu %.1f ms user, %.1f ms "
	    "sys)\n", n, (t1 - t0) * 1000, tv_ms(&ru.ru_utime),
	    tv_ms(&ru.ru_stime));
	ok(kernel_is(n, 0, NULL, 0), "ip -batch programmed the same %u routes",
	    n);
}

int
main(int argc, char **argv)
{
	log_init("rt-test");
	if (argc == 3 && (strcmp(argv[1], "suite") == 0 ||
	    strcmp(argv[1], "noperm") == 0 ||
	    strcmp(argv[1], "nexthops") == 0)) {
		ifname = argv[2];
	} else if (argc == 5 && strcmp(argv[1], "gwbench") == 0) {
		ifname = argv[4];
	} else if (argc == 4 && (strcmp(argv[1], "bench") == 0 ||
	    strcmp(argv[1], "ipbatch") == 0)) {
		ifname = argv[3];
	} else {
		fprintf(stderr, "usage: rt-test suite|noperm|nexthops IF | "
		    "bench N IF | ipbatch N IF | gwbench N 4|6 IF\n");
		return 2;
	}
	if ((ifindex = if_nametoindex(ifname)) == 0) {
		fprintf(stderr, "rt-test: %s: no such link\n", ifname);
		return 2;
	}
	if (strcmp(argv[1], "nexthops") == 0)
		test_nexthops();
	else if (strcmp(argv[1], "gwbench") == 0)
		gwbench((unsigned)strtoul(argv[2], NULL, 10), atoi(argv[3]));
	else if (argv[1][0] == 's')
		test_suite();
	else if (argv[1][0] == 'n')
		noperm();
	else if (argv[1][1] == 'e')
		bench((unsigned)strtoul(argv[2], NULL, 10));
	else
		ipbatch((unsigned)strtoul(argv[2], NULL, 10));
	return 0;
}
