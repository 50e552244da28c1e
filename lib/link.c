/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "link.h"
#include "nl.h"

struct addr_list {
	int family;
	struct link_addr *v;
	size_t n, cap;
	int err;		/* errno of a failed allocation */
};

static int
addr_attr(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	unsigned type = mnl_attr_get_type(attr);

	if ((type == IFA_ADDRESS || type == IFA_LOCAL) &&
	    mnl_attr_validate(attr, MNL_TYPE_BINARY) == 0)
		tb[type] = attr;
	return MNL_CB_OK;
}

static int
addr_cb(const struct nlmsghdr *nlh, void *data)
{
	struct addr_list *l = data;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[IFA_MAX + 1] = { 0 };
	const struct nlattr *a;
	struct link_addr *la;
	size_t len;

	if (nlh->nlmsg_type != RTM_NEWADDR ||
	    (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6) ||
	    (l->family != AF_UNSPEC && ifa->ifa_family != l->family))
		return MNL_CB_OK;
	len = ifa->ifa_family == AF_INET ? 4 : 16;
	mnl_attr_parse(nlh, sizeof(*ifa), addr_attr, tb);
	/* On a point-to-point link IFA_ADDRESS is the peer; IFA_LOCAL is ours. */
	a = tb[IFA_LOCAL] != NULL ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (a == NULL || mnl_attr_get_payload_len(a) != len ||
	    ifa->ifa_prefixlen > len * 8)
		return MNL_CB_OK;
	if (l->n == l->cap) {
		size_t cap = l->cap == 0 ? 16 : l->cap * 2;

		if ((la = realloc(l->v, cap * sizeof(*la))) == NULL) {
			l->err = ENOMEM;
			return MNL_CB_ERROR;
		}
		l->v = la;
		l->cap = cap;
	}
	la = &l->v[l->n++];
	memset(la, 0, sizeof(*la));
	la->addr.family = ifa->ifa_family;
	memcpy(la->addr.bytes, mnl_attr_get_payload(a), len);
	la->prefixlen = ifa->ifa_prefixlen;
	la->ifindex = ifa->ifa_index;
	return MNL_CB_OK;
}

static int
addr_dump(struct mnl_socket *nl, int family, struct link_addr **out)
{
	char buf[NL_REQ_SIZE];
	struct addr_list l = { family, NULL, 0, 0, 0 };
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;

	for (;;) {
		nlh = mnl_nlmsg_put_header(buf);
		nlh->nlmsg_type = RTM_GETADDR;
		nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
		ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
		ifa->ifa_family = (uint8_t)family;
		l.n = 0;
		if (nl_talk(nl, nlh, addr_cb, &l, NULL, 0) == 0)
			break;
		if (l.err != 0)
			errno = l.err;
		if (errno != EINTR) {
			free(l.v);
			return -1;
		}
	}
	*out = l.v;
	return (int)l.n;
}

int
link_addrs(int family, struct link_addr **out)
{
	struct mnl_socket *nl;
	int n, saved;

	*out = NULL;
	if ((nl = nl_open()) == NULL)
		return -1;
	n = addr_dump(nl, family, out);
	saved = errno;
	mnl_socket_close(nl);
	errno = saved;
	return n;
}

/* The exact address, else the longest prefix holding a; -1 for none. */
static int
best_link(const struct addr *a, const struct link_addr *v, size_t n,
    unsigned *ifindex)
{
	struct cidr net, host;
	int best = -1;
	size_t i;

	host.addr = *a;
	host.len = (uint8_t)(addr_len(a) * 8);
	for (i = 0; i < n; i++) {
		if (addr_cmp(&v[i].addr, a) == 0) {
			*ifindex = v[i].ifindex;
			return 129;
		}
		if (addr_is_v6_linklocal(a) || (int)v[i].prefixlen <= best ||
		    v[i].addr.family != a->family)
			continue;
		net.addr = v[i].addr;
		net.len = v[i].prefixlen;
		/* Only the first len bits count: net's host bits may be set. */
		if (cidr_contains(&net, &host)) {
			*ifindex = v[i].ifindex;
			best = v[i].prefixlen;
		}
	}
	return best;
}

static int
link_attr(const struct nlattr *attr, void *data)
{
	unsigned *mtu = data;

	if (mnl_attr_get_type(attr) == IFLA_MTU &&
	    mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
		*mtu = mnl_attr_get_u32(attr);
	return MNL_CB_OK;
}

static int
link_cb(const struct nlmsghdr *nlh, void *data)
{
	if (nlh->nlmsg_type == RTM_NEWLINK)
		mnl_attr_parse(nlh, sizeof(struct ifinfomsg), link_attr, data);
	return MNL_CB_OK;
}

int
link_by_addr(const struct addr *a, unsigned *ifindex, unsigned *mtu)
{
	char buf[NL_REQ_SIZE];
	struct link_addr *v = NULL;
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	unsigned m = 0, found = 0;
	int ret = -1, n, saved;

	if (a->family != AF_INET && a->family != AF_INET6) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	if ((nl = nl_open()) == NULL)
		return -1;
	if ((n = addr_dump(nl, a->family, &v)) < 0)
		goto out;
	if (best_link(a, v, (size_t)n, &found) < 0) {
		errno = ENOENT;
		goto out;
	}
	if (mtu != NULL) {
		nlh = mnl_nlmsg_put_header(buf);
		nlh->nlmsg_type = RTM_GETLINK;
		nlh->nlmsg_flags = NLM_F_REQUEST;
		ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
		ifi->ifi_family = AF_UNSPEC;
		ifi->ifi_index = (int)found;
		/* Only the MTU is wanted: spare the kernel the statistics. */
		mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
		if (nl_talk(nl, nlh, link_cb, &m, NULL, 0) < 0)
			goto out;
		if (m == 0) {
			errno = ENOENT;
			goto out;
		}
		*mtu = m;
	}
	if (ifindex != NULL)
		*ifindex = found;
	ret = 0;
out:
	saved = errno;
	free(v);
	mnl_socket_close(nl);
	errno = saved;
	return ret;
}
