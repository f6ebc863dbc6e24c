/*-------------------------------------------------------------------------
 *
 * compile.h
 *	  What the definition-time files share (src/compile/): parse.c reads
 *	  and writes SQL under pinned settings, validate.c refuses, plan.c
 *	  decides a view's kind, keys and state columns (ViewPlan), build.c
 *	  compiles a circuit; rewrite.c, decompose.c, scalar.c and bagkey.c
 *	  rewrite queries into what those can maintain.
 *
 *-------------------------------------------------------------------------
 */
#ifndef STEPPING_COMPILE_H
#define STEPPING_COMPILE_H

#include "stepping.h"

/* Everything decided about one view query. */
typedef struct ViewPlan
{
	ViewKind	kind;
	bool		global;
	Oid			baseid;
	bool		join;			/* more than one input */
	bool		setop;			/* UNION [ALL] of internal views */
	List	   *visible;		/* TargetEntry *, non-junk, in order */
	int			nvisible;

	/* grouped */
	List	   *groupexprs;		/* Expr * */
	Oid		   *groupeqops;
	Oid		   *groupcolls;
	int		   *group_vis;		/* visible column (0-based) or -1 */
	List	   *aggrefs;		/* Aggref *, distinct */
	AggSpec    *aggs;

	Node	   *having;			/* HAVING, or NULL */

	/* bag */
	List	   *bagkey;			/* visible column numbers (0-based) of PK */
} ViewPlan;

/*
 * The hidden state columns of a result table (after the visible ones): the
 * one place their names are made, for plan.c's shape and build.c's lookups.
 */
#define HIDDEN_COUNT_COLUMN "__stepping_count"
#define HIDDEN_HASH_COLUMN "__stepping_hash"

typedef enum HiddenColumn
{
	HIDDEN_KEY,					/* a group expression not in the output */
	HIDDEN_AGG,					/* an aggregate's state or value */
	HIDDEN_NN,					/* its count of non-NULL inputs */
	HIDDEN_MSC					/* its count of inputs at the largest scale */
} HiddenColumn;

/* the name of hidden column kind for the n-th (0-based) key or aggregate */
extern char *hidden_column(HiddenColumn kind, int n);

/* does the aggregate keep a count of non-NULL inputs / at the largest scale? */
static inline bool
agg_keeps_nn(const AggSpec *a)
{
	return a->kind != AGG_COUNT && a->kind != AGG_COUNT_STAR && a->kind != AGG_GENERIC;
}

static inline bool
agg_keeps_msc(const AggSpec *a)
{
	return a->sumkind == SUM_NUMERIC;
}

/* define.c */
extern Oid	create_view_from_query(RangeVar *rv, Query *query, const char *original);

/* plan.c */
extern bool collect_sublinks_walker(Node *node, List **sublinks);
extern char *column_type_sql(Oid type, int32 typmod, Oid collation);
extern ViewPlan *plan_view(Query *query);

/* validate.c */
extern int count_relations(Query *query);
extern bool has_function_input(Query *query);

#endif							/* STEPPING_COMPILE_H */
