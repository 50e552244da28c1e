/* SPDX-License-Identifier: Apache-2.0 */
/* IPv4/IPv6 addresses and CIDRs, canonical form. */
#ifndef XCNI_ADDR_H
#define XCNI_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Room for "ffff:...:ffff/128" plus NUL. */
#define ADDR_STRLEN 48

/* family is AF_INET or AF_INET6; an IPv4 address uses bytes 0..3 and the
 * rest is zero, so two equal addresses compare equal with memcmp. */
struct addr {
	uint8_t family;
	uint8_t bytes[16];
};

struct cidr {
	struct addr addr;	/* host bits are zero */
	uint8_t len;
};

/* Parse s[0..n) (not NUL-terminated). Blanks around the text are ignored;
 * an IPv4-mapped IPv6 address (::ffff:a.b.c.d, and a prefix of 96 or more
 * bits) is returned as IPv4. Returns 0, or -1 when the text is not an
 * address/CIDR. cidr_parse masks host bits; had_host_bits tells (may be
 * NULL). A CIDR needs an explicit "/len". */
int addr_parse(const char *s, size_t n, struct addr *a);
int cidr_parse(const char *s, size_t n, struct cidr *c, bool *had_host_bits);

/* Clears the host bits of c (c->len set); returns whether any were set. */
bool cidr_mask(struct cidr *c);

size_t addr_len(const struct addr *a);		/* 4 or 16 */
int addr_cmp(const struct addr *a, const struct addr *b);
int cidr_cmp(const struct cidr *a, const struct cidr *b);
bool addr_is_v6_linklocal(const struct addr *a);
/* True when c contains inner (same family, inner at least as long). */
bool cidr_contains(const struct cidr *c, const struct cidr *inner);
/* True when a and b share an address (one contains the other). */
bool cidr_overlap(const struct cidr *a, const struct cidr *b);

/* buf must hold ADDR_STRLEN bytes; returns buf. */
char *addr_format(const struct addr *a, char *buf);
char *cidr_format(const struct cidr *c, char *buf);

/* Split a comma list, calling fn for each non-blank item; stops at the
 * first non-zero return and returns it. */
int addr_list_each(const char *s, size_t n,
    int (*fn)(const char *item, size_t len, void *arg), void *arg);

#endif
