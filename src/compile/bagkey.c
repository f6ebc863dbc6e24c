/*-------------------------------------------------------------------------
 *
 * bagkey.c
 *	  Which visible columns of an inner-join view identify its rows.
 *
 *	  A join view without GROUP BY keeps its rows as a bag.  When its select
 *	  list carries enough columns to determine every joined row (say the
 *	  primary key of orders, joined to customers by customers' primary key),
 *	  the result table is indexed on those columns instead of on a hash of
 *	  the whole row: the index is then useful to readers, and ever-growing
 *	  keys such as a bigserial insert at the right edge of the btree rather
 *	  than at a random leaf.
 *
 *	  The key is an access path only.  Rows are still matched by their whole
 *	  image and the index is not unique, so a key that stops being one (a
 *	  unique index dropped later) makes lookups slower, never wrong.
 *
 *	  The derivation is the usual functional-dependency closure: start from
 *	  the base columns the select list shows, add a column equated (by a
 *	  mergejoinable operator in an inner join's conditions or WHERE) to a
 *	  determined column or to a constant, and add every column of a table
 *	  once all columns of one of its unique, immediate, NOT NULL indexes are
 *	  determined.  The view is keyed when every table ends up determined;
 *	  columns are then dropped from the key while it stays one.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/table.h"
#include "catalog/index.h"
#include "catalog/pg_am.h"
#include "commands/defrem.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/typcache.h"

#include "stepping.h"

/* One base table of the join and what is known about its columns. */
typedef struct KeyRel
{
	Index		varno;
	int			natts;
	List	   *uniques;		/* int2vector-like List of attnos per index */
} KeyRel;

typedef struct KeyProblem
{
	int			nrels;
	KeyRel	   *rels;
	List	   *equalities;		/* pairs: Var *, Var * (or NULL = constant) */
} KeyProblem;

static Var *
plain_var(Node *node)
{
	node = strip_relabel(node);
	if (node && IsA(node, Var) && ((Var *) node)->varlevelsup == 0 &&
		((Var *) node)->varattno > 0)
		return (Var *) node;
	return NULL;
}

static bool
is_const(Node *node)
{
	node = strip_relabel(node);
	return node && IsA(node, Const) && !((Const *) node)->constisnull;
}

/* The unique indexes of a table that can determine a row: plain columns. */
static List *
determining_indexes(Oid relid)
{
	Relation	rel = table_open(relid, AccessShareLock);
	List	   *result = NIL;
	ListCell   *lc;

	foreach(lc, RelationGetIndexList(rel))
	{
		Relation	idx = index_open(lfirst_oid(lc), AccessShareLock);
		Form_pg_index form = idx->rd_index;
		bool		usable = form->indisunique && form->indimmediate &&
			form->indisvalid && idx->rd_indexprs == NIL &&
			RelationGetIndexPredicate(idx) == NIL;
		List	   *atts = NIL;
		int			k;

		for (k = 0; usable && k < form->indnkeyatts; k++)
		{
			AttrNumber	att = form->indkey.values[k];

			if (att <= 0 ||
				!TupleDescAttr(RelationGetDescr(rel), att - 1)->attnotnull)
				usable = false;
			else
				atts = lappend_int(atts, att);
		}
		if (usable && atts != NIL)
			result = lappend(result, atts);
		else
			list_free(atts);
		index_close(idx, AccessShareLock);
	}
	table_close(rel, AccessShareLock);
	return result;
}

/* The position of range table entry varno among the join's tables, or -1. */
static int
rel_pos(KeyProblem *kp, Index varno)
{
	int			i;

	for (i = 0; i < kp->nrels; i++)
		if (kp->rels[i].varno == varno)
			return i;
	return -1;
}

static KeyRel *
key_rel(KeyProblem *kp, Index varno)
{
	int			i = rel_pos(kp, varno);

	return i < 0 ? NULL : &kp->rels[i];
}

/*
 * Whether the columns in seeds (Var *) determine every table's row.  known
 * is a per-table bitmap of determined attnos.
 */
static bool
determines_all(KeyProblem *kp, List *seeds)
{
	Bitmapset **known = palloc0(sizeof(Bitmapset *) * kp->nrels);
	bool	   *whole = palloc0(sizeof(bool) * kp->nrels);
	bool		changed = true;
	bool		all = true;
	ListCell   *lc;
	int			i;

#define KNOWN(v) (known[rel_pos(kp, (v)->varno)])

	foreach(lc, seeds)
	{
		Var		   *v = lfirst(lc);

		KNOWN(v) = bms_add_member(KNOWN(v), v->varattno);
	}
	while (changed)
	{
		changed = false;
		for (lc = list_head(kp->equalities); lc; lc = lnext(kp->equalities, lnext(kp->equalities, lc)))
		{
			Var		   *a = lfirst(lc);
			Var		   *b = lfirst(lnext(kp->equalities, lc));
			bool		ka = (a == NULL || bms_is_member(a->varattno, KNOWN(a)) ||
							  whole[rel_pos(kp, a->varno)]);
			bool		kb = (bms_is_member(b->varattno, KNOWN(b)) ||
							  whole[rel_pos(kp, b->varno)]);

			if (ka && !kb)
			{
				KNOWN(b) = bms_add_member(KNOWN(b), b->varattno);
				changed = true;
			}
			else if (kb && a != NULL && !ka)
			{
				KNOWN(a) = bms_add_member(KNOWN(a), a->varattno);
				changed = true;
			}
		}
		for (i = 0; i < kp->nrels; i++)
		{
			ListCell   *li;

			if (whole[i])
				continue;
			foreach(li, kp->rels[i].uniques)
			{
				List	   *atts = lfirst(li);
				ListCell   *la;
				bool		covered = true;

				foreach(la, atts)
					if (!bms_is_member(lfirst_int(la), known[i]))
						covered = false;
				if (covered)
				{
					whole[i] = true;
					changed = true;
					break;
				}
			}
		}
	}
#undef KNOWN
	for (i = 0; i < kp->nrels; i++)
		all = all && whole[i];
	return all;
}

/*
 * The 0-based positions in visible (TargetEntry *, join alias vars already
 * flattened) of a minimal set of columns that identifies a row of the inner
 * join in query, or NIL.
 */
List *
join_row_key(Query *query, List *visible)
{
	KeyProblem	kp = {0};
	List	   *quals = NIL;
	List	   *seeds = NIL;
	List	   *positions = NIL;
	ListCell   *lc;
	int			i;

	if (query->setOperations || query->hasAggs || query->groupClause ||
		query->distinctClause || query->hasTargetSRFs ||
		!inner_join_conditions((Node *) query->jointree, &quals))
		return NIL;

	kp.rels = palloc0(sizeof(KeyRel) * list_length(query->rtable));
	i = 0;
	foreach(lc, query->rtable)
	{
		RangeTblEntry *rte = lfirst_node(RangeTblEntry, lc);

		i++;
		if (rte->rtekind == RTE_JOIN)
			continue;
		if (rte->rtekind != RTE_RELATION)
			return NIL;
		kp.rels[kp.nrels].varno = i;
		kp.rels[kp.nrels].uniques = determining_indexes(rte->relid);
		kp.nrels++;
	}

	quals = (List *) flatten_join_alias_vars(query, (Node *) quals);
	foreach(lc, quals)
	{
		OpExpr	   *op = (OpExpr *) lfirst(lc);
		Var		   *l,
				   *r;

		if (!IsA(op, OpExpr) || list_length(op->args) != 2 ||
			!op_mergejoinable(op->opno, exprType(linitial(op->args))))
			continue;
		l = plain_var(linitial(op->args));
		r = plain_var(lsecond(op->args));
		if (l && !key_rel(&kp, l->varno))
			l = NULL;
		if (r && !key_rel(&kp, r->varno))
			r = NULL;
		if (l && r)
			kp.equalities = lappend(lappend(kp.equalities, l), r);
		else if (l && is_const(lsecond(op->args)))
			kp.equalities = lappend(lappend(kp.equalities, NULL), l);
		else if (r && is_const(linitial(op->args)))
			kp.equalities = lappend(lappend(kp.equalities, NULL), r);
	}

	/*
	 * candidates: visible plain columns whose type a btree can index and
	 * compare (a composite or array type has an operator class even when a
	 * field or element type has no comparison, such as xid)
	 */
	i = 0;
	foreach(lc, visible)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);
		Var		   *v = IsA(tle->expr, Var) ? (Var *) tle->expr : NULL;

		if (v && v->varlevelsup == 0 && v->varattno > 0 &&
			key_rel(&kp, v->varno) &&
			OidIsValid(GetDefaultOpClass(v->vartype, BTREE_AM_OID)) &&
			OidIsValid(lookup_type_cache(v->vartype, TYPECACHE_CMP_PROC)->cmp_proc))
		{
			seeds = lappend(seeds, v);
			positions = lappend_int(positions, i);
		}
		i++;
	}
	if (!determines_all(&kp, seeds))
		return NIL;

	/* drop what the rest still determines, last columns first */
	for (i = list_length(seeds) - 1; i >= 0; i--)
	{
		List	   *fewer = list_delete_nth_cell(list_copy(seeds), i);

		if (determines_all(&kp, fewer))
		{
			seeds = fewer;
			positions = list_delete_nth_cell(positions, i);
		}
	}
	return positions;
}
