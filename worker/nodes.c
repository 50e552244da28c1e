/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "log.h"
#include "nodes.h"
#include "util.h"

/* A place in a hash index of chains: an item's first member. */
struct link {
	struct link *next;
};

/* One family of one node: what the node says (cidr, via) and, when it
 * makes a route candidate, its place in the CIDR index. */
struct claim {
	struct link link;		/* in a CIDR bucket */
	uint32_t seq;			/* when it took its CIDR; 0: at the first list */
	struct cidr cidr;
	struct addr via;
	/* One byte for the rest: a claim per node and family adds up. */
	uint8_t fam : 2;		/* index in node->claim */
	uint8_t has_cidr : 1, has_via : 1;
	uint8_t active : 1;		/* in the CIDR index */
	uint8_t routed : 1;		/* its route is the wanted one */
};

_Static_assert(NODE_NFAM <= 4, "claim.fam holds 2 bits");
_Static_assert(sizeof(struct claim) <= 48, "struct claim grew");

/* One malloc'ed record a node, with its name: keep it small. */
struct node {
	struct link link;		/* in a name bucket */
	unsigned oif;			/* the link of its link-local nexthop */
	uint32_t note_hash;		/* of the last note logged */
	uint32_t gen;			/* nodes_mark generation last seen in */
	bool self, deleting;
	int64_t created;
	char *decoded;			/* the decoder's note; NULL: none */
	struct claim claim[NODE_NFAM];
	char name[];
};

struct nodes {
	const struct nodes_ops *ops;
	void *arg;
	const struct policy *policy;
	char *self;
	struct cidr *allowed;
	size_t n_allowed;
	struct link **names;		/* hash by name: nodes */
	size_t n_names, nodes;
	struct link **cidrs;		/* hash by CIDR: active claims */
	size_t n_cidrs, claims;
	size_t routes;
	uint32_t gen;
	bool listed;			/* the first list is complete */
	uint32_t seq;			/* claims taken since (stops at the most) */
	struct node *me;		/* the own node, once seen */
};

#define INITIAL_BUCKETS 64

static uint32_t
cidr_hash(const struct cidr *c)
{
	return fnv1a(fnv1a(FNV1A_INIT, &c->addr, sizeof(c->addr)), &c->len, 1);
}

static uint32_t
name_hash(const char *name)
{
	return fnv1a(FNV1A_INIT, name, strlen(name));
}

static uint32_t
claim_hash(const struct link *l)
{
	return cidr_hash(&((const struct claim *)l)->cidr);
}

static uint32_t
node_hash(const struct link *l)
{
	return name_hash(((const struct node *)l)->name);
}

/* Doubles the n buckets of *b, which hash places; without memory for them
 * the chains grow longer, which is slower, not wrong. */
static void
index_grow(struct link ***b, size_t *n, uint32_t (*hash)(const struct link *))
{
	size_t i, m = *n * 2;
	struct link **nb = calloc(m, sizeof(*nb)), *l, *next;

	if (nb == NULL) {
		log_debug("nodes: no memory for more buckets");
		return;
	}
	for (i = 0; i < *n; i++) {
		for (l = (*b)[i]; l != NULL; l = next) {
			next = l->next;
			l->next = nb[hash(l) & (m - 1)];
			nb[hash(l) & (m - 1)] = l;
		}
	}
	free(*b);
	*b = nb;
	*n = m;
}

static struct node *
claim_node(struct claim *c)
{
	return (struct node *)((char *)(c - c->fam) -
	    offsetof(struct node, claim));
}

/* The device of c's route: only an IPv6 link-local nexthop has one, so
 * the node keeps it, not each claim. */
static unsigned
claim_oif(struct claim *c)
{
	return addr_is_v6_linklocal(&c->via) ? claim_node(c)->oif : 0;
}

struct nodes *
nodes_new(const char *self, const struct cidr *allowed, size_t n_allowed,
    const struct policy *policy, const struct nodes_ops *ops, void *arg)
{
	struct nodes *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->policy = policy;
	t->ops = ops;
	t->arg = arg;
	t->n_names = t->n_cidrs = INITIAL_BUCKETS;
	if ((t->self = strdup(self)) == NULL ||
	    (n_allowed > 0 &&
	    (t->allowed = calloc(n_allowed, sizeof(*allowed))) == NULL) ||
	    (t->names = calloc(t->n_names, sizeof(*t->names))) == NULL ||
	    (t->cidrs = calloc(t->n_cidrs, sizeof(*t->cidrs))) == NULL) {
		nodes_free(t);
		errno = ENOMEM;
		return NULL;
	}
	if (n_allowed > 0)
		memcpy(t->allowed, allowed, n_allowed * sizeof(*allowed));
	t->n_allowed = n_allowed;
	return t;
}

void
nodes_free(struct nodes *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; t->names != NULL && i < t->n_names; i++) {
		struct node *n, *next;

		for (n = (struct node *)t->names[i]; n != NULL; n = next) {
			next = (struct node *)n->link.next;
			free(n->decoded);
			free(n);
		}
	}
	free(t->names);
	free(t->cidrs);
	free(t->allowed);
	free(t->self);
	free(t);
}

size_t
nodes_count(const struct nodes *t)
{
	return t->nodes;
}

size_t
nodes_routes(const struct nodes *t)
{
	return t->routes;
}

bool
nodes_self_known(const struct nodes *t)
{
	return t->me != NULL;
}

/* --- the CIDR index ------------------------------------------------------ */

static void
cidrs_insert(struct nodes *t, struct claim *c)
{
	uint32_t h;

	if (t->claims >= t->n_cidrs * 2)	/* two a bucket at most */
		index_grow(&t->cidrs, &t->n_cidrs, claim_hash);
	h = cidr_hash(&c->cidr) & (t->n_cidrs - 1);
	c->link.next = t->cidrs[h];
	t->cidrs[h] = &c->link;
	c->active = true;
	t->claims++;
}

static void
cidrs_remove(struct nodes *t, struct claim *c)
{
	struct link **pp = &t->cidrs[cidr_hash(&c->cidr) & (t->n_cidrs - 1)];

	while (*pp != &c->link)
		pp = &(*pp)->next;
	*pp = c->link.next;
	c->link.next = NULL;
	c->active = false;
	t->claims--;
}

/* Whether a should win dst over b: the own node always; then the claim
 * this worker saw first, so that a newcomer cannot take a CIDR in use and
 * an old node cannot take a newcomer's (moving into a CIDR is a new
 * claim); between claims present at the first list, where this worker
 * cannot know which came first, the oldest node, then the first name, as
 * every worker started then decides. */
static bool
claim_wins(struct claim *a, struct claim *b)
{
	const struct node *na = claim_node(a), *nb = claim_node(b);

	if (na->self != nb->self)
		return na->self;
	if (a->seq != b->seq)
		return a->seq < b->seq;
	if (na->created != nb->created)
		return na->created < nb->created;
	return strcmp(na->name, nb->name) < 0;
}

/* The best active claim on dst and the one currently routed, and how many
 * claims there are. */
static struct claim *
cidrs_scan(const struct nodes *t, const struct cidr *dst,
    struct claim **routed, size_t *count)
{
	struct claim *c, *best = NULL;

	*routed = NULL;
	*count = 0;
	for (c = (struct claim *)t->cidrs[cidr_hash(dst) & (t->n_cidrs - 1)];
	    c != NULL; c = (struct claim *)c->link.next) {
		if (cidr_cmp(&c->cidr, dst) != 0)
			continue;
		(*count)++;
		if (c->routed)
			*routed = c;
		if (best == NULL || claim_wins(c, best))
			best = c;
	}
	return best;
}

/* What was routed to dst before a change. */
struct prior {
	struct cidr dst;
	bool routed;
	struct route route;
	const char *owner;		/* valid until the node is freed */
};

static void
prior_take(const struct nodes *t, const struct cidr *dst, struct prior *p)
{
	struct claim *routed;
	size_t count;

	p->dst = *dst;
	cidrs_scan(t, dst, &routed, &count);
	p->routed = routed != NULL;
	if (routed != NULL) {
		routed->routed = false;
		p->route.dst = *dst;
		p->route.via = routed->via;
		p->route.oif = claim_oif(routed);
	}
}

/* Makes the wanted route to p->dst follow the index after a change. */
static void
settle(struct nodes *t, const struct prior *p)
{
	struct claim *best, *routed;
	struct route r;
	size_t count;
	char buf[ADDR_STRLEN];

	best = cidrs_scan(t, &p->dst, &routed, &count);
	if (best == NULL || claim_node(best)->self) {
		if (p->routed) {
			t->ops->unwant(t->arg, &p->dst);
			t->routes--;
		}
		return;
	}
	best->routed = true;
	r.dst = p->dst;
	r.via = best->via;
	r.oif = claim_oif(best);
	if (p->routed && addr_cmp(&r.via, &p->route.via) == 0 &&
	    r.oif == p->route.oif)
		return;
	if (!p->routed)
		t->routes++;
	if (count > 1)
		log_info("%s: routed to node %s, which wins over %zu other "
		    "claims", cidr_format(&p->dst, buf), claim_node(best)->name,
		    count - 1);
	t->ops->want(t->arg, &r);
}

/* --- evaluating a node ------------------------------------------------- */

struct note {
	char text[NODE_NOTE_MAX + 1];
	size_t len;
	bool refused;		/* the route policy refused something */
};

static void __attribute__((format(printf, 2, 3)))
note_add(struct note *nt, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (nt->len + 3 >= sizeof(nt->text))
		return;
	if (nt->len > 0) {
		memcpy(nt->text + nt->len, "; ", 3);
		nt->len += 2;
	}
	va_start(ap, fmt);
	r = vsnprintf(nt->text + nt->len, sizeof(nt->text) - nt->len, fmt, ap);
	va_end(ap);
	if (r > 0)
		nt->len += (size_t)r;
	if (nt->len >= sizeof(nt->text))
		nt->len = sizeof(nt->text) - 1;
}

static bool
allowed(const struct nodes *t, const struct cidr *c)
{
	size_t i;

	if (t->n_allowed == 0)
		return true;
	for (i = 0; i < t->n_allowed; i++)
		if (cidr_contains(&t->allowed[i], c))
			return true;
	return false;
}

/* The own node's range that c overlaps, or NULL: a route to a part of it
 * would take this node's own pods, a route to all of it every pod's way
 * home. */
static const struct cidr *
own_range(const struct nodes *t, const struct cidr *c)
{
	const struct claim *own;

	if (t->me == NULL)
		return NULL;
	own = &t->me->claim[node_family_index(&c->addr)];
	return own->has_cidr && cidr_overlap(&own->cidr, c) ? &own->cidr :
	    NULL;
}

/* The desired state of one claim. */
struct target {
	bool active;
	unsigned oif;
};

static struct target
evaluate(const struct nodes *t, const struct node *n, const struct claim *c,
    struct note *nt)
{
	struct target tg = { false, 0 };
	char buf[ADDR_STRLEN], why[192];
	const struct node *me = t->me;
	const struct addr *own;
	const struct cidr *mine;

	if (!c->has_cidr)
		return tg;
	if (n->self) {
		/* Never routed; in the index so no other node gets it. */
		tg.active = true;
		return tg;
	}
	if (!c->has_via || n->deleting)
		return tg;
	if (!allowed(t, &c->cidr)) {
		note_add(nt, "%s is outside allowed-cidrs",
		    cidr_format(&c->cidr, buf));
		return tg;
	}
	if (policy_check_cidr(t->policy, &c->cidr, why, sizeof(why)) < 0 ||
	    policy_check_nexthop(t->policy, &c->via, why, sizeof(why)) < 0) {
		note_add(nt, "refused: %s", why);
		nt->refused = true;
		return tg;
	}
	if ((mine = own_range(t, &c->cidr)) != NULL) {
		note_add(nt, "refused: %s overlaps this node's pod range %s",
		    cidr_format(&c->cidr, buf), cidr_format(mine, why));
		nt->refused = true;
		return tg;
	}
	if (addr_is_v6_linklocal(&c->via)) {
		own = me == NULL ? NULL :
		    me->claim[NODE_V6].has_via ? &me->claim[NODE_V6].via :
		    me->claim[NODE_V4].has_via ? &me->claim[NODE_V4].via : NULL;
		if (own == NULL) {
			note_add(nt, "link-local nexthop %s needs the own "
			    "node's address", addr_format(&c->via, buf));
			return tg;
		}
		if (t->ops->link(t->arg, own, &tg.oif) < 0) {
			note_add(nt, "no link for link-local nexthop %s",
			    addr_format(&c->via, buf));
			return tg;
		}
	}
	tg.active = true;
	return tg;
}

/* Brings node n to the facts in next[] (the node's deleting and created
 * already updated when force is set), calling ops for the routes that
 * change. */
static void
apply(struct nodes *t, struct node *n, const struct claim next[NODE_NFAM],
    bool force, struct note *nt)
{
	struct prior prior[2 * NODE_NFAM];
	struct target tg[NODE_NFAM];
	size_t np = 0, i, j;
	bool same;
	int fam;

	for (fam = 0; fam < NODE_NFAM; fam++) {
		struct claim *c = &n->claim[fam];
		const struct claim *x = &next[fam];

		tg[fam] = evaluate(t, n, x, nt);
		if (!force && c->active == tg[fam].active &&
		    (!c->active || (cidr_cmp(&c->cidr, &x->cidr) == 0 &&
		    addr_cmp(&c->via, &x->via) == 0 &&
		    claim_oif(c) == tg[fam].oif))) {
			/* Same route, or none either way: just remember. */
			if (!c->active) {
				c->has_cidr = x->has_cidr;
				c->cidr = x->cidr;
				c->has_via = x->has_via;
				c->via = x->via;
			}
			tg[fam].active = c->active;
			continue;
		}
		/* A new nexthop on the same CIDR keeps the claim's place. */
		same = c->active && tg[fam].active &&
		    cidr_cmp(&c->cidr, &x->cidr) == 0;
		if (c->active)
			prior_take(t, &c->cidr, &prior[np++]);
		if (tg[fam].active)
			prior_take(t, &x->cidr, &prior[np++]);
		if (c->active)
			cidrs_remove(t, c);
		c->has_cidr = x->has_cidr;
		c->cidr = x->cidr;
		c->has_via = x->has_via;
		c->via = x->via;
		if (addr_is_v6_linklocal(&c->via))
			n->oif = tg[fam].oif;
		if (tg[fam].active) {
			struct claim *routed;
			size_t count;
			struct claim *best;
			char buf[ADDR_STRLEN];

			best = cidrs_scan(t, &c->cidr, &routed, &count);
			if (!same && t->listed && t->seq < UINT32_MAX)
				t->seq++;
			if (!same)
				c->seq = t->listed ? t->seq : 0;
			cidrs_insert(t, c);
			if (best != NULL && !same)
				log_warnx("node %s: %s is also claimed by node "
				    "%s; %s wins", n->name,
				    cidr_format(&c->cidr, buf),
				    claim_node(best)->name,
				    claim_wins(c, best) ? n->name :
				    claim_node(best)->name);
		}
	}
	/* Settle each destination once, so that a route that stays the same
	 * across the change is not taken down and put back. */
	for (i = 0; i < np; i++) {
		for (j = 0; j < i; j++)
			if (cidr_cmp(&prior[j].dst, &prior[i].dst) == 0)
				break;
		if (j == i)
			settle(t, &prior[i]);
	}
}

static void
log_note(struct node *n, const struct note *nt)
{
	uint32_t h = nt->len == 0 ? 0 : fnv1a(FNV1A_INIT, nt->text, nt->len);
	bool routed = n->claim[NODE_V4].routed || n->claim[NODE_V6].routed;

	if (h == n->note_hash)
		return;
	n->note_hash = h;
	if (nt->len == 0)
		log_info("node %s: usable again", n->name);
	else if (nt->refused)
		log_warnx("node %s: %s%s", n->name, routed ? "" : "no routes: ",
		    nt->text);
	else if (routed || n->self)
		log_info("node %s: %s", n->name, nt->text);
	else
		log_info("node %s: no routes: %s", n->name, nt->text);
}

/* --- the name index ---------------------------------------------------- */

/* Where node name (hash h) is in its chain, or would be: *slot is it,
 * or NULL. */
static struct link **
names_slot(const struct nodes *t, const char *name, uint32_t h)
{
	struct link **pp = &t->names[h & (t->n_names - 1)];
	const struct node *n;

	while ((n = (const struct node *)*pp) != NULL &&
	    strcmp(n->name, name) != 0)
		pp = &(*pp)->next;
	return pp;
}

/* What is known about n before it is evaluated, so that judging it
 * again writes the same note. */
static void
note_start(const struct node *n, struct note *nt)
{
	nt->text[0] = '\0';
	nt->len = 0;
	nt->refused = false;
	if (n->decoded != NULL)
		note_add(nt, "%s", n->decoded);
	if (n->deleting && !n->self)
		note_add(nt, "being deleted");
}

/* Judges every node again on its last facts. Rare (the policy or the own
 * node changed), so a scan is fine. */
void
nodes_recheck(struct nodes *t)
{
	size_t i;

	for (i = 0; i < t->n_names; i++) {
		struct node *n;

		for (n = (struct node *)t->names[i]; n != NULL;
		    n = (struct node *)n->link.next) {
			struct claim next[NODE_NFAM];
			struct note nt;

			note_start(n, &nt);
			memcpy(next, n->claim, sizeof(next));
			apply(t, n, next, false, &nt);
			log_note(n, &nt);
		}
	}
}

/* The decoder's note, which only the log shows: without memory for it
 * the node goes on without. */
static void
decoded_set(struct node *n, const char *note)
{
	if (n->decoded != NULL && strcmp(n->decoded, note) == 0)
		return;
	free(n->decoded);
	n->decoded = NULL;
	if (note[0] != '\0' && (n->decoded = strdup(note)) == NULL)
		log_warn("node %s: its decoder's note", n->name);
}

int
nodes_update(struct nodes *t, const struct node_rec *rec)
{
	uint32_t h = name_hash(rec->name);
	struct link **pp = names_slot(t, rec->name, h);
	struct node *n = (struct node *)*pp;
	struct claim next[NODE_NFAM];
	struct note nt;
	bool force = false, self_changed = false;
	int fam;

	if (n == NULL) {
		size_t len = strlen(rec->name);

		if (t->nodes >= t->n_names * 2) {
			index_grow(&t->names, &t->n_names, node_hash);
			pp = names_slot(t, rec->name, h);
		}
		if ((n = calloc(1, sizeof(*n) + len + 1)) == NULL)
			return -1;
		memcpy(n->name, rec->name, len + 1);
		n->self = strcmp(rec->name, t->self) == 0;
		n->created = rec->created;
		for (fam = 0; fam < NODE_NFAM; fam++)
			n->claim[fam].fam = (uint8_t)fam;
		*pp = &n->link;
		t->nodes++;
		if (n->self)
			t->me = n;
		self_changed = n->self;
		log_debug("node %s: new", n->name);
	}
	n->gen = t->gen;
	if (n->deleting != rec->deleting || n->created != rec->created) {
		n->deleting = rec->deleting;
		n->created = rec->created;
		force = true;
	}
	memset(next, 0, sizeof(next));
	for (fam = 0; fam < NODE_NFAM; fam++) {
		next[fam].has_cidr = rec->has_cidr[fam];
		if (rec->has_cidr[fam])
			next[fam].cidr = rec->cidr[fam];
		next[fam].has_via = rec->has_via[fam];
		if (rec->has_via[fam])
			next[fam].via = rec->via[fam];
		if (n->self && (next[fam].has_cidr != n->claim[fam].has_cidr ||
		    next[fam].has_via != n->claim[fam].has_via ||
		    cidr_cmp(&next[fam].cidr, &n->claim[fam].cidr) != 0 ||
		    addr_cmp(&next[fam].via, &n->claim[fam].via) != 0))
			self_changed = true;
	}
	decoded_set(n, rec->note);
	note_start(n, &nt);
	apply(t, n, next, force, &nt);
	log_note(n, &nt);
	if (self_changed) {
		/* apply keeps only the facts of claims that route (or block);
		 * the own addresses matter even without a CIDR. */
		for (fam = 0; fam < NODE_NFAM; fam++) {
			n->claim[fam].has_via = next[fam].has_via;
			n->claim[fam].via = next[fam].via;
		}
		t->ops->self(t->arg, rec);
		/* Its ranges are refused to the others; link-local nexthops
		 * may now go out of another link. */
		nodes_recheck(t);
	}
	return 0;
}

static void
unlink_node(struct nodes *t, struct link **pp)
{
	struct node *n = (struct node *)*pp;
	struct claim next[NODE_NFAM];
	struct note nt = { "", 0, false };

	memset(next, 0, sizeof(next));
	apply(t, n, next, false, &nt);
	*pp = n->link.next;
	t->nodes--;
	if (t->me == n)
		t->me = NULL;
	log_debug("node %s: gone", n->name);
	free(n->decoded);
	free(n);
}

void
nodes_remove(struct nodes *t, const char *name)
{
	struct link **pp = names_slot(t, name, name_hash(name));

	if (*pp != NULL)
		unlink_node(t, pp);
}

void
nodes_mark(struct nodes *t)
{
	t->gen++;
}

void
nodes_keep(struct nodes *t, const char *name)
{
	struct node *n = (struct node *)*names_slot(t, name, name_hash(name));

	if (n != NULL)
		n->gen = t->gen;
}

void
nodes_sweep(struct nodes *t)
{
	size_t i;

	t->listed = true;
	for (i = 0; i < t->n_names; i++) {
		struct link **pp = &t->names[i];
		struct node *n;

		while ((n = (struct node *)*pp) != NULL) {
			if (n->gen != t->gen) {
				log_info("node %s: gone from the list",
				    n->name);
				unlink_node(t, pp);
			} else {
				pp = &(*pp)->next;
			}
		}
	}
}
