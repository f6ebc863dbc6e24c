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

/* decompose.c and sublinks.c: a view as a signed sum of inner joins */
/* Components of one view at most: each costs plans per changed input. */
#define MAX_COMPONENTS 64

/* A component while it is being built. */
typedef struct Part
{
	Bitmapset  *rels;			/* range table entries joined */
	List	   *quals;			/* implicit AND */
	Bitmapset  *nulled;			/* entries read as NULL */
	List	   *uses;			/* IndicatorUse * */
	List	   *subst_from;		/* scalar subqueries ... */
	List	   *subst_to;		/* ... and what they are in this part */
	int64		coef;
} Part;

typedef struct Decomposer
{
	Query	   *query;
	List	   *indicators;
} Decomposer;

/* A correlated subquery's or join's conditions, sorted by what they read. */
typedef struct Split
{
	List	   *inner_filter;	/* the inner relation alone (as entry 1) */
	List	   *outer_filter;	/* the outer side alone */
	List	   *inner_keys;		/* Expr over the inner relation */
	List	   *outer_keys;		/* Expr over the outer side */
	List	   *opnos;
	List	   *collids;
	List	   *outer_left;
} Split;

typedef bool (*SideTest) (Node *expr, void *arg);

typedef struct Subst
{
	List	   *from;
	List	   *to;
} Subst;

/* decompose.c */
extern List *decompose_check_size(List *parts);
extern Part *decompose_part_copy(Part *p);
extern Oid decompose_inner_equality(Oid opno, Oid innertype);
extern void decompose_split_conditions(List *conjuncts, SideTest in_inner, SideTest in_outer, void *arg, Split *s, const char *where);
extern Indicator *decompose_make_indicator(Decomposer *d, RangeTblEntry *rte, List *keys, List *filter, List *collids);
extern IndicatorUse *decompose_make_use(Indicator *ind, Split *s, List *outer_keys);
extern List *decompose_times(List *parts, List *quals, List *uses, int64 sign);

/* sublinks.c */
extern List *sublink_apply_predicate(Decomposer *d, List *parts, Node *conj);
extern bool sublink_collect_scalars(Node *node, List **scalars);
extern bool sublink_other_walker(Node *node, void *context);
extern List *sublink_expand_scalar(Decomposer *d, List *parts, SubLink *sl);
extern Node *sublink_subst_mutator(Node *node, Subst *s);

/* build.c, for build_grouped.c */
extern ExprState *build_init_expr(Expr *expr);
extern void build_explain_line(Circuit *c, const char *fmt,...) pg_attribute_printf(2, 3);
extern char *build_deparse_over_base(Node *expr, Oid baseid);
extern AttrNumber build_result_attnum(TupleDesc desc, const char *name);
extern Oid	build_find_key_index(Relation rel, int nkeycols, AttrNumber *keycols);

/* build_grouped.c */
extern void compile_grouped(Circuit *c, ViewPlan *p, Relation result);

/* define.c */
extern Oid	create_view_from_query(RangeVar *rv, Query *query, const char *original);
extern List *internal_column_names(List *names);

/* define.c */
extern void create_view_index(const char *stmt);

/* lateral.c */
extern int	rewrite_lateral(Query *query, int rtindex);
extern void reject_reserved_names(Query *query);
extern void read_internal_view(RangeTblEntry *rte, Oid oid);
extern Oid	create_subquery_view(Query *sub, List *names, RangeVar *rv, int *counter);

/* window.c: views with window functions, maintained per partition */
extern Query *rewrite_window(Query *query, RangeVar *rv, int *counter, List **internal);

/* plan.c */
extern bool collect_sublinks_walker(Node *node, List **sublinks);
extern char *column_type_sql(Oid type, int32 typmod, Oid collation);
extern ViewPlan *plan_view(Query *query);

/* validate.c */
extern int count_relations(Query *query);
extern bool has_function_input(Query *query);

#endif							/* STEPPING_COMPILE_H */
