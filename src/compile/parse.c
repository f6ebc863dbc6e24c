/*-------------------------------------------------------------------------
 *
 * parse.c
 *	  Reading and writing a view's SQL: the settings every view is analyzed,
 *	  deparsed and run under (pinned like a function's SET clause), parse
 *	  analysis of a view query with PostgreSQL's own parser, and the deparse
 *	  that stores it fully qualified and spelled as pg_dump spells it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "miscadmin.h"
#include "parser/analyze.h"
#include "parser/parse_expr.h"
#include "parser/parser.h"
#include "utils/bytea.h"
#include "utils/float.h"
#include "utils/pg_locale.h"
#include "utils/ruleutils.h"
#include "utils/xml.h"

#include "stepping.h"
#include "compile/compile.h"

/* ----------------------------------------------------------------
 * Parsing
 * ----------------------------------------------------------------
 */

/*
 * The settings every view is evaluated under, the same for all views, like
 * a function's SET clause: those that change how SQL text is parsed (a
 * stored definition, a group recompute's text) or how a value prints through
 * an IMMUTABLE output function (float8out follows extra_float_digits,
 * byteaout bytea_output).  Stable functions are refused, so nothing else a
 * session sets can reach a view's rows.  The values are pg_dump's, which
 * round-trip: ISO dates, postgres intervals, shortest-exact floats.
 *
 * holds() says whether the session already has the value, so a step pays
 * for set_config_option only for the settings that differ (search_path,
 * almost always).
 */
typedef struct PinnedSetting
{
	const char *name;
	const char *value;
	bool		(*holds) (void);
} PinnedSetting;

static bool
search_path_holds(void)
{
	return namespace_search_path != NULL &&
		strcmp(namespace_search_path, "pg_catalog, pg_temp") == 0;
}

static bool
datestyle_holds(void)
{
	return DateStyle == USE_ISO_DATES && DateOrder == DATEORDER_MDY;
}

static bool
intervalstyle_holds(void)
{
	return IntervalStyle == INTSTYLE_POSTGRES;
}

/* any zone without offset changes prints and parses as UTC does */
static bool
timezone_holds(void)
{
	long int	gmtoff;

	return session_timezone != NULL &&
		pg_get_timezone_offset(session_timezone, &gmtoff) && gmtoff == 0;
}

/* every positive value prints the shortest exact text */
static bool
float_digits_holds(void)
{
	return extra_float_digits > 0;
}

static bool
bytea_output_holds(void)
{
	return bytea_output == BYTEA_OUTPUT_HEX;
}

static bool
strings_holds(void)
{
	return standard_conforming_strings;
}

static bool
array_nulls_holds(void)
{
	return Array_nulls;
}

static bool
xmloption_holds(void)
{
	return xmloption == XMLOPTION_CONTENT;
}

static bool
xmlbinary_holds(void)
{
	return xmlbinary == XMLBINARY_BASE64;
}

static bool
null_equals_holds(void)
{
	return !Transform_null_equals;
}

/*
 * Money literals in stored text are read with the monetary locale's
 * symbols.  C, POSIX and the C.<encoding> locales format money alike (the
 * test clusters' C.UTF-8 included), so a step in such a session pays for no
 * setlocale() calls.
 */
static bool
lc_monetary_holds(void)
{
	return locale_monetary != NULL &&
		(strcmp(locale_monetary, "C") == 0 ||
		 strcmp(locale_monetary, "POSIX") == 0 ||
		 strncmp(locale_monetary, "C.", 2) == 0);
}

static const PinnedSetting pinned_settings[] = {
	{"search_path", "pg_catalog, pg_temp", search_path_holds},
	{"DateStyle", "ISO, MDY", datestyle_holds},
	{"IntervalStyle", "postgres", intervalstyle_holds},
	{"TimeZone", "UTC", timezone_holds},
	{"extra_float_digits", "1", float_digits_holds},
	{"bytea_output", "hex", bytea_output_holds},
	{"standard_conforming_strings", "on", strings_holds},
	{"array_nulls", "on", array_nulls_holds},
	{"xmloption", "content", xmloption_holds},
	{"xmlbinary", "base64", xmlbinary_holds},
	{"transform_null_equals", "off", null_equals_holds},
	{"lc_monetary", "C", lc_monetary_holds},
};

/*
 * Enter the pinned settings; returns the GUC nest level to pass to
 * stepping_unpin_settings, which restores the caller's values (an error in
 * between restores them at subtransaction or transaction abort).
 */
int
stepping_pin_settings(void)
{
	int			nestlevel = NewGUCNestLevel();
	int			i;

	for (i = 0; i < (int) lengthof(pinned_settings); i++)
		if (!pinned_settings[i].holds())
			(void) set_config_option(pinned_settings[i].name,
									 pinned_settings[i].value,
									 PGC_USERSET, PGC_S_SESSION,
									 GUC_ACTION_SAVE, true, 0, false);
	return nestlevel;
}

void
stepping_unpin_settings(int nestlevel)
{
	AtEOXact_GUC(true, nestlevel);
}

/*
 * Parse and analyze a view query.  pinned analyzes stored definitions under
 * the pinned settings (search_path pg_catalog only, pg_dump's styles), so
 * nothing in the caller's settings can redirect a name or reread a literal.
 * A user's own text (create_view) is analyzed under the user's settings, as
 * CREATE VIEW does, and stored deparsed under the pinned ones.
 */
Query *
analyze_view_query(const char *sql, bool pinned)
{
	List	   *raw;
	RawStmt    *stmt;
	Query	   *query;
	int			nestlevel = -1;

	if (pinned)
		nestlevel = stepping_pin_settings();

	raw = raw_parser(sql, RAW_PARSE_DEFAULT);
	if (list_length(raw) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the query of a stepping view is empty"),
				 errhint("Pass one SELECT statement.")));
	if (list_length(raw) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the query of a stepping view must be a single statement"),
				 errhint("Pass one SELECT statement, without a semicolon between statements.")));
	stmt = linitial_node(RawStmt, raw);
	if (!IsA(stmt->stmt, SelectStmt))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the query of a stepping view must be a SELECT"),
				 errhint("Pass the SELECT whose result the view keeps.")));

	query = parse_analyze_fixedparams(stmt, sql, NULL, 0, NULL);

	if (pinned)
		stepping_unpin_settings(nestlevel);
	return query;
}

/*
 * Deparse a query as fully qualified SQL that reads back the same under the
 * pinned settings, whatever the session's DateStyle or float digits.
 */
char *
deparse_view_query(Query *query)
{
	int			nestlevel = stepping_pin_settings();
	char	   *sql = pg_get_querydef(copyObject(query), false);

	stepping_unpin_settings(nestlevel);
	return sql;
}
