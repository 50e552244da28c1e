/* SPDX-License-Identifier: Apache-2.0 */
/* nl-floor: the fastest that a set of routes can be programmed on this
 * kernel, the floor bench/scale sets beside the worker. It makes what the
 * worker makes (worker/routes.c): one nexthop object per IPv4 route
 * (NHA_ID, NHA_GATEWAY, NHA_OIF, the protocol), then every route (RTA_DST,
 * RTA_TABLE, RTA_PRIORITY, the protocol, scope universe, NLM_F_CREATE |
 * NLM_F_EXCL; an IPv4 route RTA_NH_ID, an IPv6 one RTA_GATEWAY and RTA_OIF,
 * as IPv6 routes are cheaper without objects), every request with NLM_F_ACK and
 * every ack read; but nothing else (no dump, no gateway lookup, no
 * bookkeeping) and in batches as large as the kernel takes: by default each
 * phase is one sendmsg, the socket buffers forced large enough to hold it
 * and all of its acks.
 *
 *   nl-floor FILE DEV PROTOCOL [METRIC [BATCH-BYTES]]
 *
 * FILE: one route a line, "DST/LEN GATEWAY" (IPv4 or IPv6). Prints
 *   nl-floor: K nexthops + N routes in W ms (cpu U ms user, S ms sys),
 *   B sendmsg
 * timed from the first request to the last ack (reading FILE excluded).
 * Exits 1 with the kernel's error on any refused request. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/nexthop.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

#include <libmnl/libmnl.h>

#define MSG_ROOM	128	/* one request at most */
#define ACK_TRUESIZE	1024	/* receive buffer one queued ack takes */

struct route {
	uint8_t family, len;
	uint8_t dst[16], gw[16];
};

static struct mnl_socket *nl;
static unsigned oif, protocol, metric;
static char *buf;
static size_t buflen, bufsize, nqueued;
static unsigned seq, sends;

static void
die(const char *what)
{
	fprintf(stderr, "nl-floor: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int
parse_line(const char *line, struct route *r)
{
	char dst[64], gw[64], *slash;

	if (sscanf(line, "%63s %63s", dst, gw) != 2 ||
	    (slash = strchr(dst, '/')) == NULL)
		return -1;
	*slash = '\0';
	r->len = (uint8_t)atoi(slash + 1);
	r->family = strchr(dst, ':') != NULL ? AF_INET6 : AF_INET;
	if (inet_pton(r->family, dst, r->dst) != 1 ||
	    inet_pton(r->family, gw, r->gw) != 1)
		return -1;
	return 0;
}

static struct route *
load(const char *path, size_t *n)
{
	FILE *f = fopen(path, "r");
	struct route *v = NULL;
	size_t cap = 0;
	char line[256];

	if (f == NULL)
		die(path);
	*n = 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (*n == cap) {
			cap = cap ? 2 * cap : 1024;
			if ((v = realloc(v, cap * sizeof(*v))) == NULL)
				die("realloc");
		}
		if (parse_line(line, &v[*n]) < 0) {
			fprintf(stderr, "nl-floor: %s: bad line: %s", path, line);
			exit(1);
		}
		(*n)++;
	}
	fclose(f);
	return v;
}

static int
ack_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data;
	return MNL_CB_OK;
}

/* Sends the queued requests in one sendmsg and reads an ack for each. */
static void
flush(void)
{
	static char rbuf[8192];
	unsigned portid = mnl_socket_get_portid(nl);
	size_t acked = 0;
	ssize_t got;

	if (nqueued == 0)
		return;
	if (mnl_socket_sendto(nl, buf, buflen) < 0)
		die("sendmsg");
	sends++;
	while (acked < nqueued) {
		if ((got = mnl_socket_recvfrom(nl, rbuf, sizeof(rbuf))) < 0)
			die("recv (acks lost?)");
		/* Each ack is its own datagram; a refusal stops here. */
		if (mnl_cb_run(rbuf, (size_t)got, 0, portid, ack_cb,
		    NULL) < 0)
			die("kernel refused a request");
		acked++;
	}
	buflen = nqueued = 0;
}

static struct nlmsghdr *
put(uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh;

	if (buflen + MSG_ROOM > bufsize)
		flush();
	nlh = mnl_nlmsg_put_header(buf + buflen);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = ++seq;
	return nlh;
}

static void
queued(const struct nlmsghdr *nlh)
{
	buflen += nlh->nlmsg_len;
	nqueued++;
}

static void
put_nexthop(const struct route *r, uint32_t id)
{
	struct nlmsghdr *nlh = put(RTM_NEWNEXTHOP, NLM_F_CREATE | NLM_F_EXCL);
	struct nhmsg *nhm = mnl_nlmsg_put_extra_header(nlh, sizeof(*nhm));

	nhm->nh_family = r->family;
	nhm->nh_protocol = (uint8_t)protocol;
	mnl_attr_put_u32(nlh, NHA_ID, id);
	mnl_attr_put(nlh, NHA_GATEWAY, r->family == AF_INET ? 4 : 16, r->gw);
	mnl_attr_put_u32(nlh, NHA_OIF, oif);
	queued(nlh);
}

static void
put_route(const struct route *r, uint32_t id)
{
	struct nlmsghdr *nlh = put(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));

	rtm->rtm_family = r->family;
	rtm->rtm_dst_len = r->len;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = (uint8_t)protocol;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put(nlh, RTA_DST, r->family == AF_INET ? 4 : 16, r->dst);
	mnl_attr_put_u32(nlh, RTA_TABLE, RT_TABLE_MAIN);
	mnl_attr_put_u32(nlh, RTA_PRIORITY, metric);
	if (r->family == AF_INET) {
		mnl_attr_put_u32(nlh, RTA_NH_ID, id);
	} else {
		mnl_attr_put(nlh, RTA_GATEWAY, 16, r->gw);
		mnl_attr_put_u32(nlh, RTA_OIF, oif);
	}
	queued(nlh);
}

/* Room for a batch of `bytes` requests and the acks of all of them. */
static void
open_socket(size_t bytes)
{
	int snd = (int)(bytes + 4096);
	int rcv = (int)(bytes / 48 * ACK_TRUESIZE + (1 << 20));

	if ((nl = mnl_socket_open(NETLINK_ROUTE)) == NULL ||
	    mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		die("netlink socket");
	if (setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_SNDBUFFORCE,
	    &snd, sizeof(snd)) < 0 ||
	    setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUFFORCE,
	    &rcv, sizeof(rcv)) < 0)
		die("socket buffers");
	bufsize = bytes;
	if ((buf = malloc(bufsize)) == NULL)
		die("malloc");
}

static double
ms(const struct timeval *tv)
{
	return tv->tv_sec * 1e3 + tv->tv_usec / 1e3;
}

int
main(int argc, char **argv)
{
	struct rusage r0, r1;
	struct timespec t0, t1;
	struct route *v;
	size_t n, i, batch, nhs = 0;

	if (argc < 4 || argc > 6) {
		fprintf(stderr, "usage: nl-floor FILE DEV PROTOCOL [METRIC "
		    "[BATCH-BYTES]]\n");
		return 64;
	}
	v = load(argv[1], &n);
	if ((oif = if_nametoindex(argv[2])) == 0)
		die(argv[2]);
	protocol = (unsigned)atoi(argv[3]);
	metric = argc > 4 ? (unsigned)atoi(argv[4]) : 0;
	/* Default: a phase (every nexthop, every route) in one sendmsg. */
	batch = argc > 5 ? strtoul(argv[5], NULL, 0) : (n + 1) * MSG_ROOM;
	open_socket(batch);

	getrusage(RUSAGE_SELF, &r0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < n; i++)
		if (v[i].family == AF_INET) {
			put_nexthop(&v[i], (uint32_t)i + 1);
			nhs++;
		}
	flush();
	for (i = 0; i < n; i++)
		put_route(&v[i], (uint32_t)i + 1);
	flush();
	clock_gettime(CLOCK_MONOTONIC, &t1);
	getrusage(RUSAGE_SELF, &r1);

	printf("nl-floor: %zu nexthops + %zu routes in %.1f ms (cpu %.1f ms "
	    "user, %.1f ms sys), %u sendmsg\n", nhs, n,
	    (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6,
	    ms(&r1.ru_utime) - ms(&r0.ru_utime),
	    ms(&r1.ru_stime) - ms(&r0.ru_stime), sends);
	free(v);
	free(buf);
	mnl_socket_close(nl);
	return 0;
}
