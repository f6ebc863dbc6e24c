/*-------------------------------------------------------------------------
 *
 * ddl.h
 *	  What the DDL event triggers' files share (src/ddl/): ddl.c dispatches
 *	  each command to the checks of guard.c (stepping's own triggers and
 *	  indexes) and follow.c (definitions that follow renames and changed
 *	  objects), and holds the checks on tables.
 *
 *-------------------------------------------------------------------------
 */
#ifndef STEPPING_DDL_H
#define STEPPING_DDL_H

#include "nodes/parsenodes.h"

/* ddl.c */
extern Oid	ddl_relid_of(RangeVar *rv);
extern bool ddl_is_base_table(Oid relid);
extern bool ddl_is_result_table(Oid relid);
extern char *ddl_views_depending(Oid relid);
extern void ddl_refuse_base_change(Oid relid, const char *what);

/* guard.c */
extern void ddl_check_trigger_command(RangeVar *relation, const char *tgname,
									  const char *what, bool rename);
extern void ddl_check_trigger_subcommand(Oid relid, AlterTableCmd *cmd);
extern void ddl_restore_always(AlterTableStmt *stmt);
extern void ddl_check_drop_index(DropStmt *stmt);
extern void ddl_check_drop_trigger(DropStmt *stmt);
extern void ddl_check_depends(AlterObjectDependsStmt *stmt);

/* follow.c */
extern void ddl_follow_definition_changes(void);
extern void ddl_remember_definitions(void);
extern void ddl_rewrite_definitions(void);

#endif							/* STEPPING_DDL_H */
