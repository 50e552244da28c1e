/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <linux/netlink.h>

#include "nl.h"

#ifndef NETLINK_GET_STRICT_CHK
#define NETLINK_GET_STRICT_CHK 12
#endif

struct talk {
	mnl_cb_t cb;
	void *data;
	char *why;
	size_t whylen;
	int intr;
};

struct mnl_socket *
nl_open(void)
{
	struct mnl_socket *nl;
	int on = 1, saved;

	if ((nl = mnl_socket_open(NETLINK_ROUTE)) == NULL)
		return NULL;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		saved = errno;
		mnl_socket_close(nl);
		errno = saved;
		return NULL;
	}
	/* Older kernels lack these; the socket works without them. */
	mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &on, sizeof(on));
	mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &on, sizeof(on));
	mnl_socket_setsockopt(nl, NETLINK_GET_STRICT_CHK, &on, sizeof(on));
	return nl;
}

static int
ext_ack_attr(const struct nlattr *attr, void *data)
{
	const char **msg = data;

	if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
	    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
		*msg = mnl_attr_get_str(attr);
	return MNL_CB_OK;
}

const char *
nl_ext_ack(const struct nlmsghdr *err)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(err);
	const char *msg = NULL;
	size_t off;

	if (!(err->nlmsg_flags & NLM_F_ACK_TLVS) ||
	    mnl_nlmsg_get_payload_len(err) < sizeof(*e))
		return NULL;
	off = sizeof(*e);
	if (!(err->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(e->msg);
	if (MNL_ALIGN(off) > mnl_nlmsg_get_payload_len(err))
		return NULL;
	mnl_attr_parse(err, MNL_ALIGN(off), ext_ack_attr, &msg);
	return msg;
}

static int
talk_data(const struct nlmsghdr *nlh, void *data)
{
	struct talk *t = data;

	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		t->intr = 1;
	return t->cb != NULL ? t->cb(nlh, t->data) : MNL_CB_OK;
}

static int
talk_done(const struct nlmsghdr *nlh, void *data)
{
	struct talk *t = data;

	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		t->intr = 1;
	return MNL_CB_STOP;
}

static int
talk_error(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	struct talk *t = data;
	const char *msg;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e)) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (e->error == 0)
		return MNL_CB_STOP;
	if (t->why != NULL && (msg = nl_ext_ack(nlh)) != NULL)
		snprintf(t->why, t->whylen, "%s", msg);
	errno = -e->error;
	return MNL_CB_ERROR;
}

int
nl_talk(struct mnl_socket *nl, struct nlmsghdr *nlh, mnl_cb_t cb,
    void *data, char *why, size_t whylen)
{
	static unsigned seq;
	static char buf[NL_RECV_SIZE];
	mnl_cb_t ctl[NLMSG_MIN_TYPE] = {
		[NLMSG_ERROR] = talk_error,
		[NLMSG_DONE] = talk_done,
	};
	struct talk t = { cb, data, why, whylen, 0 };
	unsigned portid = mnl_socket_get_portid(nl);
	ssize_t n;
	int ret;

	if (seq == 0)
		seq = (unsigned)time(NULL);
	nlh->nlmsg_seq = ++seq;
	if (!(nlh->nlmsg_flags & NLM_F_DUMP))
		nlh->nlmsg_flags |= NLM_F_ACK;
	if (why != NULL && whylen > 0)
		why[0] = '\0';
	/* Replies left from an aborted exchange would fail the seq check. */
	while (recv(mnl_socket_get_fd(nl), buf, sizeof(buf), MSG_DONTWAIT) >= 0)
		;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -1;
	do {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0)
			return -1;
		ret = mnl_cb_run2(buf, (size_t)n, nlh->nlmsg_seq, portid,
		    talk_data, &t, ctl, NLMSG_MIN_TYPE);
	} while (ret == MNL_CB_OK);
	if (ret == MNL_CB_ERROR)
		return -1;
	if (t.intr) {
		errno = EINTR;
		return -1;
	}
	return 0;
}
