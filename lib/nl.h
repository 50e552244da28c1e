/* SPDX-License-Identifier: Apache-2.0 */
/* rtnetlink request sockets over libmnl, shared by the netlink users. */
#ifndef XCNI_NL_H
#define XCNI_NL_H

#include <stddef.h>
#include <libmnl/libmnl.h>

/* Receive buffer: a part of a dump, or any notification (as libmnl's
 * newer MNL_SOCKET_DUMP_SIZE). */
#define NL_RECV_SIZE	32768
/* Request buffer: one request with a few attributes. */
#define NL_REQ_SIZE	512

/* A NETLINK_ROUTE socket for requests: bound, extended acks on, acks
 * capped (errors do not echo the request), strict dump checking where the
 * kernel has it. Returns NULL with errno set. */
struct mnl_socket *nl_open(void);

/* Sends the request in nlh (seq, and NLM_F_ACK unless it is a dump, are
 * set here) and runs cb on every reply until the dump or the ack ends it.
 * Returns 0, or -1 with errno set: the kernel's error (its extended-ack
 * text, if any, is copied to why, which may be NULL), or EINTR when a dump
 * was interrupted by a change and must be redone. */
int nl_talk(struct mnl_socket *nl, struct nlmsghdr *nlh, mnl_cb_t cb,
    void *data, char *why, size_t whylen);

/* The extended-ack text of an NLMSG_ERROR message, or NULL. */
const char *nl_ext_ack(const struct nlmsghdr *err);

#endif
