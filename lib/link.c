#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "link.h"
#include "nl.h"

struct addr_search {
	const struct addr *want;
	unsigned ifindex;
	int best;		/* prefix length of the best match; 129: exact */
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
	struct addr_search *s = data;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[IFA_MAX + 1] = { 0 };
	const struct nlattr *a;
	struct cidr net, host;
	size_t len = addr_len(s->want);

	if (nlh->nlmsg_type != RTM_NEWADDR || ifa->ifa_family != s->want->family)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*ifa), addr_attr, tb);
	/* On a point-to-point link IFA_ADDRESS is the peer; IFA_LOCAL is ours. */
	a = tb[IFA_LOCAL] != NULL ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (a == NULL || mnl_attr_get_payload_len(a) != len)
		return MNL_CB_OK;
	memset(&net, 0, sizeof(net));
	net.addr.family = s->want->family;
	memcpy(net.addr.bytes, mnl_attr_get_payload(a), len);
	if (addr_cmp(&net.addr, s->want) == 0) {
		s->ifindex = ifa->ifa_index;
		s->best = 129;
		return MNL_CB_OK;
	}
	if (addr_is_v6_linklocal(s->want) || (int)ifa->ifa_prefixlen <= s->best)
		return MNL_CB_OK;
	net.len = ifa->ifa_prefixlen;
	host.addr = *s->want;
	host.len = (uint8_t)(len * 8);
	if (cidr_contains(&net, &host)) {
		s->ifindex = ifa->ifa_index;
		s->best = ifa->ifa_prefixlen;
	}
	return MNL_CB_OK;
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
	struct addr_search s = { a, 0, -1 };
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	struct ifinfomsg *ifi;
	unsigned m = 0;
	int ret = -1, saved;

	if (a->family != AF_INET && a->family != AF_INET6) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	if ((nl = nl_open()) == NULL)
		return -1;
	for (;;) {
		nlh = mnl_nlmsg_put_header(buf);
		nlh->nlmsg_type = RTM_GETADDR;
		nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
		ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
		ifa->ifa_family = a->family;
		s.ifindex = 0;
		s.best = -1;
		if (nl_talk(nl, nlh, addr_cb, &s, NULL, 0) == 0)
			break;
		if (errno != EINTR)
			goto out;
	}
	if (s.best < 0) {
		errno = ENOENT;
		goto out;
	}
	if (mtu != NULL) {
		nlh = mnl_nlmsg_put_header(buf);
		nlh->nlmsg_type = RTM_GETLINK;
		nlh->nlmsg_flags = NLM_F_REQUEST;
		ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
		ifi->ifi_family = AF_UNSPEC;
		ifi->ifi_index = (int)s.ifindex;
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
		*ifindex = s.ifindex;
	ret = 0;
out:
	saved = errno;
	mnl_socket_close(nl);
	errno = saved;
	return ret;
}
