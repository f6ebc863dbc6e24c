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
