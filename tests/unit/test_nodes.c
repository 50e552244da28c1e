/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "log.h"
#include "nodes.h"

/* Every call the table makes, as text: "+DST@VIA[%OIF]", "-DST",
 * "self:CIDR,CIDR", space separated. */
static char calls[4096];

static void
record(const char *fmt, ...)
{
	size_t n = strlen(calls);
	va_list ap;

	if (n + 2 >= sizeof(calls))
		return;
	if (n > 0)
		calls[n++] = ' ';
	va_start(ap, fmt);
	vsnprintf(calls + n, sizeof(calls) - n, fmt, ap);
	va_end(ap);
}

static void
mock_want(void *arg, const struct route *r)
{
	char d[ADDR_STRLEN], v[ADDR_STRLEN];

	if (r->oif != 0)
		record("+%s@%s%%%u", cidr_format(&r->dst, d),
		    addr_format(&r->via, v), r->oif);
	else
		record("+%s@%s", cidr_format(&r->dst, d),
		    addr_format(&r->via, v));
}

static void
mock_unwant(void *arg, const struct cidr *dst)
{
	char d[ADDR_STRLEN];

	record("-%s", cidr_format(dst, d));
}

/* The own node's address 2001:db8::10 is on link 7. */
static int
mock_link(void *arg, const struct addr *a, unsigned *ifindex)
{
	char buf[ADDR_STRLEN];

	if (strcmp(addr_format(a, buf), "2001:db8::10") != 0)
		return -1;
	*ifindex = 7;
	return 0;
}

static void
mock_self(void *arg, const struct node_rec *rec)
{
	char a[ADDR_STRLEN] = "", b[ADDR_STRLEN] = "";

	if (rec->has_cidr[NODE_V4])
		cidr_format(&rec->cidr[NODE_V4], a);
	if (rec->has_cidr[NODE_V6])
		cidr_format(&rec->cidr[NODE_V6], b);
	record("self:%s,%s", a, b);
}

static const struct nodes_ops mock_ops = {
	mock_want, mock_unwant, mock_link, mock_self,
};

#define ANN_C "cidr.example.com/net3"
#define ANN_A "adr.example.com/net3"

/* A Node object; ts is the creation time's seconds field. */
#define NODE(name, ts, extra, cidrs, addrs) "{\"metadata\":{\"name\":\"" name \
	"\",\"creationTimestamp\":\"2026-01-01T00:00:" ts "Z\"" extra "}," \
	"\"spec\":{\"podCIDRs\":[" cidrs "]},\"status\":{\"addresses\":[" addrs "]}}"
#define IP(a) "{\"type\":\"InternalIP\",\"address\":\"" a "\"}"
#define IP4(n) IP("192.0.2." #n)
#define IP6(n) IP("2001:db8::" #n)
#define C4(n) "\"198.18." #n ".0/24\""
#define C6(n) "\"fd00:" #n "::/64\""
#define ANNS(c, a) ",\"annotations\":{\"" ANN_C "\":\"" c "\",\"" ANN_A "\":\"" a "\"}"
#define DELETING ",\"deletionTimestamp\":\"2026-01-02T00:00:00Z\""
#define SELF NODE("self", "00", "", C4(0) "," C6(0), IP4(10) "," IP6(10))

/* A step: op is 'u' (update with json), 'd' (delete json, a name),
 * 'm' (mark), 'k' (keep json, a name), 's' (sweep), 'p' (json, a CIDR, is
 * now on the node's links; recheck), 'q' (the node's links are as at the
 * start; recheck). calls is what the table must do. */
struct step {
	char op;
	const char *json;
	const char *calls;
};

struct nodes_case {
	const char *name;
	bool annotations;
	const char *allowed;		/* comma list, or NULL */
	struct step steps[10];
	size_t routes;			/* wanted at the end */
};

static const struct nodes_case cases[] = {
	{ "no nodes", false, NULL, {
	  { 'm', NULL, "" }, { 's', NULL, "" } }, 0 },
	{ "own node only", false, NULL, {
	  { 'u', SELF, "self:198.18.0.0/24,fd00::/64" } }, 0 },
	{ "one peer", false, NULL, {
	  { 'u', SELF, "self:198.18.0.0/24,fd00::/64" },
	  { 'u', NODE("n1", "01", "", C4(1) "," C6(1), IP4(1) "," IP6(1)),
	    "+198.18.1.0/24@192.0.2.1 +fd00:1::/64@2001:db8::1" } }, 2 },
	{ "IPv4-mapped CIDR", false, NULL, {
	  { 'u', NODE("n1", "01", "", "\"::ffff:198.18.3.0/120\"", IP4(1)),
	    "+198.18.3.0/24@192.0.2.1" } }, 1 },
	{ "annotation overrides spec", true, NULL, {
	  { 'u', NODE("n1", "01", ANNS("198.18.5.0/24", "192.0.2.5"), C4(1), IP4(1)),
	    "+198.18.5.0/24@192.0.2.5" },
	  { 'u', NODE("n1", "01", ANNS("198.18.6.0/24", "192.0.2.5"), C4(1), IP4(1)),
	    "-198.18.5.0/24 +198.18.6.0/24@192.0.2.5" } }, 1 },
	{ "same family twice", false, NULL, {
	  { 'u', NODE("n1", "01", "", C4(1) "," C4(2), IP4(1)),
	    "+198.18.1.0/24@192.0.2.1" } }, 1 },
	{ "three CIDRs", true, NULL, {
	  { 'u', NODE("n1", "01", ANNS("fd00:1::/64,198.18.1.0/24,fd00:2::/64",
	    "2001:db8::1,192.0.2.1"), "", ""),
	    "+198.18.1.0/24@192.0.2.1 +fd00:1::/64@2001:db8::1" } }, 2 },
	{ "no same-family nexthop", false, NULL, {
	  { 'u', NODE("n1", "01", "", C4(1) "," C6(1), IP6(1)),
	    "+fd00:1::/64@2001:db8::1" } }, 1 },
	{ "malformed CIDR and address", true, NULL, {
	  { 'u', NODE("n1", "01", ANNS("198.18.1.0/33,fd00:1::/64",
	    "192.0.2.1,2001:db8::zz"), "", ""), "" },
	  { 'u', NODE("n1", "01", ANNS("198.18.1.0/24,fd00:1::/64",
	    "192.0.2.1,2001:db8::zz"), "", ""), "+198.18.1.0/24@192.0.2.1" } }, 1 },
	{ "blanks in the annotation", true, NULL, {
	  { 'u', NODE("n1", "01", ANNS(" 198.18.1.0/24 , fd00:1::/64 ",
	    " 192.0.2.1 ,2001:db8::1 "), "", ""),
	    "+198.18.1.0/24@192.0.2.1 +fd00:1::/64@2001:db8::1" } }, 2 },
	{ "podCIDR fallback", false, NULL, {
	  { 'u', "{\"metadata\":{\"name\":\"n1\"},\"spec\":{\"podCIDR\":"
	    "\"198.18.7.0/24\"},\"status\":{\"addresses\":[" IP4(1) "]}}",
	    "+198.18.7.0/24@192.0.2.1" } }, 1 },
	{ "link-local IPv6 nexthop", true, NULL, {
	  { 'u', NODE("n1", "01", ANNS("fd00:1::/64", "fe80::1"), "", ""), "" },
	  { 'u', NODE("self", "00", ANNS("fd00::/64", "2001:db8::10"), "", ""),
	    "self:,fd00::/64 +fd00:1::/64@fe80::1%7" },
	  { 'u', NODE("n2", "02", ANNS("fd00:2::/64", "fe80::2"), "", ""),
	    "+fd00:2::/64@fe80::2%7" },
	  { 'u', NODE("self", "00", ANNS("fd00::/64", "2001:db8::11"), "", ""),
	    "self:,fd00::/64 -fd00:1::/64 -fd00:2::/64" } }, 0 },
	{ "conflicting CIDRs: the oldest wins, the next takes over", false, NULL, {
	  { 'u', NODE("n2", "05", "", C4(1), IP4(2)), "+198.18.1.0/24@192.0.2.2" },
	  { 'u', NODE("n1", "01", "", C4(1), IP4(1)), "+198.18.1.0/24@192.0.2.1" },
	  { 'u', NODE("n3", "09", "", C4(1), IP4(3)), "" },
	  { 'd', "n1", "+198.18.1.0/24@192.0.2.2" },
	  { 'd', "n3", "" },
	  { 'd', "n2", "-198.18.1.0/24" } }, 0 },
	{ "conflicting CIDRs of the same age: the first name wins", false, NULL, {
	  { 'u', NODE("b", "01", "", C4(1), IP4(2)), "+198.18.1.0/24@192.0.2.2" },
	  { 'u', NODE("a", "01", "", C4(1), IP4(1)), "+198.18.1.0/24@192.0.2.1" },
	  { 'u', NODE("a", "01", "", C4(2), IP4(1)),
	    "+198.18.1.0/24@192.0.2.2 +198.18.2.0/24@192.0.2.1" } }, 2 },
	{ "after the first list: a newcomer cannot take a CIDR in use", false,
	  NULL, {
	  { 'm', NULL, "" }, { 's', NULL, "" },
	  { 'u', NODE("n1", "01", "", C4(1), IP4(1)), "+198.18.1.0/24@192.0.2.1" },
	  { 'u', NODE("n2", "05", "", C4(1), IP4(2)), "" },
	  { 'd', "n1", "+198.18.1.0/24@192.0.2.2" } }, 1 },
	{ "after the first list: an old node cannot take a newcomer's", false,
	  NULL, {
	  { 'm', NULL, "" }, { 's', NULL, "" },
	  { 'u', NODE("n2", "05", "", C4(1), IP4(2)), "+198.18.1.0/24@192.0.2.2" },
	  { 'u', NODE("n1", "01", "", C4(1), IP4(1)), "" },
	  { 'd', "n2", "+198.18.1.0/24@192.0.2.1" } }, 1 },
	{ "an old node moving into a live CIDR gets nothing", false, NULL, {
	  { 'u', NODE("n1", "01", "", C4(2), IP4(1)), "+198.18.2.0/24@192.0.2.1" },
	  { 'u', NODE("n3", "09", "", C4(1), IP4(3)), "+198.18.1.0/24@192.0.2.3" },
	  { 'm', NULL, "" },
	  { 'u', NODE("n1", "01", "", C4(2), IP4(1)), "" },
	  { 'u', NODE("n3", "09", "", C4(1), IP4(3)), "" },
	  { 's', NULL, "" },
	  { 'u', NODE("n1", "01", "", C4(1), IP4(1)), "-198.18.2.0/24" } }, 1 },
	{ "a new nexthop keeps the claim's place", false, NULL, {
	  { 'm', NULL, "" }, { 's', NULL, "" },
	  { 'u', NODE("n2", "05", "", C4(1), IP4(2)), "+198.18.1.0/24@192.0.2.2" },
	  { 'u', NODE("n1", "01", "", C4(1), IP4(1)), "" },
	  { 'u', NODE("n2", "05", "", C4(1), IP4(22)), "+198.18.1.0/24@192.0.2.22" },
	  { 'm', NULL, "" },
	  { 'u', NODE("n1", "01", "", C4(1), IP4(1)), "" },
	  { 'u', NODE("n2", "05", "", C4(1), IP4(22)), "" },
	  { 's', NULL, "" } }, 1 },
	{ "a peer claiming the own CIDR gets no route", false, NULL, {
	  { 'u', NODE("n1", "01", "", C4(0), IP4(1)), "+198.18.0.0/24@192.0.2.1" },
	  { 'u', SELF, "-198.18.0.0/24 self:198.18.0.0/24,fd00::/64" } }, 0 },
	{ "a peer taking a part of the own range is refused", true, NULL, {
	  { 'u', NODE("n1", "01", ANNS("198.18.0.128/25", "192.0.2.1"), "", ""),
	    "+198.18.0.128/25@192.0.2.1" },
	  { 'u', NODE("self", "00", ANNS("198.18.0.0/24,fd00::/64",
	    "192.0.2.10,2001:db8::10"), "", ""),
	    "self:198.18.0.0/24,fd00::/64 -198.18.0.128/25" },
	  { 'u', NODE("n2", "02", ANNS("198.18.0.0/23,fd00::/48",
	    "192.0.2.2,2001:db8::2"), "", ""), "" },
	  { 'u', NODE("self", "00", ANNS("198.18.4.0/24,fd00::/64",
	    "192.0.2.10,2001:db8::10"), "", ""),
	    "self:198.18.4.0/24,fd00::/64 +198.18.0.128/25@192.0.2.1 "
	    "+198.18.0.0/23@192.0.2.2" } }, 2 },
	{ "deleting node", false, NULL, {
	  { 'u', NODE("n1", "01", "", C4(1), IP4(1)), "+198.18.1.0/24@192.0.2.1" },
	  { 'u', NODE("n1", "01", DELETING, C4(1), IP4(1)), "-198.18.1.0/24" },
	  { 'u', NODE("n1", "01", DELETING ",\"resourceVersion\":\"9\"", C4(1),
	    IP4(1)), "" },
	  { 'd', "n1", "" } }, 0 },
	{ "heartbeat MODIFIED: no route calls", false, NULL, {
	  { 'u', NODE("n1", "01", ",\"resourceVersion\":\"1\"", C4(1), IP4(1)),
	    "+198.18.1.0/24@192.0.2.1" },
	  { 'u', NODE("n1", "01", ",\"resourceVersion\":\"2\"", C4(1),
	    IP4(1) ",{\"type\":\"Hostname\",\"address\":\"n1\"}"), "" },
	  { 'u', NODE("n1", "01", ",\"resourceVersion\":\"3\",\"labels\":{\"a\":\"b\"}",
	    "\" 198.18.1.7/24\"", IP4(1) "," IP4(99)), "" } }, 1 },
	{ "nexthop change replaces the route", false, NULL, {
	  { 'u', NODE("n1", "01", "", C4(1), IP4(1)), "+198.18.1.0/24@192.0.2.1" },
	  { 'u', NODE("n1", "01", "", C4(1), IP4(9)), "+198.18.1.0/24@192.0.2.9" } }, 1 },
	{ "relist drops missing nodes", false, NULL, {
	  { 'u', NODE("n1", "01", "", C4(1), IP4(1)), "+198.18.1.0/24@192.0.2.1" },
	  { 'u', NODE("n2", "02", "", C4(2), IP4(2)), "+198.18.2.0/24@192.0.2.2" },
	  { 'm', NULL, "" },
	  { 'u', NODE("n2", "02", "", C4(2), IP4(2)), "" },
	  { 's', NULL, "-198.18.1.0/24" } }, 1 },
	{ "a node a relist could not decode keeps its routes", false, NULL, {
	  { 'u', NODE("n1", "01", "", C4(1), IP4(1)), "+198.18.1.0/24@192.0.2.1" },
	  { 'u', NODE("n2", "02", "", C4(2), IP4(2)), "+198.18.2.0/24@192.0.2.2" },
	  { 'm', NULL, "" },
	  { 'k', "n1", "" },
	  { 'k', "unknown", "" },
	  { 'u', NODE("n2", "02", "", C4(2), IP4(2)), "" },
	  { 's', NULL, "" } }, 2 },
	{ "a failed list drops nothing", false, NULL, {
	  { 'u', NODE("n1", "01", "", C4(1), IP4(1)), "+198.18.1.0/24@192.0.2.1" },
	  { 'u', NODE("n2", "02", "", C4(2), IP4(2)), "+198.18.2.0/24@192.0.2.2" },
	  { 'm', NULL, "" },
	  { 'u', NODE("n1", "01", "", C4(1), IP4(1)), "" },
	  { 'm', NULL, "" },
	  { 'u', NODE("n2", "02", "", C4(2), IP4(2)), "" },
	  { 'u', NODE("n1", "01", "", C4(1), IP4(1)), "" },
	  { 's', NULL, "" } }, 2 },
	{ "allowed-cidrs", false, "198.18.0.0/16,fd00:1::/48", {
	  { 'u', NODE("n1", "01", "", "\"10.1.0.0/24\"," C6(1), IP4(1) "," IP6(1)),
	    "+fd00:1::/64@2001:db8::1" },
	  { 'u', NODE("n1", "01", "", C4(1) "," C6(2), IP4(1) "," IP6(1)),
	    "+198.18.1.0/24@192.0.2.1 -fd00:1::/64" } }, 1 },
	{ "deleting an unknown node", false, NULL, {
	  { 'd', "nobody", "" } }, 0 },
	/* The route policy (see policy_reset for the node's addresses). */
	{ "policy: default route in halves", true, NULL, {
	  { 'u', NODE("n1", "01", ANNS("0.0.0.0/1", "192.0.2.3"), "", ""), "" },
	  { 'u', NODE("n2", "02", ANNS("128.0.0.0/1", "192.0.2.14"), "", ""),
	    "" } }, 0 },
	{ "policy: hostile destinations", true, NULL, {
	  { 'u', NODE("n1", "01", ANNS("203.0.113.10/32,2001:db8::/65",
	    "192.0.2.1,2001:db8::1"), "", ""), "" },
	  { 'u', NODE("n1", "01", ANNS("192.0.2.0/25,fe80::/64",
	    "192.0.2.1,2001:db8::1"), "", ""), "" },
	  { 'u', NODE("n1", "01", ANNS("169.254.0.0/16,::1/128",
	    "192.0.2.1,2001:db8::1"), "", ""), "" },
	  { 'u', NODE("n1", "01", ANNS("224.0.0.0/4", "192.0.2.1"), "", ""), "" },
	  { 'u', NODE("n1", "01", ANNS("127.0.0.0/8", "192.0.2.1"), "", ""), "" },
	  { 'u', NODE("n1", "01", ANNS("192.0.2.10/32", "192.0.2.1"), "", ""), "" },
	  { 'u', NODE("n1", "01", ANNS("198.18.1.0/24,fd00:1::/64",
	    "192.0.2.1,2001:db8::1"), "", ""),
	    "+198.18.1.0/24@192.0.2.1 +fd00:1::/64@2001:db8::1" } }, 2 },
	{ "policy: hostile nexthops", true, NULL, {
	  { 'u', NODE("n1", "01", ANNS("198.18.1.0/24", "127.0.0.1"), "", ""), "" },
	  { 'u', NODE("n1", "01", ANNS("198.18.1.0/24", "192.0.2.10"), "", ""), "" },
	  { 'u', NODE("n1", "01", ANNS("198.18.1.0/24", "0.0.0.0"), "", ""), "" },
	  { 'u', NODE("n1", "01", ANNS("198.18.1.0/24", "255.255.255.255"), "",
	    ""), "" },
	  { 'u', NODE("n1", "01", ANNS("198.18.1.0/24", "224.0.0.1"), "", ""), "" },
	  { 'u', NODE("n1", "01", ANNS("fd00:1::/64", "::"), "", ""), "" },
	  { 'u', NODE("n1", "01", ANNS("198.18.1.0/24", "192.0.2.1"), "", ""),
	    "+198.18.1.0/24@192.0.2.1" },
	  { 'u', NODE("n1", "01", ANNS("198.18.1.0/24", "192.0.2.10"), "", ""),
	    "-198.18.1.0/24" } }, 0 },
	{ "policy: the node's addresses change", false, NULL, {
	  { 'u', NODE("n1", "01", "", "\"198.51.100.0/24\"", IP4(1)),
	    "+198.51.100.0/24@192.0.2.1" },
	  { 'u', NODE("n2", "02", "", C4(2), IP4(2)), "+198.18.2.0/24@192.0.2.2" },
	  { 'p', "198.51.100.128/25", "-198.51.100.0/24" },
	  { 'p', "198.51.100.128/25", "" },
	  { 'q', NULL, "+198.51.100.0/24@192.0.2.1" } }, 2 },
};

/* The node of the cases: 192.0.2.10/24 and 2001:db8::10/64 (SELF's), the
 * API server at 203.0.113.10. */
static struct policy policy;

static void
policy_entry(enum policy_kind kind, const char *s)
{
	struct cidr c;

	assert_int_equal(cidr_parse(s, strlen(s), &c, NULL), 0);
	assert_true(policy_add(&policy, kind, &c) >= 0);
}

static void
policy_links(void)
{
	policy_clear(&policy, POLICY_OWN);
	policy_clear(&policy, POLICY_CONNECTED);
	policy_entry(POLICY_OWN, "192.0.2.10/32");
	policy_entry(POLICY_OWN, "2001:db8::10/128");
	policy_entry(POLICY_CONNECTED, "192.0.2.0/24");
	policy_entry(POLICY_CONNECTED, "2001:db8::/64");
}

static void
policy_reset(void)
{
	policy_free(&policy);
	policy_init(&policy, POLICY_MIN_PREFIX_V4, POLICY_MIN_PREFIX_V6);
	policy_links();
	policy_entry(POLICY_SERVER, "203.0.113.10/32");
}

static int
add_allowed(const char *s, size_t n, void *arg)
{
	struct cidr *c = arg;
	size_t i = 0;

	while (c[i].len != 0)
		i++;
	assert_int_equal(cidr_parse(s, n, &c[i], NULL), 0);
	return 0;
}

static void
run_case(const struct nodes_case *tc)
{
	struct cidr allowed[8];
	size_t n_allowed = 0, i;
	struct nodes *t;

	memset(allowed, 0, sizeof(allowed));
	if (tc->allowed != NULL) {
		addr_list_each(tc->allowed, strlen(tc->allowed), add_allowed,
		    allowed);
		while (allowed[n_allowed].len != 0)
			n_allowed++;
	}
	policy_reset();
	t = nodes_new("self", allowed, n_allowed, &policy, &mock_ops, NULL);
	for (i = 0; i < sizeof(tc->steps) / sizeof(tc->steps[0]) &&
	    tc->steps[i].op != 0; i++) {
		const struct step *s = &tc->steps[i];
		struct node_rec rec;
		cJSON *j;

		calls[0] = '\0';
		switch (s->op) {
		case 'u':
			j = cJSON_Parse(s->json);
			if (j == NULL)
				fail_msg("step %zu: bad JSON", i);
			assert_int_equal(node_decode(j,
			    tc->annotations ? ANN_C : NULL,
			    tc->annotations ? ANN_A : NULL, &rec), 0);
			cJSON_Delete(j);
			nodes_update(t, &rec);
			break;
		case 'd':
			nodes_remove(t, s->json);
			break;
		case 'm':
			nodes_mark(t);
			break;
		case 'k':
			nodes_keep(t, s->json);
			break;
		case 's':
			nodes_sweep(t);
			break;
		case 'p':
			policy_entry(POLICY_CONNECTED, s->json);
			nodes_recheck(t);
			break;
		case 'q':
			policy_links();
			nodes_recheck(t);
			break;
		}
		if (strcmp(calls, s->calls) != 0)
			fail_msg("%s: step %zu: calls \"%s\", want \"%s\"",
			    tc->name, i, calls, s->calls);
	}
	assert_int_equal(nodes_routes(t), tc->routes);
	nodes_free(t);
	policy_free(&policy);
}

static void
test_cases(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("# %s\n", cases[i].name);
		run_case(&cases[i]);
	}
}

/* calloc (linked with --wrap=calloc) fails for sizes of at least
 * calloc_fail_from bytes; 0: never. */
static size_t calloc_fail_from;

void *__real_calloc(size_t n, size_t size);
void *__wrap_calloc(size_t n, size_t size);

void *
__wrap_calloc(size_t n, size_t size)
{
	if (calloc_fail_from > 0 && n * size >= calloc_fail_from) {
		errno = ENOMEM;
		return NULL;
	}
	return __real_calloc(n, size);
}

/* Node node-I: 10.I.0/24 via 192.0.0.0, IPv4 only. */
static void
rec_v4(struct node_rec *rec, unsigned i)
{
	memset(rec, 0, sizeof(*rec));
	snprintf(rec->name, sizeof(rec->name), "node-%u", i);
	rec->has_cidr[NODE_V4] = rec->has_via[NODE_V4] = true;
	rec->cidr[NODE_V4].addr.family = AF_INET;
	rec->cidr[NODE_V4].addr.bytes[0] = 10;
	rec->cidr[NODE_V4].addr.bytes[1] = (uint8_t)(i >> 8);
	rec->cidr[NODE_V4].addr.bytes[2] = (uint8_t)i;
	rec->cidr[NODE_V4].len = 24;
	rec->via[NODE_V4].family = AF_INET;
	rec->via[NODE_V4].bytes[0] = 192;
}

/* A table with an empty policy, as *state, for the tests below. */
static struct policy plain;

static int
plain_setup(void **state)
{
	log_set_level(LOG_LVL_ERROR);
	policy_init(&plain, POLICY_MIN_PREFIX_V4, POLICY_MIN_PREFIX_V6);
	*state = nodes_new("self", NULL, 0, &plain, &mock_ops, NULL);
	return *state == NULL ? -1 : 0;
}

static int
plain_teardown(void **state)
{
	nodes_free(*state);
	policy_free(&plain);
	return 0;
}

/* Out of memory in the event loop: a new node is dropped (-1, ENOMEM)
 * with nothing changed, and taken when reported again; tables that cannot
 * grow keep working with longer chains. */
static void
test_no_memory(void **state)
{
	struct nodes *t = *state;
	struct node_rec rec;
	unsigned i, n = 1000;

	rec_v4(&rec, 1);
	calls[0] = '\0';
	calloc_fail_from = 1;
	errno = 0;
	assert_int_equal(nodes_update(t, &rec), -1);
	assert_int_equal(errno, ENOMEM);
	calloc_fail_from = 0;
	assert_string_equal(calls, "");
	assert_int_equal(nodes_count(t), 0);
	assert_int_equal(nodes_update(t, &rec), 0);
	assert_string_equal(calls, "+10.0.1.0/24@192.0.0.0");

	/* Bucket arrays (64 pointers and more) fail, nodes do not. */
	calloc_fail_from = 64 * sizeof(void *);
	for (i = 2; i <= n; i++) {
		rec_v4(&rec, i);
		assert_int_equal(nodes_update(t, &rec), 0);
	}
	assert_int_equal(nodes_count(t), n);
	assert_int_equal(nodes_routes(t), n);
	calls[0] = '\0';
	nodes_remove(t, "node-500");
	assert_string_equal(calls, "-10.1.244.0/24");
	rec_v4(&rec, 500);
	calls[0] = '\0';
	assert_int_equal(nodes_update(t, &rec), 0);
	assert_string_equal(calls, "+10.1.244.0/24@192.0.0.0");
	calloc_fail_from = 0;
	nodes_mark(t);
	for (i = 1; i <= n; i++) {
		rec_v4(&rec, i);
		calls[0] = '\0';
		assert_int_equal(nodes_update(t, &rec), 0);
		assert_string_equal(calls, "");
	}
	nodes_sweep(t);
	assert_int_equal(nodes_count(t), n);
}

/* 20 000 nodes: the tables grow, every node routes, a relist that sees
 * them all changes nothing, and one that misses half removes half. */
static void
test_many(void **state)
{
	struct nodes *t = *state;
	struct node_rec rec;
	unsigned i, n = 20000;

	for (i = 0; i < n; i++) {
		rec_v4(&rec, i);
		calls[0] = '\0';
		nodes_update(t, &rec);
	}
	assert_int_equal(nodes_count(t), n);
	assert_int_equal(nodes_routes(t), n);
	nodes_mark(t);
	for (i = 0; i < n; i += 2) {
		snprintf(rec.name, sizeof(rec.name), "node-%u", i);
		rec.cidr[NODE_V4].addr.bytes[1] = (uint8_t)(i >> 8);
		rec.cidr[NODE_V4].addr.bytes[2] = (uint8_t)i;
		calls[0] = '\0';
		nodes_update(t, &rec);
		assert_string_equal(calls, "");
	}
	calls[0] = '\0';
	nodes_sweep(t);
	assert_int_equal(nodes_count(t), n / 2);
	assert_int_equal(nodes_routes(t), n / 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test_setup_teardown(test_many, plain_setup,
		    plain_teardown),
		cmocka_unit_test_setup_teardown(test_no_memory, plain_setup,
		    plain_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
