/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <linux/nexthop.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>

#include "log.h"
#include "nl.h"
#include "routes.h"
#include "util.h"

#define BATCH_BYTES	(128 * 1024)	/* requests per sendmsg */
#define MSG_MAX		256		/* room one route request can take */
#define ACK_COST	1024		/* receive buffer one queued ack costs */
#define REQ_RCVBUF	(4 * 1024 * 1024)
#define MON_RCVBUF	(8 * 1024 * 1024)
#define RESYNC_MS	(5 * 60 * 1000)	/* the periodic full resync */
#define RETRY_MIN_MS	500
#define RETRY_MAX_MS	(60 * 1000)
#define DUMP_TRIES	8		/* dumps interrupted by changes in a row */
#define IP6_RT_PRIO_USER 1024		/* the kernel's IPv6 metric for 0 */
#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP	0x10000		/* linux/if.h, which net/if.h excludes */
#endif

enum {
	E_WANT = 1 << 0,	/* in the desired set */
	E_OURS = 1 << 1,	/* the kernel has a route of ours at our metric */
	E_ODD = 1 << 2,		/* ... of a shape we never make (type, multipath) */
	E_DIRTY = 1 << 3,	/* on the dirty list */
	E_RETRY = 1 << 4,	/* the last operation failed; retry at retry_at */
	E_CONFLICT = 1 << 5,	/* reported as held by another protocol */
	E_INFLIGHT = 1 << 6,	/* a request for it is in the batch */
	E_COUNTED = 1 << 7,	/* counted in st.installed */
	E_VIA = 1 << 8,		/* E_WANT, E_OURS: the kernel's gateway is via */
};

/* What the kernel has. */
#define E_VIEW	(E_OURS | E_ODD | E_VIA)

enum {
	NH_HAVE = 1 << 0,	/* the kernel has our object under id */
	NH_ODD = 1 << 1,	/* ... of a shape we never make (group, ...) */
	NH_DIRTY = 1 << 2,	/* on the nexthop dirty list */
	NH_FAILED = 1 << 3,	/* the last lookup or change failed */
	NH_FOREIGN = 1 << 4,	/* an id another protocol owns (id table only) */
	NH_CHANGED = 1 << 5,	/* its routes may need another look */
	NH_SAME = 1 << 6,	/* the kernel's object has our via */
};

/* One nexthop object of ours: the gateway the wanted IPv4 routes to one
 * node share, so that one object change moves all of them, and so that
 * the kernel inserts IPv4 routes in O(1) rather than comparing each new
 * gateway with every route's. IPv6 routes stay classic: the kernel never
 * had that quadratic cost for them, and an object per route costs it
 * more work (10 000 routes: 0.07 s classic, 0.17 s on objects); objects
 * of ours of IPv6 (an older worker's) lose their routes and go. */
struct nh {
	struct nh *next_key, *next_id;	/* hash chains */
	struct nh *dirty;
	uint32_t id;		/* 0 until one is picked or adopted */
	uint32_t refs;		/* wanted routes using it */
	unsigned want_oif;	/* as the routes want; 0 for the kernel's pick */
	unsigned oif;		/* the device the object gets; 0 unknown */
	unsigned have_oif;
	struct addr via;
	uint8_t flags;
	uint8_t tries;
};

/* One per node and family: keep it within 64 bytes. */
_Static_assert(sizeof(struct nh) <= 64, "struct nh grew");

struct foreign {
	uint32_t metric;
	uint8_t protocol;
};

/* Everything known about one destination: what we want there, what the
 * kernel has of ours, which other protocols hold it. One gateway for both:
 * the kernel's route of ours almost always has the wanted one, so a flag
 * (E_VIA) says whether it does, and via is the kernel's only while nothing
 * is wanted (a dump before the wanted set, or an unwanted route). */
struct rt_entry {
	struct rt_entry *next;		/* hash chain */
	struct rt_entry *dirty;		/* dirty list */
	struct foreign *foreign;	/* routes of other protocols here */
	struct nh *want_nh;		/* NULL: a classic route */
	uint64_t retry_at;
	unsigned want_oif, have_oif;
	uint32_t have_nhid;		/* the kernel's route uses this object */
	struct cidr dst;
	struct addr via;		/* E_WANT: wanted; else the kernel's */
	uint16_t flags;
	uint16_t nforeign;
	uint8_t tries;
};

/* Two per dual-stack node: keep an entry small. */
_Static_assert(sizeof(struct rt_entry) <= 96, "struct rt_entry grew");

/* A route as the kernel reports it. */
struct krt {
	struct cidr dst, src;
	struct addr via;
	unsigned oif, metric, table;
	uint32_t nhid;
	uint8_t protocol, type, tos;
	bool multipath;
};

enum op_kind {
	OP_ADD, OP_REPLACE, OP_DEL, OP_STRAY,
	OP_NH_LOOKUP, OP_NH_ADD, OP_NH_REPLACE, OP_NH_DEL, OP_NH_STRAY,
	OP_DONE
};

struct op {
	struct rt_entry *e;	/* NULL for a stray or a nexthop */
	struct nh *nh;		/* the nexthop ops' object, NULL for a stray */
	struct cidr dst;	/* a nexthop op's gateway */
	uint32_t nhid;		/* the object a route (op) or an object op uses */
	uint8_t kind;
};

#define OP_IS_NH(k)	((k) >= OP_NH_LOOKUP && (k) < OP_DONE)
#define OP_IS_DEL(k)	((k) == OP_DEL || (k) == OP_STRAY || \
			 (k) == OP_NH_DEL || (k) == OP_NH_STRAY)

/* Entries come from slabs, not one malloc each: at tens of thousands of
 * routes malloc's header per chunk would be a sixth of an entry. Freed
 * items are reused, never returned. */
#define POOL_SLAB	64		/* items per slab */

struct slab {
	struct slab *next;
	max_align_t items[];
};

struct pool {
	size_t size;			/* of an item, a multiple of 16 */
	void *free;			/* freed items, linked through their start */
	struct slab *slabs;
	size_t used;			/* items handed out of slabs->items */
};

struct rt {
	struct mnl_socket *req, *mon;
	unsigned protocol, table, metric;
	unsigned portid, seq;

	struct pool entries, nhs;
	struct rt_entry **hash;
	size_t nbuckets, nentries;
	struct rt_entry *dirty;

	struct krt *strays;		/* routes of ours we never make */
	size_t nstrays, stray_cap;

	bool use_nh;			/* IPv4 routes with a via use objects */
	bool nh_changed;		/* some nexthop has NH_CHANGED */
	struct nh **nh_key, **nh_id;	/* by gateway, by id */
	size_t nh_buckets, nh_count;
	struct nh *nh_dirty;
	uint64_t nh_retry_at;		/* when failed nexthops are tried again */

	char *batch;
	size_t batch_len;
	struct op *ops;
	unsigned nops, max_ops;
	char *rbuf;

	bool synced;			/* rt_resync ran: the desired set is whole */
	bool view_ok;			/* the last dump completed */
	bool resync_due;
	bool link_lost;			/* a link with routes of ours went down */
	bool addrs_changed;		/* see rt_addresses_changed */
	unsigned flush_failed, flush_recovered;	/* for one summary line */
	uint64_t next_resync;
	uint64_t retry_min;
	unsigned nretry;
	struct rt_stats st;
};

static const char *const op_names[] = {
	[OP_ADD] = "add", [OP_REPLACE] = "replace",
	[OP_DEL] = "delete", [OP_STRAY] = "delete",
	[OP_NH_LOOKUP] = "look up the device of nexthop",
	[OP_NH_ADD] = "add nexthop", [OP_NH_REPLACE] = "replace nexthop",
	[OP_NH_DEL] = "delete nexthop", [OP_NH_STRAY] = "delete nexthop",
};

static unsigned
metric_of(const struct rt *rt, unsigned family)
{
	if (family == AF_INET6 && rt->metric == 0)
		return IP6_RT_PRIO_USER;
	return rt->metric;
}

/* "198.18.1.0/24 via 192.0.2.2 dev 3" for messages; buf holds 128. */
static const char *
route_str(const struct cidr *dst, const struct addr *via, unsigned oif,
    char *buf, size_t len)
{
	char d[ADDR_STRLEN], v[ADDR_STRLEN];
	int n;

	n = snprintf(buf, len, "%s", cidr_format(dst, d));
	if (via != NULL && via->family != 0)
		n += snprintf(buf + n, len - (size_t)n, " via %s",
		    addr_format(via, v));
	if (oif != 0)
		snprintf(buf + n, len - (size_t)n, " dev %u", oif);
	return buf;
}

/* --- the pools ----------------------------------------------------- */

static void
pool_init(struct pool *p, size_t size)
{
	/* Items are rounded to max_align_t's alignment (16 bytes here), not
	 * to its size (32): every 16 bytes an item does not need are kept. */
	p->size = (size + _Alignof(max_align_t) - 1) / _Alignof(max_align_t) *
	    _Alignof(max_align_t);
	p->used = POOL_SLAB;
}

/* A zeroed item, or NULL on ENOMEM. */
static void *
pool_get(struct pool *p)
{
	struct slab *s;
	void *x;

	if ((x = p->free) != NULL) {
		p->free = *(void **)x;
	} else {
		if (p->used == POOL_SLAB) {
			if ((s = malloc(sizeof(*s) + POOL_SLAB * p->size)) ==
			    NULL)
				return NULL;
			s->next = p->slabs;
			p->slabs = s;
			p->used = 0;
		}
		x = (char *)p->slabs->items + p->used++ * p->size;
	}
	return memset(x, 0, p->size);
}

static void
pool_put(struct pool *p, void *x)
{
	*(void **)x = p->free;
	p->free = x;
}

static void
pool_destroy(struct pool *p)
{
	struct slab *s;

	while ((s = p->slabs) != NULL) {
		p->slabs = s->next;
		free(s);
	}
}

/* --- the table of destinations -------------------------------------- */

static size_t
dst_hash(const struct cidr *c)
{
	uint32_t h = fnv1a(FNV1A_INIT, &c->addr.family, 1);

	return fnv1a(fnv1a(h, &c->len, 1), c->addr.bytes, addr_len(&c->addr));
}

/* A route whose nexthop object is in place must use it; otherwise (no
 * object, or it could not be made) the route is a classic one. */
static bool
matches(const struct rt_entry *e)
{
	const struct nh *nh = e->want_nh;

	if ((e->flags & (E_OURS | E_ODD)) != E_OURS)
		return false;
	if (nh != NULL && (nh->flags & NH_HAVE))
		return e->have_nhid == nh->id;
	return e->have_nhid == 0 && (e->flags & E_VIA) &&
	    (e->want_oif == 0 || e->want_oif == e->have_oif);
}

/* Whether the kernel's route of ours is known to have gateway via. */
static bool
have_via_is(const struct rt_entry *e, const struct addr *via)
{
	if (!(e->flags & E_OURS) ||
	    ((e->flags & E_WANT) && !(e->flags & E_VIA)))
		return false;
	return addr_cmp(&e->via, via) == 0;
}

/* The kernel's route of ours has gateway via. */
static void
have_via_set(struct rt_entry *e, const struct addr *via)
{
	if (!(e->flags & E_WANT))
		e->via = *via;
	else if (addr_cmp(&e->via, via) == 0)
		e->flags |= E_VIA;
	else
		e->flags &= (uint16_t)~E_VIA;
}

/* Adds (sign 1) or removes (sign -1) what e contributes to the counts;
 * every change of an entry is bracketed by the two calls. E_COUNTED
 * remembers what was counted, as a nexthop change can change matches()
 * between the two. */
static void
account(struct rt *rt, struct rt_entry *e, int sign)
{
	if (sign < 0 && (e->flags & E_COUNTED)) {
		rt->st.installed--;
		e->flags &= (uint16_t)~E_COUNTED;
	}
	if (!(e->flags & E_WANT))
		return;
	rt->st.wanted += (unsigned)sign;
	if (sign > 0 && matches(e)) {
		rt->st.installed++;
		e->flags |= E_COUNTED;
	}
	if (e->nforeign > 0)
		rt->st.conflicts += (unsigned)sign;
}

static int
table_grow(struct rt *rt)
{
	size_t n = rt->nbuckets * 2, i;
	struct rt_entry **h, *e, *next;

	if ((h = calloc(n, sizeof(*h))) == NULL)
		return -1;
	for (i = 0; i < rt->nbuckets; i++) {
		for (e = rt->hash[i]; e != NULL; e = next) {
			next = e->next;
			e->next = h[dst_hash(&e->dst) & (n - 1)];
			h[dst_hash(&e->dst) & (n - 1)] = e;
		}
	}
	free(rt->hash);
	rt->hash = h;
	rt->nbuckets = n;
	return 0;
}

static struct rt_entry *
entry_get(struct rt *rt, const struct cidr *dst, bool create)
{
	struct rt_entry **b = &rt->hash[dst_hash(dst) & (rt->nbuckets - 1)];
	struct rt_entry *e;

	for (e = *b; e != NULL; e = e->next)
		if (cidr_cmp(&e->dst, dst) == 0)
			return e;
	if (!create)
		return NULL;
	if ((e = pool_get(&rt->entries)) == NULL) {
		log_warn("routes: table entry");
		return NULL;
	}
	e->dst = *dst;
	e->next = *b;
	*b = e;
	/* Two entries a bucket on average at most: a pointer per entry is
	 * a tenth of its size, and chains stay short. */
	if (++rt->nentries > rt->nbuckets * 2 && table_grow(rt) < 0)
		log_warn("routes: growing the table");	/* slower, still right */
	return e;
}

static void
set_retry(struct rt *rt, struct rt_entry *e, bool on)
{
	if (on == !!(e->flags & E_RETRY))
		return;
	if (on) {
		e->flags |= E_RETRY;
		rt->nretry++;
	} else {
		e->flags &= (uint16_t)~E_RETRY;
		e->tries = 0;
		if (--rt->nretry == 0)
			rt->retry_min = UINT64_MAX;
	}
}

/* Frees an entry nothing refers to any more. */
static void
entry_gc(struct rt *rt, struct rt_entry *e)
{
	struct rt_entry **p;

	if ((e->flags & (E_WANT | E_OURS | E_DIRTY)) || e->nforeign > 0)
		return;
	set_retry(rt, e, false);
	for (p = &rt->hash[dst_hash(&e->dst) & (rt->nbuckets - 1)]; *p != e;
	    p = &(*p)->next)
		;
	*p = e->next;
	rt->nentries--;
	free(e->foreign);
	pool_put(&rt->entries, e);
}

static void
mark_dirty(struct rt *rt, struct rt_entry *e)
{
	if (e->flags & E_DIRTY)
		return;
	e->flags |= E_DIRTY;
	e->dirty = rt->dirty;
	rt->dirty = e;
}

static void
foreign_del(struct rt_entry *e, unsigned metric)
{
	uint16_t i;

	for (i = 0; i < e->nforeign; i++) {
		if (e->foreign[i].metric == metric) {
			e->foreign[i] = e->foreign[--e->nforeign];
			return;
		}
	}
}

static void
foreign_add(struct rt_entry *e, unsigned metric, uint8_t protocol)
{
	struct foreign *f;
	uint16_t i;

	for (i = 0; i < e->nforeign; i++) {
		if (e->foreign[i].metric == metric) {
			e->foreign[i].protocol = protocol;
			return;
		}
	}
	if (e->nforeign == UINT16_MAX ||
	    (f = realloc(e->foreign, (e->nforeign + 1u) * sizeof(*f))) == NULL) {
		log_warnx("routes: too many routes to one destination");
		return;
	}
	e->foreign = f;
	e->foreign[e->nforeign].metric = metric;
	e->foreign[e->nforeign++].protocol = protocol;
}

/* --- the table of nexthop objects ----------------------------------- */

/* Objects have no table, and a protocol may serve more than one: an id
 * is the table's tag (11 bits) and a number (20 bits), and only the
 * objects of the protocol with the table's tag are ours. */
#define NH_LOW_BITS	20
#define NH_LOW_MASK	((1u << NH_LOW_BITS) - 1)

static uint32_t
nh_tag(const struct rt *rt)
{
	return rt->table % 2047 + 1;
}

static size_t
via_hash(const struct addr *a)
{
	return fnv1a(fnv1a(FNV1A_INIT, &a->family, 1), a->bytes,
	    sizeof(a->bytes));
}

static size_t
id_hash(uint32_t id)
{
	return id * 2654435761u;
}

static struct nh **
nh_key_bucket(const struct rt *rt, const struct addr *via)
{
	return &rt->nh_key[via_hash(via) & (rt->nh_buckets - 1)];
}

static struct nh **
nh_id_bucket(const struct rt *rt, uint32_t id)
{
	return &rt->nh_id[id_hash(id) & (rt->nh_buckets - 1)];
}

static struct nh *
nh_by_id(const struct rt *rt, uint32_t id)
{
	struct nh *nh;

	for (nh = *nh_id_bucket(rt, id); nh != NULL; nh = nh->next_id)
		if (nh->id == id)
			return nh;
	return NULL;
}

static void
nh_id_link(struct rt *rt, struct nh *nh)
{
	struct nh **b = nh_id_bucket(rt, nh->id);

	nh->next_id = *b;
	*b = nh;
}

static void
nh_id_unlink(struct rt *rt, struct nh *nh)
{
	struct nh **p;

	if (nh->id == 0)
		return;
	for (p = nh_id_bucket(rt, nh->id); *p != nh; p = &(*p)->next_id)
		;
	*p = nh->next_id;
	nh->id = 0;
}

static void
nh_key_link(struct rt *rt, struct nh *nh)
{
	struct nh **b = nh_key_bucket(rt, &nh->via);

	nh->next_key = *b;
	*b = nh;
}

static void
nh_key_unlink(struct rt *rt, struct nh *nh)
{
	struct nh **p;

	for (p = nh_key_bucket(rt, &nh->via); *p != nh; p = &(*p)->next_key)
		;
	*p = nh->next_key;
}

/* Doubles both tables; every entry has an id or is ours (or both). */
static int
nh_grow(struct rt *rt)
{
	size_t n = rt->nh_buckets * 2, i;
	struct nh **key, **id, *nh, *next;

	if ((key = calloc(n, sizeof(*key))) == NULL ||
	    (id = calloc(n, sizeof(*id))) == NULL) {
		free(key);
		return -1;
	}
	for (i = 0; i < rt->nh_buckets; i++) {
		for (nh = rt->nh_key[i]; nh != NULL; nh = next) {
			next = nh->next_key;
			nh->next_key = key[via_hash(&nh->via) & (n - 1)];
			key[via_hash(&nh->via) & (n - 1)] = nh;
		}
		for (nh = rt->nh_id[i]; nh != NULL; nh = next) {
			next = nh->next_id;
			nh->next_id = id[id_hash(nh->id) & (n - 1)];
			id[id_hash(nh->id) & (n - 1)] = nh;
		}
	}
	free(rt->nh_key);
	free(rt->nh_id);
	rt->nh_key = key;
	rt->nh_id = id;
	rt->nh_buckets = n;
	return 0;
}

/* A new entry: ours (in the key table) unless foreign; linked by id when
 * it has one. */
static struct nh *
nh_new(struct rt *rt, const struct addr *via, uint32_t id, uint8_t flags)
{
	struct nh *nh;

	if ((nh = pool_get(&rt->nhs)) == NULL) {
		log_warn("routes: nexthop entry");
		return NULL;
	}
	nh->via = *via;
	nh->id = id;
	nh->flags = flags;
	if (!(flags & NH_FOREIGN))
		nh_key_link(rt, nh);
	if (id != 0)
		nh_id_link(rt, nh);
	if (++rt->nh_count > rt->nh_buckets * 2 && nh_grow(rt) < 0)
		log_warn("routes: growing the nexthop table");
	return nh;
}

static void
nh_free(struct rt *rt, struct nh *nh)
{
	if (!(nh->flags & NH_FOREIGN))
		nh_key_unlink(rt, nh);
	nh_id_unlink(rt, nh);
	rt->nh_count--;
	pool_put(&rt->nhs, nh);
}

/* Frees an object of ours nothing wants and the kernel lacks. */
static void
nh_gc(struct rt *rt, struct nh *nh)
{
	if (nh->refs == 0 && !(nh->flags & (NH_HAVE | NH_DIRTY)))
		nh_free(rt, nh);
}

static void
nh_mark_dirty(struct rt *rt, struct nh *nh)
{
	if (nh->flags & NH_DIRTY)
		return;
	nh->flags |= NH_DIRTY;
	nh->dirty = rt->nh_dirty;
	rt->nh_dirty = nh;
}

/* The routes using nh need another look (see nh_follow). */
static void
nh_touch(struct rt *rt, struct nh *nh)
{
	nh->flags |= NH_CHANGED;
	rt->nh_changed = true;
}

/* Ours for via and oif: wanted with that oif, or not yet wanted and in
 * the kernel on that device. */
static struct nh *
nh_find(const struct rt *rt, const struct addr *via, unsigned oif)
{
	struct nh *nh;

	for (nh = *nh_key_bucket(rt, via); nh != NULL; nh = nh->next_key) {
		if (addr_cmp(&nh->via, via) != 0 || (nh->flags & NH_ODD))
			continue;
		if (nh->want_oif == oif ||
		    (nh->refs == 0 && nh->want_oif == 0 && nh->oif == oif))
			return nh;
	}
	return NULL;
}

static void
nh_unref(struct rt *rt, struct nh *nh)
{
	if (--nh->refs == 0)
		nh_mark_dirty(rt, nh);
}

/* The object for a route via via (out of oif, 0 for the kernel's pick)
 * that used old (or NULL). When old served only this route and nothing
 * serves the new gateway, old itself changes: the node's address changed,
 * and one object replaced moves its routes. Returns NULL on ENOMEM. */
static struct nh *
nh_ref(struct rt *rt, struct nh *old, const struct addr *via, unsigned oif)
{
	struct nh *nh = nh_find(rt, via, oif);

	if (nh == NULL && old != NULL && old->refs == 1) {
		nh_key_unlink(rt, old);
		old->via = *via;
		old->want_oif = old->oif = oif;
		old->flags &= (uint8_t)~(NH_FAILED | NH_SAME);
		nh_key_link(rt, old);
		nh_mark_dirty(rt, old);
		return old;
	}
	if (nh == NULL && (nh = nh_new(rt, via, 0, 0)) == NULL)
		return NULL;
	if (nh->refs++ == 0) {
		nh->want_oif = oif;
		if (oif != 0)
			nh->oif = oif;
		nh_mark_dirty(rt, nh);
	}
	if (old != NULL)
		nh_unref(rt, old);
	return nh;
}

/* A free id of the table's tag, the same for the same gateway unless
 * taken. Returns -1 when all 2^20 are taken. */
static int
nh_pick_id(struct rt *rt, struct nh *nh)
{
	uint32_t low = (uint32_t)via_hash(&nh->via), tag = nh_tag(rt) <<
	    NH_LOW_BITS, n;

	for (n = 0; n <= NH_LOW_MASK; n++, low++) {
		if (nh_by_id(rt, tag | (low & NH_LOW_MASK)) == NULL) {
			nh->id = tag | (low & NH_LOW_MASK);
			nh_id_link(rt, nh);
			return 0;
		}
	}
	return -1;
}

/* --- what the kernel says ------------------------------------------- */

static int
route_attr(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	unsigned type = mnl_attr_get_type(attr);

	if (mnl_attr_type_valid(attr, RTA_MAX) > 0)
		tb[type] = attr;
	return MNL_CB_OK;
}

static bool
attr_addr(const struct nlattr *a, unsigned family, struct addr *out)
{
	size_t len = family == AF_INET ? 4 : 16;

	memset(out, 0, sizeof(*out));
	if (a == NULL)
		return true;
	if (mnl_attr_get_payload_len(a) != len)
		return false;
	out->family = (uint8_t)family;
	memcpy(out->bytes, mnl_attr_get_payload(a), len);
	return true;
}

static bool
attr_u32(const struct nlattr *a, unsigned *out)
{
	if (a == NULL)
		return true;
	if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
		return false;
	*out = mnl_attr_get_u32(a);
	return true;
}

/* Parses a route message; false for one that is not a route of a family
 * we handle, or malformed. */
static bool
krt_parse(const struct nlmsghdr *nlh, struct krt *k)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[RTA_MAX + 1] = { 0 };
	unsigned family;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*rtm))
		return false;
	family = rtm->rtm_family;
	if ((family != AF_INET && family != AF_INET6) ||
	    (rtm->rtm_flags & RTM_F_CLONED) ||
	    rtm->rtm_dst_len > (family == AF_INET ? 32 : 128) ||
	    mnl_attr_parse(nlh, sizeof(*rtm), route_attr, tb) < 0)
		return false;
	memset(k, 0, sizeof(*k));
	k->table = rtm->rtm_table;
	if (!attr_addr(tb[RTA_DST], family, &k->dst.addr) ||
	    !attr_addr(tb[RTA_SRC], family, &k->src.addr) ||
	    !attr_addr(tb[RTA_GATEWAY], family, &k->via) ||
	    !attr_u32(tb[RTA_OIF], &k->oif) ||
	    !attr_u32(tb[RTA_PRIORITY], &k->metric) ||
	    !attr_u32(tb[RTA_TABLE], &k->table) ||
	    !attr_u32(tb[RTA_NH_ID], &k->nhid))
		return false;
	k->dst.addr.family = (uint8_t)family;
	k->dst.len = rtm->rtm_dst_len;
	k->src.len = rtm->rtm_src_len;
	if (k->src.len > 0)
		k->src.addr.family = (uint8_t)family;
	k->protocol = rtm->rtm_protocol;
	k->type = rtm->rtm_type;
	k->tos = rtm->rtm_tos;
	k->multipath = tb[RTA_MULTIPATH] != NULL;
	return true;
}

static void
stray_add(struct rt *rt, const struct krt *k)
{
	struct krt *s;
	size_t cap;

	if (rt->nstrays == rt->stray_cap) {
		cap = rt->stray_cap ? rt->stray_cap * 2 : 8;
		if ((s = realloc(rt->strays, cap * sizeof(*s))) == NULL) {
			log_warn("routes: stray list");
			return;	/* the next resync finds it again */
		}
		rt->strays = s;
		rt->stray_cap = cap;
	}
	rt->strays[rt->nstrays++] = *k;
}

/* Brings the view up to date with one route the kernel reports as present
 * (a dump, RTM_NEWROUTE) or gone (RTM_DELROUTE). */
static void
view_route(struct rt *rt, const struct krt *k, bool present)
{
	unsigned metric = metric_of(rt, k->dst.addr.family);
	bool at_ours = k->metric == metric && k->tos == 0 && k->src.len == 0;
	struct rt_entry *e;
	uint8_t odd;

	if (k->table != rt->table)
		return;
	if (k->protocol == rt->protocol && !at_ours) {
		/* Ours by protocol, but not a route we make: remove it, once
		 * the desired set is known to be whole. */
		if (present && rt->synced)
			stray_add(rt, k);
		return;
	}
	if ((e = entry_get(rt, &k->dst, present)) == NULL)
		return;
	account(rt, e, -1);
	if (k->protocol == rt->protocol) {
		odd = k->type != RTN_UNICAST || k->multipath ? E_ODD : 0;
		if (present && (e->flags & (E_OURS | E_ODD)) == (E_OURS | odd) &&
		    have_via_is(e, &k->via) &&
		    e->have_oif == k->oif && e->have_nhid == k->nhid) {
			account(rt, e, 1);
			return;		/* an echo of what we know */
		}
		e->flags &= (uint16_t)~E_VIEW;
		if (present) {
			e->flags |= E_OURS | odd;
			have_via_set(e, &k->via);
			e->have_oif = k->oif;
			e->have_nhid = k->nhid;
			/* it replaced whatever held our metric */
			foreign_del(e, k->metric);
		}
	} else if (present) {
		foreign_add(e, k->metric, k->protocol);
		if (at_ours)	/* it replaced ours */
			e->flags &= (uint16_t)~E_VIEW;
	} else {
		foreign_del(e, k->metric);
	}
	account(rt, e, 1);
	mark_dirty(rt, e);
}

/* A nexthop object as the kernel reports it. */
struct knh {
	struct addr via;
	uint32_t id;
	unsigned oif;
	uint8_t protocol;
	bool odd;		/* not a single gateway (group, blackhole, ...) */
};

static int
nh_attr(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;

	if (mnl_attr_type_valid(attr, NHA_MAX) > 0)
		tb[mnl_attr_get_type(attr)] = attr;
	return MNL_CB_OK;
}

static bool
knh_parse(const struct nlmsghdr *nlh, struct knh *k)
{
	const struct nhmsg *nhm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[NHA_MAX + 1] = { 0 };
	unsigned family;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*nhm) ||
	    mnl_attr_parse(nlh, sizeof(*nhm), nh_attr, tb) < 0)
		return false;
	memset(k, 0, sizeof(*k));
	family = nhm->nh_family;
	if (tb[NHA_ID] == NULL || !attr_u32(tb[NHA_ID], &k->id) || k->id == 0 ||
	    !attr_u32(tb[NHA_OIF], &k->oif))
		return false;
	if ((family == AF_INET || family == AF_INET6) &&
	    !attr_addr(tb[NHA_GATEWAY], family, &k->via))
		return false;
	k->protocol = nhm->nh_protocol;
	k->odd = k->via.family == 0 || tb[NHA_GROUP] != NULL ||
	    tb[NHA_BLACKHOLE] != NULL || tb[NHA_ENCAP] != NULL ||
	    tb[NHA_FDB] != NULL;
	return true;
}

/* Another protocol's object at id: never touched, and no id of ours. */
static void
view_foreign_nh(struct rt *rt, struct nh *nh, const struct knh *k,
    bool present)
{
	if (nh != NULL && !(nh->flags & NH_FOREIGN)) {
		if (!present)
			return;
		/* It took an id we meant to use (or replaced our object):
		 * ours picks another. */
		nh_id_unlink(rt, nh);
		if (nh->flags & NH_HAVE)
			rt->resync_due = true;	/* routes went with it */
		nh->flags &= (uint8_t)~(NH_HAVE | NH_ODD);
		nh_touch(rt, nh);
		nh_mark_dirty(rt, nh);
		nh = NULL;
	}
	if (present && nh == NULL)
		nh_new(rt, &k->via, k->id, NH_FOREIGN);
	else if (!present && nh != NULL)
		nh_free(rt, nh);
}

/* Brings the view up to date with one nexthop object the kernel reports
 * as present or gone. */
static void
view_nh(struct rt *rt, const struct knh *k, bool present)
{
	struct nh *nh = nh_by_id(rt, k->id);
	uint8_t odd = k->odd ? NH_ODD : 0;
	uint8_t same;

	if (k->protocol != rt->protocol ||
	    k->id >> NH_LOW_BITS != nh_tag(rt)) {
		view_foreign_nh(rt, nh, k, present);
		return;
	}
	if (nh != NULL && (nh->flags & NH_FOREIGN)) {
		nh_free(rt, nh);
		nh = NULL;
	}
	if (nh == NULL) {
		if (!present || (nh = nh_new(rt, &k->via, k->id, 0)) == NULL)
			return;
		nh->oif = k->oif;	/* adopted: wanted routes may use it */
	}
	if (!present) {
		if (nh->flags & NH_HAVE) {
			/* Deleted under us: the kernel took its routes too,
			 * without telling. */
			rt->resync_due = true;
			nh->flags &= (uint8_t)~(NH_HAVE | NH_ODD);
			nh_touch(rt, nh);
		}
		nh_mark_dirty(rt, nh);
		return;
	}
	same = addr_cmp(&nh->via, &k->via) == 0 ? NH_SAME : 0;
	if ((nh->flags & (NH_HAVE | NH_ODD | NH_SAME)) ==
	    (NH_HAVE | odd | same) && nh->have_oif == k->oif)
		return;		/* an echo of what we know */
	if (!(nh->flags & NH_HAVE))
		nh_touch(rt, nh);
	nh->flags &= (uint8_t)~(NH_ODD | NH_SAME);
	nh->flags |= NH_HAVE | odd | same;
	nh->have_oif = k->oif;
	nh_mark_dirty(rt, nh);
}

/* True when some route or nexthop object of ours goes out of ifindex. */
static bool
routes_on(const struct rt *rt, unsigned ifindex)
{
	const struct rt_entry *e;
	const struct nh *nh;
	size_t i;

	for (i = 0; i < rt->nh_buckets; i++)
		for (nh = rt->nh_key[i]; nh != NULL; nh = nh->next_key)
			if ((nh->flags & NH_HAVE) && nh->have_oif == ifindex)
				return true;
	for (i = 0; i < rt->nbuckets; i++)
		for (e = rt->hash[i]; e != NULL; e = e->next)
			if ((e->flags & E_OURS) && e->have_oif == ifindex)
				return true;
	return false;
}

/* The kernel deleted the objects of ours on ifindex (and their routes),
 * silently. Returns whether there were any. */
static bool
nh_lost(struct rt *rt, unsigned ifindex)
{
	struct nh *nh;
	bool any = false;
	size_t i;

	for (i = 0; i < rt->nh_buckets; i++) {
		for (nh = rt->nh_key[i]; nh != NULL; nh = nh->next_key) {
			if (!(nh->flags & NH_HAVE) || nh->have_oif != ifindex)
				continue;
			nh->flags &= (uint8_t)~(NH_HAVE | NH_ODD);
			nh_touch(rt, nh);
			nh_mark_dirty(rt, nh);
			any = true;
		}
	}
	return any;
}

/* A link going down drops its IPv4 routes without telling anyone, so
 * remember that and dump again when a link comes (back) up. Its nexthop
 * objects go already when its carrier does. */
static void
view_link(struct rt *rt, const struct nlmsghdr *nlh)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	unsigned up = IFF_UP | IFF_RUNNING;
	bool down;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi))
		return;
	down = nlh->nlmsg_type == RTM_DELLINK || !(ifi->ifi_flags & IFF_UP);
	if ((down || !(ifi->ifi_flags & (IFF_RUNNING | IFF_LOWER_UP))) &&
	    nh_lost(rt, (unsigned)ifi->ifi_index))
		rt->link_lost = true;
	if (down) {
		if (!rt->link_lost && routes_on(rt, (unsigned)ifi->ifi_index)) {
			log_debug("routes: link %d with routes went down",
			    ifi->ifi_index);
			rt->link_lost = true;
		}
	} else if ((ifi->ifi_flags & up) == up) {
		if (rt->link_lost) {
			log_debug("routes: link %d up, resyncing",
			    ifi->ifi_index);
			rt->link_lost = false;
			rt->resync_due = true;
		} else {
			/* Failures may be gone now. */
			if (rt->nretry > 0)
				rt->retry_min = 0;
			if (rt->nh_retry_at != UINT64_MAX)
				rt->nh_retry_at = 0;
		}
	}
}

/* Reads every pending notification. discard: only empty the queue (its
 * contents predate a dump about to be made). Sets resync_due when some
 * were lost. */
static int
monitor_drain(struct rt *rt, bool discard)
{
	const struct nlmsghdr *nlh;
	struct knh kn;
	struct krt k;
	ssize_t n;
	int len;

	for (;;) {
		n = mnl_socket_recvfrom(rt->mon, rt->rbuf, NL_RECV_SIZE);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS || errno == ENOSPC) {
				log_debug("routes: notifications lost, resyncing");
				rt->resync_due = true;
				rt->addrs_changed = true;
				continue;
			}
			log_warn("routes: reading notifications");
			return -1;
		}
		if (discard) {
			/* Might have told of an address change. */
			rt->addrs_changed = true;
			continue;
		}
		len = (int)n;
		for (nlh = (const struct nlmsghdr *)rt->rbuf;
		    mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
			switch (nlh->nlmsg_type) {
			case RTM_NEWROUTE:
			case RTM_DELROUTE:
				if (krt_parse(nlh, &k))
					view_route(rt, &k,
					    nlh->nlmsg_type == RTM_NEWROUTE);
				break;
			case RTM_NEWNEXTHOP:
			case RTM_DELNEXTHOP:
				if (rt->use_nh && knh_parse(nlh, &kn))
					view_nh(rt, &kn,
					    nlh->nlmsg_type == RTM_NEWNEXTHOP);
				break;
			case RTM_NEWLINK:
			case RTM_DELLINK:
				view_link(rt, nlh);
				break;
			case RTM_NEWADDR:
			case RTM_DELADDR:
				rt->addrs_changed = true;
				break;
			}
		}
	}
}

/* --- requests ------------------------------------------------------- */

static void
put_route(struct rt *rt, int cmd, unsigned flags, const struct krt *k)
{
	unsigned family = k->dst.addr.family;
	size_t alen = addr_len(&k->dst.addr);
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;

	nlh = mnl_nlmsg_put_header(rt->batch + rt->batch_len);
	nlh->nlmsg_type = (uint16_t)cmd;
	nlh->nlmsg_flags = (uint16_t)(NLM_F_REQUEST | NLM_F_ACK | flags);
	nlh->nlmsg_seq = ++rt->seq;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)family;
	rtm->rtm_dst_len = k->dst.len;
	rtm->rtm_src_len = k->src.len;
	rtm->rtm_tos = k->tos;
	rtm->rtm_table = rt->table < 256 ? (uint8_t)rt->table : RT_TABLE_UNSPEC;
	rtm->rtm_protocol = (uint8_t)rt->protocol;
	if (cmd == RTM_DELROUTE) {
		rtm->rtm_scope = RT_SCOPE_NOWHERE;	/* any scope */
	} else {
		rtm->rtm_scope = k->via.family != 0 || k->nhid != 0 ?
		    RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
		rtm->rtm_type = RTN_UNICAST;
	}
	mnl_attr_put(nlh, RTA_DST, alen, k->dst.addr.bytes);
	if (k->src.len > 0)
		mnl_attr_put(nlh, RTA_SRC, alen, k->src.addr.bytes);
	mnl_attr_put_u32(nlh, RTA_TABLE, rt->table);
	mnl_attr_put_u32(nlh, RTA_PRIORITY, k->metric);
	/* A route using an object is matched by it, never by its gateway. */
	if (k->nhid != 0)
		mnl_attr_put_u32(nlh, RTA_NH_ID, k->nhid);
	if (k->nhid == 0 && k->via.family != 0)
		mnl_attr_put(nlh, RTA_GATEWAY, alen, k->via.bytes);
	if (k->nhid == 0 && k->oif != 0)
		mnl_attr_put_u32(nlh, RTA_OIF, k->oif);
	rt->batch_len += nlh->nlmsg_len;
}

/* A nexthop request: the route lookup that finds the device of a gateway
 * (its reply read by batch_flush), or a change of an object. */
static void
put_nh(struct rt *rt, enum op_kind kind, uint32_t id, const struct addr *via,
    unsigned oif)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(rt->batch + rt->batch_len);
	struct nhmsg *nhm;
	struct rtmsg *rtm;

	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++rt->seq;
	if (kind == OP_NH_LOOKUP) {
		nlh->nlmsg_type = RTM_GETROUTE;
		rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
		rtm->rtm_family = via->family;
		rtm->rtm_dst_len = (uint8_t)(addr_len(via) * 8);
		mnl_attr_put(nlh, RTA_DST, addr_len(via), via->bytes);
	} else {
		nlh->nlmsg_type = kind == OP_NH_ADD || kind == OP_NH_REPLACE ?
		    RTM_NEWNEXTHOP : RTM_DELNEXTHOP;
		if (kind == OP_NH_ADD)
			nlh->nlmsg_flags |= NLM_F_CREATE | NLM_F_EXCL;
		else if (kind == OP_NH_REPLACE)
			nlh->nlmsg_flags |= NLM_F_CREATE | NLM_F_REPLACE;
		nhm = mnl_nlmsg_put_extra_header(nlh, sizeof(*nhm));
		mnl_attr_put_u32(nlh, NHA_ID, id);
		if (nlh->nlmsg_type == RTM_NEWNEXTHOP) {
			nhm->nh_protocol = (uint8_t)rt->protocol;
			nhm->nh_family = via->family;
			mnl_attr_put(nlh, NHA_GATEWAY, addr_len(via),
			    via->bytes);
			mnl_attr_put_u32(nlh, NHA_OIF, oif);
		}
	}
	rt->batch_len += nlh->nlmsg_len;
}

/* The reply to a lookup of a nexthop's gateway: the device, when the
 * gateway is on a link of this host. */
static void
lookup_reply(const struct op *o, const struct nlmsghdr *nlh)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[RTA_MAX + 1] = { 0 };
	unsigned oif = 0;

	if (o->nh == NULL || mnl_nlmsg_get_payload_len(nlh) < sizeof(*rtm) ||
	    mnl_attr_parse(nlh, sizeof(*rtm), route_attr, tb) < 0 ||
	    rtm->rtm_type != RTN_UNICAST || tb[RTA_GATEWAY] != NULL ||
	    tb[RTA_NH_ID] != NULL || !attr_u32(tb[RTA_OIF], &oif))
		return;
	o->nh->oif = oif;
}

static void
nh_failed(struct rt *rt, const struct op *o, int err, const char *why)
{
	struct nh *nh = o->nh;
	char v[ADDR_STRLEN], what[80];
	uint64_t at;

	rt->st.errors++;
	if (nh == NULL) {
		log_warnx("routes: %s %u: %s%s%s", op_names[o->kind], o->nhid,
		    strerror(err), why ? ": " : "", why ? why : "");
		return;		/* a stray: the next resync finds it again */
	}
	if (err == EEXIST && o->kind == OP_NH_ADD) {
		/* Someone took the id since the dump: another one, now. */
		nh_id_unlink(rt, nh);
		nh_new(rt, &nh->via, o->nhid, NH_FOREIGN);
		rt->nh_retry_at = 0;
		nh->flags |= NH_FAILED;
		return;
	}
	nh->flags |= NH_FAILED;
	if (nh->tries < 8)
		nh->tries++;
	at = clock_ms(CLOCK_MONOTONIC) +
	    ((uint64_t)RETRY_MIN_MS << (nh->tries - 1));
	if (at < rt->nh_retry_at)
		rt->nh_retry_at = at;
	if (o->nhid != 0)
		snprintf(what, sizeof(what), "%s %u via %s", op_names[o->kind],
		    o->nhid, addr_format(&nh->via, v));
	else
		snprintf(what, sizeof(what), "%s via %s", op_names[o->kind],
		    addr_format(&nh->via, v));
	if (nh->tries == 1 && rt->flush_failed++ == 0)
		log_warnx("routes: %s: %s%s%s (its routes are classic ones "
		    "until it works)", what, strerror(err), why ? ": " : "",
		    why ? why : "");
	else
		log_debug("routes: %s: %s%s%s (attempt %u)", what,
		    strerror(err), why ? ": " : "", why ? why : "", nh->tries);
}

static void
nh_done(struct rt *rt, const struct op *o)
{
	struct nh *nh = o->nh;

	if (nh == NULL)
		return;
	if (o->kind == OP_NH_LOOKUP) {
		if (nh->oif == 0)
			nh_failed(rt, o, EHOSTUNREACH, "the gateway is on no "
			    "link of this host");
		return;
	}
	if (!(nh->flags & NH_HAVE) || OP_IS_DEL(o->kind))
		nh_touch(rt, nh);
	nh->flags &= (uint8_t)~(NH_HAVE | NH_ODD | NH_FAILED);
	nh->tries = 0;
	if (OP_IS_DEL(o->kind)) {
		nh_gc(rt, nh);
		return;
	}
	nh->flags |= NH_HAVE | NH_SAME;
	nh->have_oif = nh->oif;
}

static void
op_failed(struct rt *rt, const struct op *o, int err, const char *why)
{
	struct rt_entry *e = o->e;
	char buf[128];
	uint64_t delay;

	if (err == EPERM && why == NULL)
		why = "CAP_NET_ADMIN missing?";
	if (OP_IS_NH(o->kind)) {
		nh_failed(rt, o, err, why);
		return;
	}
	rt->st.errors++;
	if (e == NULL) {
		log_warnx("routes: %s %s: %s%s%s", op_names[o->kind],
		    route_str(&o->dst, NULL, 0, buf, sizeof(buf)),
		    strerror(err), why ? ": " : "", why ? why : "");
		return;		/* a stray: the next resync finds it again */
	}
	e->flags &= (uint16_t)~E_INFLIGHT;
	set_retry(rt, e, true);
	if (e->tries < 16)
		e->tries++;
	delay = (uint64_t)RETRY_MIN_MS << (e->tries - 1);
	if (delay > RETRY_MAX_MS)
		delay = RETRY_MAX_MS;
	e->retry_at = clock_ms(CLOCK_MONOTONIC) + delay;
	if (e->retry_at < rt->retry_min)
		rt->retry_min = e->retry_at;
	/* The kernel has something there (or lacks an object) our view
	 * does not know: look again. */
	if ((err == EEXIST || o->nhid != 0) && e->retry_at < rt->next_resync)
		rt->next_resync = e->retry_at;
	route_str(&o->dst, o->kind == OP_DEL ? NULL : &e->via,
	    o->kind == OP_DEL ? 0 : e->want_oif, buf, sizeof(buf));
	/* One warning per batch: a link going down fails them all alike. */
	if (e->tries == 1 && rt->flush_failed++ == 0)
		log_warnx("routes: %s %s: %s%s%s (retrying)",
		    op_names[o->kind], buf, strerror(err), why ? ": " : "",
		    why ? why : "");
	else
		log_debug("routes: %s %s: %s%s%s (attempt %u)",
		    op_names[o->kind], buf, strerror(err), why ? ": " : "",
		    why ? why : "", e->tries);
}

static void
op_done(struct rt *rt, const struct op *o, bool changed)
{
	struct rt_entry *e = o->e;
	char buf[128];

	if (changed && OP_IS_NH(o->kind) && o->kind != OP_NH_LOOKUP)
		rt->st.nh_changes++;
	else if (changed && !OP_IS_NH(o->kind))
		rt->st.changes++;
	if (OP_IS_NH(o->kind)) {
		nh_done(rt, o);
		return;
	}
	if (e == NULL)
		return;
	account(rt, e, -1);
	e->flags &= (uint16_t)~(E_VIEW | E_INFLIGHT);
	if (o->kind != OP_DEL) {
		e->flags |= E_OURS;
		have_via_set(e, &e->via);
		e->have_oif = e->want_oif;
		e->have_nhid = o->nhid;
	}
	if ((e->flags & E_RETRY) && e->tries > 0) {
		rt->flush_recovered++;
		log_debug("routes: %s %s: done after %u failures",
		    op_names[o->kind], route_str(&e->dst, NULL, 0, buf,
		    sizeof(buf)), e->tries);
	}
	set_retry(rt, e, false);
	account(rt, e, 1);
	entry_gc(rt, e);
}

/* Sends the batch and reads the ack of every request in it. */
static int
batch_flush(struct rt *rt)
{
	unsigned first = rt->seq - rt->nops + 1, acked = 0, i;
	const struct nlmsghdr *nlh;
	const struct nlmsgerr *err;
	ssize_t n;
	int len, ret = 0;

	if (rt->nops == 0)
		return 0;
	if (mnl_socket_sendto(rt->req, rt->batch, rt->batch_len) < 0) {
		log_warn("routes: sending %u route requests", rt->nops);
		rt->resync_due = true;
		ret = -1;
		goto out;
	}
	while (acked < rt->nops) {
		n = mnl_socket_recvfrom(rt->req, rt->rbuf, NL_RECV_SIZE);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* Acks were lost: what happened is unknown; the dump
			 * will tell. */
			log_warn("routes: reading route acks");
			rt->resync_due = true;
			ret = -1;
			goto out;
		}
		len = (int)n;
		for (nlh = (const struct nlmsghdr *)rt->rbuf;
		    mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
			if (nlh->nlmsg_pid != rt->portid ||
			    nlh->nlmsg_seq - first >= rt->nops)
				continue;	/* not of this batch */
			i = nlh->nlmsg_seq - first;
			if (nlh->nlmsg_type == RTM_NEWROUTE &&
			    rt->ops[i].kind == OP_NH_LOOKUP)
				lookup_reply(&rt->ops[i], nlh);
			if (nlh->nlmsg_type != NLMSG_ERROR ||
			    mnl_nlmsg_get_payload_len(nlh) < sizeof(*err))
				continue;	/* not an ack */
			err = mnl_nlmsg_get_payload(nlh);
			if (rt->ops[i].kind == OP_DONE)
				continue;
			acked++;
			if (err->error == 0)
				op_done(rt, &rt->ops[i], true);
			else if ((err->error == -ESRCH ||
			    err->error == -ENOENT) && OP_IS_DEL(rt->ops[i].kind))
				op_done(rt, &rt->ops[i], false); /* gone already */
			else
				op_failed(rt, &rt->ops[i], -err->error,
				    nl_ext_ack(nlh));
			rt->ops[i].kind = OP_DONE;	/* e may be freed */
		}
	}
out:
	for (i = 0; i < rt->nops; i++)
		if (rt->ops[i].kind != OP_DONE && rt->ops[i].e != NULL)
			rt->ops[i].e->flags &= (uint16_t)~E_INFLIGHT;
	if (rt->flush_failed > 1)
		log_warnx("routes: %u more route operations failed (retrying)",
		    rt->flush_failed - 1);
	if (rt->flush_recovered > 0)
		log_info("routes: %u routes set after earlier failures",
		    rt->flush_recovered);
	rt->flush_failed = rt->flush_recovered = 0;
	rt->nops = 0;
	rt->batch_len = 0;
	/* Read the echoes now, while they are few. */
	if (monitor_drain(rt, false) < 0)
		ret = -1;
	return ret;
}

static int
batch_add(struct rt *rt, struct rt_entry *e, enum op_kind kind,
    const struct krt *k)
{
	struct op *o;
	int cmd = kind >= OP_DEL ? RTM_DELROUTE : RTM_NEWROUTE;
	unsigned flags = kind == OP_ADD ? NLM_F_CREATE | NLM_F_EXCL :
	    kind == OP_REPLACE ? NLM_F_CREATE | NLM_F_REPLACE : 0;

	if ((rt->nops == rt->max_ops || rt->batch_len + MSG_MAX > BATCH_BYTES) &&
	    batch_flush(rt) < 0)
		return -1;
	put_route(rt, cmd, flags, k);
	o = &rt->ops[rt->nops++];
	o->e = e;
	o->nh = NULL;
	if (e != NULL)
		e->flags |= E_INFLIGHT;
	o->dst = k->dst;
	o->nhid = k->nhid;
	o->kind = (uint8_t)kind;
	return 0;
}

/* Queues a request about nh (NULL for a stray: id alone). */
static int
batch_add_nh(struct rt *rt, struct nh *nh, enum op_kind kind, uint32_t id)
{
	static const struct addr none;
	struct op *o;

	if ((rt->nops == rt->max_ops || rt->batch_len + MSG_MAX > BATCH_BYTES) &&
	    batch_flush(rt) < 0)
		return -1;
	put_nh(rt, kind, id, nh != NULL ? &nh->via : &none,
	    nh != NULL ? nh->oif : 0);
	o = &rt->ops[rt->nops++];
	memset(o, 0, sizeof(*o));
	o->nh = nh;
	o->nhid = id;
	o->kind = (uint8_t)kind;
	return 0;
}

/* Decides what one destination needs and queues it. */
static int
entry_apply(struct rt *rt, struct rt_entry *e)
{
	struct krt k;
	char buf[128];

	/* A notification read while flushing made it dirty again: let the
	 * request in flight finish first. */
	if ((e->flags & E_INFLIGHT) && batch_flush(rt) < 0)
		return -1;
	memset(&k, 0, sizeof(k));
	k.dst = e->dst;
	k.metric = metric_of(rt, e->dst.addr.family);
	if (e->flags & E_WANT) {
		if (e->nforeign > 0) {
			if (!(e->flags & E_CONFLICT)) {
				log_warnx("routes: %s: destination held by "
				    "protocol %u, not taking it over",
				    route_str(&e->dst, NULL, 0, buf,
				    sizeof(buf)), e->foreign[0].protocol);
				e->flags |= E_CONFLICT;
			}
			set_retry(rt, e, false);
			return 0;
		}
		if (e->flags & E_CONFLICT) {
			log_info("routes: %s: destination free again",
			    route_str(&e->dst, NULL, 0, buf, sizeof(buf)));
			e->flags &= (uint16_t)~E_CONFLICT;
		}
		if (matches(e)) {
			set_retry(rt, e, false);
			return 0;
		}
		k.via = e->via;
		k.oif = e->want_oif;
		if (e->want_nh != NULL && (e->want_nh->flags & NH_HAVE))
			k.nhid = e->want_nh->id;
		return batch_add(rt, e, e->flags & E_OURS ? OP_REPLACE : OP_ADD,
		    &k);
	}
	if ((e->flags & E_OURS) && rt->synced)
		return batch_add(rt, e, OP_DEL, &k);
	set_retry(rt, e, false);
	entry_gc(rt, e);
	return 0;
}

/* Puts one dirty object of ours in place (pass 2 of nh_apply). */
static int
nh_put(struct rt *rt, struct nh *nh)
{
	if (nh->refs == 0) {
		nh_gc(rt, nh);
		return 0;
	}
	if ((nh->flags & NH_FAILED) || nh->oif == 0)
		return 0;	/* waits for its retry */
	if ((nh->flags & (NH_HAVE | NH_ODD | NH_SAME)) == (NH_HAVE | NH_SAME) &&
	    nh->have_oif == nh->oif)
		return 0;
	if (nh->id == 0 && nh_pick_id(rt, nh) < 0) {
		log_warnx("routes: no nexthop id left for table %u", rt->table);
		nh->flags |= NH_FAILED;
		return 0;
	}
	return batch_add_nh(rt, nh, nh->flags & NH_HAVE ? OP_NH_REPLACE :
	    OP_NH_ADD, nh->id);
}

/* Before the routes: finds the devices of new gateways, then adds and
 * replaces the objects they will use. Objects nothing wants stay dirty
 * for nh_release. */
static int
nh_apply(struct rt *rt)
{
	struct nh *nh, **pp;

	for (nh = rt->nh_dirty; nh != NULL; nh = nh->dirty)
		if (nh->refs > 0 && nh->oif == 0 && !(nh->flags & NH_FAILED) &&
		    batch_add_nh(rt, nh, OP_NH_LOOKUP, 0) < 0)
			return -1;
	if (batch_flush(rt) < 0)
		return -1;
	pp = &rt->nh_dirty;
	while ((nh = *pp) != NULL) {
		if (nh->refs == 0 && (nh->flags & NH_HAVE)) {
			pp = &nh->dirty;
			continue;
		}
		*pp = nh->dirty;
		nh->flags &= (uint8_t)~NH_DIRTY;
		if (nh_put(rt, nh) < 0)
			return -1;
	}
	return batch_flush(rt);
}

/* After the routes moved off them: deletes the objects nothing wants,
 * once the desired set is whole. */
static int
nh_release(struct rt *rt)
{
	struct nh *nh, **pp = &rt->nh_dirty;

	while ((nh = *pp) != NULL) {
		if (nh->refs > 0) {
			pp = &nh->dirty;	/* for the next apply */
			continue;
		}
		*pp = nh->dirty;
		nh->flags &= (uint8_t)~NH_DIRTY;
		if (!rt->synced || !(nh->flags & NH_HAVE))
			nh_gc(rt, nh);
		else if (batch_add_nh(rt, nh, OP_NH_DEL, nh->id) < 0)
			return -1;
	}
	return batch_flush(rt);
}

/* Routes whose object came, went or changed id get another look. */
static void
nh_follow(struct rt *rt)
{
	struct rt_entry *e;
	struct nh *nh;
	size_t i;

	if (!rt->nh_changed)
		return;
	rt->nh_changed = false;
	for (i = 0; i < rt->nbuckets; i++) {
		for (e = rt->hash[i]; e != NULL; e = e->next) {
			if (e->want_nh == NULL ||
			    !(e->want_nh->flags & NH_CHANGED))
				continue;
			account(rt, e, -1);
			account(rt, e, 1);
			mark_dirty(rt, e);
		}
	}
	for (i = 0; i < rt->nh_buckets; i++)
		for (nh = rt->nh_key[i]; nh != NULL; nh = nh->next_key)
			nh->flags &= (uint8_t)~NH_CHANGED;
}

/* Failed objects whose retry is due get dirty again. */
static void
nh_retry(struct rt *rt, uint64_t now)
{
	struct nh *nh;
	size_t i;

	if (now < rt->nh_retry_at)
		return;
	rt->nh_retry_at = UINT64_MAX;
	for (i = 0; i < rt->nh_buckets; i++) {
		for (nh = rt->nh_key[i]; nh != NULL; nh = nh->next_key) {
			if (!(nh->flags & NH_FAILED))
				continue;
			nh->flags &= (uint8_t)~NH_FAILED;
			if (nh->want_oif == 0)
				nh->oif = 0;	/* look again */
			nh_mark_dirty(rt, nh);
		}
	}
}

/* Applies every dirty object, destination and stray: new objects first,
 * then the routes, then the objects they left. */
static int
apply(struct rt *rt)
{
	struct rt_entry *e;
	size_t i;
	int ret;

	if (!rt->view_ok)
		return 0;	/* a partial view could mislead; resync first */
	ret = nh_apply(rt);
	nh_follow(rt);
	for (i = 0; i < rt->nstrays && ret == 0; i++)
		ret = batch_add(rt, NULL, OP_STRAY, &rt->strays[i]);
	rt->nstrays = 0;
	while (ret == 0 && (e = rt->dirty) != NULL) {
		rt->dirty = e->dirty;
		e->flags &= (uint16_t)~E_DIRTY;
		ret = entry_apply(rt, e);
	}
	if (ret == 0)
		ret = batch_flush(rt);
	if (ret == 0)
		ret = nh_release(rt);
	nh_follow(rt);
	/* After a failure the rest stays dirty for the resync. */
	return ret;
}

/* --- resync --------------------------------------------------------- */

/* One object or route of a dump. */
static int
dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct knh kn;
	struct krt k;

	if (nlh->nlmsg_type == RTM_NEWNEXTHOP && knh_parse(nlh, &kn))
		view_nh(data, &kn, true);
	else if (nlh->nlmsg_type == RTM_NEWROUTE && krt_parse(nlh, &k))
		view_route(data, &k, true);
	return MNL_CB_OK;
}

/* Every nexthop object; a kernel without them says EOPNOTSUPP. */
static int
dump_nh(struct rt *rt)
{
	char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh;
	struct nhmsg *nhm;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETNEXTHOP;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nhm = mnl_nlmsg_put_extra_header(nlh, sizeof(*nhm));
	nhm->nh_family = AF_UNSPEC;
	return nl_talk(rt->req, nlh, dump_cb, rt, NULL, 0);
}

/* The request for every route of family in table, built in buf
 * (NL_REQ_SIZE bytes). */
static struct nlmsghdr *
route_dump_req(char *buf, unsigned family, unsigned table)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtmsg *rtm;

	nlh->nlmsg_type = RTM_GETROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)family;
	/* The kernel filters by table when it checks dumps strictly. */
	mnl_attr_put_u32(nlh, RTA_TABLE, table);
	return nlh;
}

static int
dump_family(struct rt *rt, unsigned family)
{
	char buf[NL_REQ_SIZE];

	return nl_talk(rt->req, route_dump_req(buf, family, rt->table),
	    dump_cb, rt, NULL, 0);
}

/* Forgets the kernel's objects: foreign ids go, ours lose NH_HAVE. */
static void
view_clear_nh(struct rt *rt)
{
	struct nh **p, *nh;
	size_t i;

	for (i = 0; i < rt->nh_buckets; i++) {
		for (p = &rt->nh_id[i]; (nh = *p) != NULL;) {
			if (!(nh->flags & NH_FOREIGN)) {
				p = &nh->next_id;
				continue;
			}
			*p = nh->next_id;
			rt->nh_count--;
			pool_put(&rt->nhs, nh);
		}
		for (nh = rt->nh_key[i]; nh != NULL; nh = nh->next_key) {
			if (nh->flags & NH_HAVE)
				nh_touch(rt, nh);
			nh->flags &= (uint8_t)~(NH_HAVE | NH_ODD);
			nh_mark_dirty(rt, nh);
		}
	}
}

/* Forgets what the kernel has; the dump tells it again. */
static void
view_clear(struct rt *rt)
{
	struct rt_entry *e, *next;
	size_t i;

	rt->nstrays = 0;
	view_clear_nh(rt);
	for (i = 0; i < rt->nbuckets; i++) {
		for (e = rt->hash[i]; e != NULL; e = next) {
			next = e->next;
			account(rt, e, -1);
			e->flags &= (uint16_t)~E_VIEW;
			e->nforeign = 0;
			account(rt, e, 1);
			mark_dirty(rt, e);
		}
	}
}

static int
resync(struct rt *rt)
{
	unsigned long changes = rt->st.changes;
	int tries = 0, ret;

	rt->st.resyncs++;
	/* Queued notifications predate the dump: the dump supersedes them. */
	if (monitor_drain(rt, true) < 0)
		goto fail;
	rt->resync_due = false;
	rt->view_ok = false;
	do {
		view_clear(rt);
		ret = rt->use_nh ? dump_nh(rt) : 0;
		if (ret < 0 && errno == EOPNOTSUPP) {
			log_info("routes: this kernel has no nexthop objects, "
			    "using classic routes");
			rt->use_nh = false;
			ret = 0;
		}
		if (ret == 0)
			ret = dump_family(rt, AF_INET);
		if (ret == 0)
			ret = dump_family(rt, AF_INET6);
	} while (ret < 0 && errno == EINTR && ++tries < DUMP_TRIES);
	if (ret < 0) {
		log_warn("routes: dumping table %u", rt->table);
		goto fail;
	}
	rt->view_ok = true;
	rt->next_resync = clock_ms(CLOCK_MONOTONIC) + RESYNC_MS;
	if (monitor_drain(rt, false) < 0)
		return -1;
	ret = apply(rt);
	if (rt->st.changes != changes)
		log_info("routes: resync of table %u: %lu changes, %u of %u "
		    "routes in place", rt->table, rt->st.changes - changes,
		    rt->st.installed, rt->st.wanted);
	return ret;
fail:
	/* Applying a partial view could take over routes it missed. */
	rt->next_resync = clock_ms(CLOCK_MONOTONIC) + RETRY_MAX_MS / 4;
	return -1;
}

/* --- the interface -------------------------------------------------- */

static int
set_rcvbuf(struct mnl_socket *nl, int size)
{
	int fd = mnl_socket_get_fd(nl), got;
	socklen_t len = sizeof(got);

	/* FORCE passes rmem_max with CAP_NET_ADMIN, which we hold. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &got, &len) < 0)
		return 0;
	return got;
}

static int
monitor_open(struct rt *rt)
{
	static unsigned groups[] = {
		RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE, RTNLGRP_LINK,
		RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR,
	};
	unsigned nhgroup = RTNLGRP_NEXTHOP;
	size_t i;
	int fd;

	if ((rt->mon = mnl_socket_open(NETLINK_ROUTE)) == NULL ||
	    mnl_socket_bind(rt->mon, 0, MNL_SOCKET_AUTOPID) < 0)
		return -1;
	for (i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		if (mnl_socket_setsockopt(rt->mon, NETLINK_ADD_MEMBERSHIP,
		    &groups[i], sizeof(groups[i])) < 0)
			return -1;
	if (rt->use_nh && mnl_socket_setsockopt(rt->mon,
	    NETLINK_ADD_MEMBERSHIP, &nhgroup, sizeof(nhgroup)) < 0)
		rt->use_nh = false;	/* a kernel without them */
	set_rcvbuf(rt->mon, MON_RCVBUF);
	fd = mnl_socket_get_fd(rt->mon);
	return fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/* See rt_open; use_nh: nexthop objects where the kernel has them. */
static struct rt *
rt_open_nh(unsigned protocol, unsigned table, unsigned metric, bool use_nh)
{
	struct rt *rt;
	int saved, rcvbuf, sndbuf = BATCH_BYTES;

	if ((rt = calloc(1, sizeof(*rt))) == NULL) {
		log_warn("routes: open");
		return NULL;
	}
	rt->protocol = protocol;
	rt->table = table;
	rt->metric = metric;
	pool_init(&rt->entries, sizeof(struct rt_entry));
	pool_init(&rt->nhs, sizeof(struct nh));
	rt->nbuckets = 64;
	rt->nh_buckets = 64;
	rt->use_nh = use_nh;
	rt->retry_min = UINT64_MAX;
	rt->next_resync = UINT64_MAX;
	rt->nh_retry_at = UINT64_MAX;
	rt->seq = (unsigned)time(NULL);
	if ((rt->hash = calloc(rt->nbuckets, sizeof(*rt->hash))) == NULL ||
	    (rt->nh_key = calloc(rt->nh_buckets, sizeof(*rt->nh_key))) == NULL ||
	    (rt->nh_id = calloc(rt->nh_buckets, sizeof(*rt->nh_id))) == NULL ||
	    (rt->batch = malloc(BATCH_BYTES)) == NULL ||
	    (rt->rbuf = malloc(NL_RECV_SIZE)) == NULL) {
		log_warn("routes: open");
		goto fail;
	}
	if ((rt->req = nl_open()) == NULL) {
		log_warn("routes: netlink socket");
		goto fail;
	}
	if (monitor_open(rt) < 0) {
		log_warn("routes: netlink notification socket");
		goto fail;
	}
	rt->portid = mnl_socket_get_portid(rt->req);
	setsockopt(mnl_socket_get_fd(rt->req), SOL_SOCKET, SO_SNDBUFFORCE,
	    &sndbuf, sizeof(sndbuf));
	/* Every ack of a batch is queued before the first is read. */
	rcvbuf = set_rcvbuf(rt->req, REQ_RCVBUF);
	rt->max_ops = (unsigned)rcvbuf / ACK_COST;
	if (rt->max_ops > BATCH_BYTES / 64)
		rt->max_ops = BATCH_BYTES / 64;
	if (rt->max_ops < 16)
		rt->max_ops = 16;
	if ((rt->ops = calloc(rt->max_ops, sizeof(*rt->ops))) == NULL) {
		log_warn("routes: open");
		goto fail;
	}
	if (resync(rt) < 0)
		goto fail;
	return rt;
fail:
	saved = errno;
	rt_close(rt);
	errno = saved;
	return NULL;
}

struct rt *
rt_open(unsigned protocol, unsigned table, unsigned metric)
{
	const char *no = getenv("XCNI_NO_NEXTHOP_OBJECTS");

	return rt_open_nh(protocol, table, metric,
	    no == NULL || *no == '\0' || strcmp(no, "0") == 0);
}

void
rt_close(struct rt *rt)
{
	struct rt_entry *e;
	size_t i;

	if (rt == NULL)
		return;
	for (i = 0; rt->hash != NULL && i < rt->nbuckets; i++)
		for (e = rt->hash[i]; e != NULL; e = e->next)
			free(e->foreign);
	pool_destroy(&rt->entries);
	pool_destroy(&rt->nhs);
	free(rt->nh_key);
	free(rt->nh_id);
	if (rt->req != NULL)
		mnl_socket_close(rt->req);
	if (rt->mon != NULL)
		mnl_socket_close(rt->mon);
	free(rt->hash);
	free(rt->strays);
	free(rt->batch);
	free(rt->ops);
	free(rt->rbuf);
	free(rt);
}

int
rt_want(struct rt *rt, const struct route *r)
{
	unsigned family = r->dst.addr.family;
	struct rt_entry *e;
	struct nh *nh = NULL;
	bool same;

	if ((family != AF_INET && family != AF_INET6) ||
	    (r->via.family != 0 && r->via.family != family) ||
	    (r->via.family == 0 && r->oif == 0) ||
	    (addr_is_v6_linklocal(&r->via) && r->oif == 0)) {
		errno = EINVAL;
		return -1;
	}
	if ((e = entry_get(rt, &r->dst, true)) == NULL)
		return -1;
	if ((e->flags & E_WANT) && addr_cmp(&e->via, &r->via) == 0 &&
	    e->want_oif == r->oif)
		return 0;
	same = have_via_is(e, &r->via);
	if (rt->use_nh && family == AF_INET && r->via.family != 0) {
		if ((nh = nh_ref(rt, e->want_nh, &r->via, r->oif)) == NULL)
			return -1;
	} else if (e->want_nh != NULL) {
		nh_unref(rt, e->want_nh);
	}
	account(rt, e, -1);
	e->want_nh = nh;
	e->flags &= (uint16_t)~E_VIA;
	e->flags |= E_WANT | (same ? E_VIA : 0);
	e->via = r->via;
	e->want_oif = r->oif;
	account(rt, e, 1);
	mark_dirty(rt, e);
	return 0;
}

void
rt_unwant(struct rt *rt, const struct cidr *dst)
{
	struct rt_entry *e = entry_get(rt, dst, false);

	if (e == NULL || !(e->flags & E_WANT))
		return;
	account(rt, e, -1);
	/* via becomes the kernel's, or unknown (an echo is not known then). */
	if (!(e->flags & E_VIA))
		memset(&e->via, 0, sizeof(e->via));
	e->flags &= (uint16_t)~(E_WANT | E_CONFLICT | E_VIA);
	if (e->want_nh != NULL)
		nh_unref(rt, e->want_nh);
	e->want_nh = NULL;
	account(rt, e, 1);
	mark_dirty(rt, e);
}

/* Marks the destinations whose retry is due. */
static void
retry_due(struct rt *rt, uint64_t now)
{
	struct rt_entry *e;
	size_t i;

	rt->retry_min = UINT64_MAX;
	for (i = 0; i < rt->nbuckets; i++) {
		for (e = rt->hash[i]; e != NULL; e = e->next) {
			if (!(e->flags & E_RETRY))
				continue;
			if (e->retry_at <= now)
				mark_dirty(rt, e);
			else if (e->retry_at < rt->retry_min)
				rt->retry_min = e->retry_at;
		}
	}
}

int
rt_commit(struct rt *rt)
{
	uint64_t now = clock_ms(CLOCK_MONOTONIC);

	if (monitor_drain(rt, false) < 0)
		return -1;
	if (rt->resync_due || now >= rt->next_resync)
		return resync(rt);
	if (rt->nretry > 0 && now >= rt->retry_min)
		retry_due(rt, now);
	nh_retry(rt, now);
	return apply(rt);
}

int
rt_resync(struct rt *rt)
{
	rt->synced = true;
	return resync(rt);
}

int
rt_monitor_fd(const struct rt *rt)
{
	return mnl_socket_get_fd(rt->mon);
}

int
rt_timeout_ms(const struct rt *rt)
{
	uint64_t t = rt->next_resync, now;

	if (rt->resync_due)
		return 0;
	if (rt->nretry > 0 && rt->retry_min < t)
		t = rt->retry_min;
	if (rt->nh_retry_at < t)
		t = rt->nh_retry_at;
	if (t == UINT64_MAX)
		return -1;
	now = clock_ms(CLOCK_MONOTONIC);
	if (t <= now)
		return 0;
	return t - now > INT_MAX ? INT_MAX : (int)(t - now);
}

unsigned
rt_count(const struct rt *rt)
{
	return rt->st.installed;
}

void
rt_get_stats(const struct rt *rt, struct rt_stats *st)
{
	*st = rt->st;
	st->failed = rt->nretry;
}

/* --- cleanup -------------------------------------------------------- */

struct cleanup {
	unsigned protocol, table;
	struct krt *routes;
	size_t n, cap;
};

static int
cleanup_cb(const struct nlmsghdr *nlh, void *data)
{
	struct cleanup *c = data;
	struct krt k, *r;

	if (nlh->nlmsg_type != RTM_NEWROUTE || !krt_parse(nlh, &k) ||
	    k.protocol != c->protocol || k.table != c->table)
		return MNL_CB_OK;
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 64;
		if ((r = realloc(c->routes, c->cap * sizeof(*r))) == NULL)
			return MNL_CB_ERROR;
		c->routes = r;
	}
	c->routes[c->n++] = k;
	return MNL_CB_OK;
}

int
rt_cleanup(unsigned protocol, unsigned table)
{
	static const unsigned families[] = { AF_INET, AF_INET6 };
	struct cleanup c = { protocol, table, NULL, 0, 0 };
	struct nh *nh;
	struct rt *rt;
	size_t f, i;
	int n = -1, tries = 0, ret, saved;

	/* Its view holds every object of ours, whatever the environment. */
	if ((rt = rt_open_nh(protocol, table, 0, true)) == NULL)
		return -1;
	/* rt's own view holds only its metric; dump every metric here. */
	do {
		c.n = 0;
		ret = 0;
		for (f = 0; f < 2 && ret == 0; f++) {
			char buf[NL_REQ_SIZE];

			ret = nl_talk(rt->req, route_dump_req(buf, families[f],
			    table), cleanup_cb, &c, NULL, 0);
		}
	} while (ret < 0 && errno == EINTR && ++tries < DUMP_TRIES);
	if (ret < 0) {
		log_warn("routes: dumping table %u", table);
		goto out;
	}
	for (i = 0; i < c.n && ret == 0; i++)
		ret = batch_add(rt, NULL, OP_STRAY, &c.routes[i]);
	if (ret == 0)
		ret = batch_flush(rt);
	/* The objects last: deleting one first would take its routes
	 * along unreported. */
	for (i = 0; i < rt->nh_buckets && ret == 0; i++)
		for (nh = rt->nh_key[i]; nh != NULL && ret == 0;
		    nh = nh->next_key)
			if (nh->flags & NH_HAVE)
				ret = batch_add_nh(rt, NULL, OP_NH_STRAY,
				    nh->id);
	if (ret == 0)
		ret = batch_flush(rt);
	if (ret == 0 && rt->st.errors == 0)
		n = (int)rt->st.changes;
	else
		errno = EIO;
out:
	saved = errno;
	free(c.routes);
	rt_close(rt);
	errno = saved;
	return n;
}

bool
rt_addresses_changed(struct rt *rt)
{
	bool changed = rt->addrs_changed;

	rt->addrs_changed = false;
	return changed;
}
