/*-------------------------------------------------------------------------
 *
 * filter_project.c
 *	  The linear front of a circuit: WHERE, then the expressions that make a
 *	  circuit row (output columns of a bag view; group keys and aggregate
 *	  inputs of a grouped view).  Linear operators commute with the delta,
 *	  so they run on changed rows only, whatever their weight.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "executor/executor.h"

#include "stepping.h"

/*
 * Evaluate the view's WHERE and row expressions over one base row.  Returns
 * false when the row is filtered out.  The values live in the circuit's
 * per-row memory until the caller resets c->econtext.
 */
bool
filter_project_row(Circuit *c, TupleTableSlot *baseslot, Datum *values,
				   bool *isnull)
{
	ExprContext *econtext = c->econtext;
	MemoryContext old;
	int			i;

	/* a row's temporaries go with the caller's per-row reset */
	econtext->ecxt_scantuple = baseslot;
	old = MemoryContextSwitchTo(econtext->ecxt_per_tuple_memory);
	if (c->where && !ExecQual(c->where, econtext))
	{
		MemoryContextSwitchTo(old);
		return false;
	}
	for (i = 0; i < c->nrowcols; i++)
		values[i] = ExecEvalExpr(c->rowexprs[i], econtext, &isnull[i]);
	MemoryContextSwitchTo(old);
	return true;
}
