-- test/random/joins.sql: randomized differential test of stepping views over
-- JOINs of 2-4 base tables (inner, LEFT / RIGHT / FULL), subqueries in FROM,
-- WITH queries, set operations (also INTERSECT ALL / EXCEPT ALL), [NOT]
-- EXISTS / [NOT] IN subqueries in WHERE, scalar subqueries (aggregates,
-- correlated or not, and lookups by a primary key; in WHERE, the select list,
-- GROUP BY expressions and aggregate arguments), set-returning functions in
-- FROM, JSON aggregates and builders, window functions (over a join's rows,
-- its groups, set operations, in subqueries, WITH queries and inner views,
-- filtered on by an outer query), and views over views.
--
-- Loaded by test/random/run_joins.sh into a scratch database; everything
-- lives in schema rj (base tables of a round in schema jt, views in jv).
-- One round = CALL rj.run_round(seed, round, nviews, nstmts, trace, disable, phase):
--   phase 1 (one session): 2-4 base tables with roles
--       pk    id serial PRIMARY KEY
--       dim   id int PRIMARY KEY (ids 1..10, a "dimension" many rows join to)
--       bag   id int, no key (duplicate rows)
--       child id serial PRIMARY KEY, pid REFERENCES <a pk/dim table> (id)
--             ON DELETE CASCADE ON UPDATE CASCADE
--     all with the columns id, pid, k, j, lo, hi, v int, n numeric(10,2),
--     x float8 (multiples of 0.5: sums are exact), t text, b bool;
--     initial rows, the view definitions, and ~70% of the views;
--   phase 2 (a NEW session, so stored definitions and join plans are made
--     again): random DML - autocommit statements, transactions over several
--     tables that COMMIT or ROLLBACK, exception blocks (savepoints) that roll
--     back or release, statements failing half-way, TRUNCATE, ON CONFLICT,
--     MERGE, writable CTEs over two tables, FK cascades - and the remaining
--     views after a third of the statements; then everything is dropped.
-- After EVERY statement every live view is checked twice:
--   * SELECT count(*) FROM stepping.check_view(v) must be 0, and
--   * an independent oracle: the result table's visible columns vs. a fresh
--     run of the ORIGINAL query text, as multisets of row text.
-- Generation only uses random() after setseed(), so (seed, round) always
-- replays the same statements.  On a mismatch the round stores the view, the
-- statement, the diff and a psql-replayable script in rj.failure.
--
-- View generator vocabulary: a FROM item (base table, subquery, WITH query,
-- another view's result table) is described as jsonb
--   {"alias": "a1", "sql": "jt.t1", "cols": {"k": "int", "t": "txt", ...},
--    "tab": 1 (0 = not a base table), "mask": <bits of base tables>, "depth": n,
--    "bo": reads base tables only (see rj.multipath_off)}
-- with column classes int, num, flt, txt, bool.  Subqueries, WITH queries and
-- "inner" views (views other views read) always output columns named from
-- the base tables' vocabulary, so join conditions, predicates, expressions
-- and aggregates can be generated over any item the same way.

DROP SCHEMA IF EXISTS rj CASCADE;
CREATE SCHEMA rj;
-- a case-insensitive collation for some text join conditions (needs ICU)
DO $$
BEGIN
    CREATE COLLATION rj.rj_ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'no ICU: text joins use the default collation only';
END $$;

CREATE TABLE rj.stats (
    seed       bigint,
    round      int,
    views      int,
    statements int,
    checks     bigint,
    min_seen   int,
    seconds    numeric,
    slow_view  text,      -- the view whose checks took longest, and their total time
    slow_view_secs numeric,
    slow_stmt  text,      -- the statement (with the maintenance it triggers) that took longest
    slow_stmt_secs numeric
);

-- one row per view of a finished round: its construct tags
CREATE TABLE rj.vstats (
    seed      bigint,
    round     int,
    view_name text,
    tags      text[],
    seen      int,
    checks    bigint
);

-- statement kinds run
CREATE TABLE rj.sstats (
    seed  bigint,
    round int,
    kind  text,
    n     int
);

CREATE TABLE rj.failure (
    seed       bigint,
    round      int,
    kind       text,
    view_name  text,
    view_query text,
    stmt       text,
    detail     text,
    script     text
);

-- state handed from phase 1 to phase 2
CREATE TABLE rj.rstate (
    seed     bigint,
    round    int,
    vnames   text[],
    vqueries text[],
    vcols    text[],
    vmasks   int[],
    vtags    text[],
    nlive    int,
    nchecks  bigint,
    vchk     bigint[],
    script   text[],
    settings text[],
    t0       timestamptz
);

-- ------------------------------------------------------------------
-- random helpers
-- ------------------------------------------------------------------

CREATE FUNCTION rj.ri(lo int, hi int) RETURNS int
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    RETURN lo + floor(random() * (hi - lo + 1))::int;
END $$;

CREATE FUNCTION rj.chance(p float8) RETURNS bool
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    RETURN random() < p;
END $$;

CREATE FUNCTION rj.pick(arr text[]) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    IF coalesce(cardinality(arr), 0) = 0 THEN
        RETURN NULL;
    END IF;
    RETURN arr[1 + floor(random() * cardinality(arr))::int];
END $$;

CREATE FUNCTION rj.pickj(arr jsonb) RETURNS jsonb
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    IF arr IS NULL OR jsonb_array_length(arr) = 0 THEN
        RETURN NULL;
    END IF;
    RETURN arr -> floor(random() * jsonb_array_length(arr))::int;
END $$;

CREATE FUNCTION rj.setting(name text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT coalesce(current_setting('rj.' || name, true), '')
$$;

-- feature switches: run_joins.sh --disable a,b,c (to look for bugs behind a known one)
CREATE FUNCTION rj.disabled(feature text) RETURNS bool
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN position(',' || feature || ',' IN ',' || rj.setting('disable') || ',') > 0;
END $$;

CREATE FUNCTION rj.note(s text) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    IF rj.setting('trace') = 'on' THEN
        RAISE NOTICE '%', s;
    END IF;
    RETURN s;
END $$;

-- ------------------------------------------------------------------
-- the round's base tables: jt.t1 .. jt.tN, roles and FK parents in settings
-- ------------------------------------------------------------------

CREATE FUNCTION rj.ntab() RETURNS int
LANGUAGE sql STABLE AS $$ SELECT nullif(rj.setting('ntab'), '')::int $$;

CREATE FUNCTION rj.role(t int) RETURNS text
LANGUAGE sql STABLE AS $$ SELECT split_part(rj.setting('roles'), ',', t) $$;

-- the FK parent of table t (0 = none)
CREATE FUNCTION rj.parent(t int) RETURNS int
LANGUAGE sql STABLE AS $$ SELECT coalesce(nullif(split_part(rj.setting('parents'), ',', t), '')::int, 0) $$;

CREATE FUNCTION rj.tname(t int) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT 'jt.t' || t $$;

CREATE FUNCTION rj.bit(t int) RETURNS int
LANGUAGE sql IMMUTABLE AS $$ SELECT 1 << (t - 1) $$;

-- table t and the children its deletes / key updates / TRUNCATE CASCADE reach
CREATE FUNCTION rj.cascade_mask(t int) RETURNS int
LANGUAGE plpgsql STABLE AS $$
DECLARE
    m int := rj.bit(t);
    i int;
BEGIN
    FOR i IN 1..rj.ntab() LOOP
        IF rj.parent(i) = t THEN
            m := m | rj.bit(i);
        END IF;
    END LOOP;
    RETURN m;
END $$;

CREATE FUNCTION rj.base_cols() RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
    SELECT '{"id": "int", "pid": "int", "k": "int", "j": "int", "lo": "int", "hi": "int",
             "v": "int", "n": "num", "x": "flt", "t": "txt", "b": "bool"}'::jsonb
$$;

-- FROM-item sources of the round: the base tables
CREATE FUNCTION rj.table_srcs() RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
    s jsonb := '[]';
    i int;
BEGIN
    FOR i IN 1..rj.ntab() LOOP
        s := s || jsonb_build_object('sql', rj.tname(i), 'cols', rj.base_cols(), 'tab', i,
                                     'mask', rj.bit(i), 'depth', 0, 'bo', true);
    END LOOP;
    RETURN s;
END $$;

-- ------------------------------------------------------------------
-- values and base-table predicates
-- ------------------------------------------------------------------

CREATE FUNCTION rj.texts() RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
    SELECT ARRAY['x', 'y', 'z', 'xy', 'x,y', '', 'a b', '"q"', 'NULL', 'x', 'X', 'Xy']
$$;

-- a literal for column col of table tbl (index)
CREATE FUNCTION rj.lit(col text, tbl int DEFAULT 0) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    IF col = 'pid' AND tbl > 0 AND rj.role(tbl) = 'child' THEN
        IF rj.chance(0.15) THEN
            RETURN 'NULL';
        END IF;
        RETURN format('(SELECT id FROM %s ORDER BY id OFFSET %s LIMIT 1)', rj.tname(rj.parent(tbl)), rj.ri(0, 9));
    END IF;
    IF col <> 'id' AND random() < 0.12 THEN
        RETURN 'NULL';
    END IF;
    CASE col
    WHEN 'id' THEN RETURN rj.ri(1, 10)::text;
    WHEN 'pid' THEN RETURN rj.ri(1, 8)::text;
    WHEN 'k', 'j' THEN RETURN rj.ri(0, 6)::text;
    WHEN 'lo' THEN RETURN rj.ri(-1, 6)::text;
    WHEN 'hi' THEN RETURN rj.ri(1, 9)::text;
    WHEN 'v' THEN RETURN rj.ri(-2, 9)::text;
    WHEN 'n' THEN RETURN (rj.ri(-4, 20) * 0.25)::numeric(10, 2)::text;
    WHEN 'x' THEN RETURN (rj.ri(-4, 12) * 0.5)::text;
    WHEN 't' THEN RETURN quote_literal(rj.pick(rj.texts()));
    WHEN 'b' THEN RETURN rj.pick(ARRAY['true', 'false']);
    END CASE;
    RETURN 'NULL';
END $$;

-- columns an INSERT of table t names
CREATE FUNCTION rj.ins_cols(t int) RETURNS text[]
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF rj.role(t) IN ('pk', 'child') THEN
        RETURN ARRAY['pid', 'k', 'j', 'lo', 'hi', 'v', 'n', 'x', 't', 'b'];
    END IF;
    RETURN ARRAY['id', 'pid', 'k', 'j', 'lo', 'hi', 'v', 'n', 'x', 't', 'b'];
END $$;

CREATE FUNCTION rj.row_lit(t int, id_override text DEFAULT NULL) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    vals text[] := '{}';
    c text;
BEGIN
    FOREACH c IN ARRAY rj.ins_cols(t) LOOP
        IF c = 'id' AND id_override IS NOT NULL THEN
            vals := vals || id_override;
        ELSE
            vals := vals || rj.lit(c, t);
        END IF;
    END LOOP;
    RETURN '(' || array_to_string(vals, ', ') || ')';
END $$;

-- a predicate over the bare columns of a base table (for DML)
CREATE FUNCTION rj.tpred(depth int DEFAULT 1) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    c int := rj.ri(0, 6);
    x float8 := random();
BEGIN
    IF depth > 0 AND x < 0.2 THEN
        RETURN format('(%s %s %s)', rj.tpred(depth - 1), rj.pick(ARRAY['AND', 'OR']), rj.tpred(depth - 1));
    END IF;
    RETURN rj.pick(ARRAY[
        format('k = %s', c), format('k <> %s', c), format('j < %s', c), 'k IS NULL', 'j IS NULL',
        format('v > %s', c), format('v <= %s', c), 'id % 3 = 0', 'id % 2 = 1', 'pid IS NULL',
        format('pid = %s', rj.ri(1, 8)), format('t = %s', quote_literal(rj.pick(rj.texts()))),
        't IS NULL', 'b', 'NOT b', format('n > %s', rj.ri(0, 4)), format('x < %s', rj.ri(-1, 5)),
        'k = j', 'lo >= hi', format('(coalesce(k, 0) + coalesce(v, 0)) %% 3 = %s', rj.ri(0, 2)),
        format('id = %s', rj.ri(1, 12))]);
END $$;

-- ------------------------------------------------------------------
-- view generator: references, predicates, expressions, aggregates
-- ------------------------------------------------------------------

-- qualified references to the columns of class cls of the items
CREATE FUNCTION rj.refs(items jsonb, cls text) RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(array_agg(CASE WHEN e.it->>'alias' = '' THEN c.key
                                   ELSE (e.it->>'alias') || '.' || c.key END ORDER BY e.ord, c.key), '{}')
      FROM jsonb_array_elements(items) WITH ORDINALITY AS e(it, ord),
           jsonb_each_text(e.it->'cols') AS c
     WHERE c.value = cls
$$;

CREATE FUNCTION rj.ref(items jsonb, cls text) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    RETURN rj.pick(rj.refs(items, cls));
END $$;

-- a second reference of class cls, from another item than ref1 if possible
CREATE FUNCTION rj.ref_other(items jsonb, cls text, ref1 text) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    a text[] := rj.refs(items, cls);
    o text[];
BEGIN
    SELECT array_agg(r ORDER BY n) INTO o FROM unnest(a) WITH ORDINALITY AS u(r, n)
     WHERE ref1 IS NULL OR split_part(r, '.', 1) <> split_part(ref1, '.', 1);
    IF o IS NOT NULL AND rj.chance(0.8) THEN
        RETURN rj.pick(o);
    END IF;
    RETURN rj.pick(a);
END $$;

CREATE FUNCTION rj.cols_cls(it jsonb, cls text) RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(array_agg(c.key ORDER BY c.key), '{}')
      FROM jsonb_each_text(it->'cols') AS c WHERE c.value = cls
$$;

CREATE FUNCTION rj.common_cols(l jsonb, r jsonb, cls text) RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(array_agg(c.key ORDER BY c.key), '{}')
      FROM jsonb_each_text(l->'cols') AS c
     WHERE c.value = cls AND (r->'cols'->>c.key) = cls
$$;

CREATE FUNCTION rj.has(it jsonb, col text) RETURNS bool
LANGUAGE sql IMMUTABLE AS $$ SELECT (it->'cols') ? col $$;

-- an atomic predicate over the items
CREATE FUNCTION rj.vpred_atom(items jsonb) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    i1 text := rj.ref(items, 'int');
    i2 text := rj.ref_other(items, 'int', i1);
    n1 text := rj.ref(items, 'num');
    f1 text := rj.ref(items, 'flt');
    t1 text := rj.ref(items, 'txt');
    t2 text := rj.ref_other(items, 'txt', t1);
    b1 text := rj.ref(items, 'bool');
    c int := rj.ri(0, 6);
    cands text[] := '{}';
BEGIN
    IF i1 IS NOT NULL THEN
        cands := cands || ARRAY[format('%s = %s', i1, c), format('%s < %s', i1, c), format('%s >= %s', i1, c),
                                format('%s IS NULL', i1), format('%s IS NOT NULL', i1), format('%s %% 2 = 0', i1),
                                format('%s BETWEEN 1 AND 4', i1), format('%s IN (1, 3, 5)', i1),
                                format('%s <> %s', i1, c), format('%s < %s', i1, i2), format('%s <> %s', i1, i2),
                                format('%s + %s > 4', i1, i2),
                                format('coalesce(%s, 0) = coalesce(%s, 0)', i1, i2)];
    END IF;
    IF n1 IS NOT NULL THEN
        cands := cands || ARRAY[format('%s > 1.5', n1), format('%s <= 2.25', n1), format('%s IS NOT NULL', n1)];
    END IF;
    IF f1 IS NOT NULL THEN
        cands := cands || ARRAY[format('%s >= 0', f1), format('%s < 2.5', f1)];
    END IF;
    IF t1 IS NOT NULL THEN
        cands := cands || ARRAY[format('%s = ''x''', t1), format('%s <> ''y''', t1), format('%s IN (''x'', ''z'')', t1),
                                format('%s LIKE ''x%%''', t1), format('%s IS NULL', t1), format('length(%s) > 1', t1),
                                format('%s = %s', t1, t2)];
    END IF;
    IF b1 IS NOT NULL THEN
        cands := cands || ARRAY[b1, format('NOT %s', b1), format('%s IS NOT TRUE', b1)];
    END IF;
    IF cardinality(cands) = 0 THEN
        RETURN 'true';
    END IF;
    RETURN rj.pick(cands);
END $$;

CREATE FUNCTION rj.vpred(items jsonb, depth int DEFAULT 1) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    x float8 := random();
BEGIN
    IF depth <= 0 OR x < 0.6 THEN
        RETURN rj.vpred_atom(items);
    ELSIF x < 0.8 THEN
        RETURN format('(%s AND %s)', rj.vpred(items, depth - 1), rj.vpred(items, depth - 1));
    ELSIF x < 0.95 THEN
        RETURN format('(%s OR %s)', rj.vpred(items, depth - 1), rj.vpred(items, depth - 1));
    END IF;
    RETURN format('NOT (%s)', rj.vpred(items, depth - 1));
END $$;

-- a scalar expression over the items; want = the class it must have (or NULL)
CREATE FUNCTION rj.expr(items jsonb, want text DEFAULT NULL, OUT e text, OUT cls text)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    i1 text := rj.ref(items, 'int');
    i2 text := rj.ref_other(items, 'int', i1);
    n1 text := rj.ref(items, 'num');
    f1 text := rj.ref(items, 'flt');
    t1 text := rj.ref(items, 'txt');
    t2 text := rj.ref_other(items, 'txt', t1);
    b1 text := rj.ref(items, 'bool');
    cands text[] := '{}';
    s text;
BEGIN
    IF i1 IS NOT NULL THEN
        cands := cands || ARRAY['int|' || i1, 'int|' || i1, 'int|' || i2,
                                format('int|%s + %s', i1, i2), format('int|%s * 2 - 1', i1),
                                format('int|coalesce(%s, %s)', i1, i2), format('int|abs(%s - %s)', i1, i2),
                                format('int|%s %% 3', i1), format('int|greatest(%s, %s)', i1, i2),
                                format('txt|CASE WHEN %s > %s THEN ''gt'' WHEN %s = %s THEN ''eq'' ELSE ''other'' END', i1, i2, i1, i2),
                                format('bool|%s > %s', i1, i2)];
    END IF;
    IF n1 IS NOT NULL THEN
        -- numeric expressions always have scale 2 (1.5 vs 1.50 would be equal
        -- DISTINCT/GROUP BY/set-operation keys spelled differently, and which
        -- spelling a group shows is documented to depend on the order of rows)
        cands := cands || ARRAY['num|' || n1, 'num|' || n1, format('num|%s * 2', n1), format('num|round(%s)::numeric(10,2)', n1),
                                format('num|coalesce(%s, 0.00)', n1)];
        IF i1 IS NOT NULL THEN
            cands := cands || format('num|%s + %s', n1, i1);
        END IF;
    END IF;
    IF f1 IS NOT NULL THEN
        -- never a float times a possibly negative value: -0 and 0 print differently
        cands := cands || ARRAY['flt|' || f1, format('flt|%s * 2', f1)];
        IF i1 IS NOT NULL THEN
            cands := cands || format('flt|%s + %s', f1, i1);
        END IF;
    END IF;
    IF t1 IS NOT NULL THEN
        cands := cands || ARRAY['txt|' || t1, 'txt|' || t1, format('txt|coalesce(%s, %s)', t1, t2),
                                format('txt|%s || ''/'' || %s', t1, t2), format('txt|upper(%s)', t1),
                                format('int|length(%s)', t1)];
    END IF;
    IF b1 IS NOT NULL THEN
        cands := cands || ARRAY['bool|' || b1, format('bool|NOT %s', b1)];
        IF i1 IS NOT NULL THEN
            cands := cands || format('bool|%s AND %s > 1', b1, i1);
        END IF;
    END IF;
    -- JSON builders (STABLE in PostgreSQL, maintained over settings-free
    -- types: never over the float column x); class jsn is never asked for
    IF want IS NULL AND NOT rj.disabled('json') AND (i1 IS NOT NULL OR t1 IS NOT NULL) AND rj.chance(0.3) THEN
        IF i1 IS NOT NULL AND t1 IS NOT NULL THEN
            cands := cands || format('jsn|jsonb_build_object(''k'', %s, ''t'', %s)', i1, t1);
        END IF;
        IF t1 IS NOT NULL THEN
            cands := cands || format('jsn|to_jsonb(%s)', t1);
        END IF;
        IF n1 IS NOT NULL THEN
            cands := cands || format('jsn|to_jsonb(%s)', n1);
        END IF;
        IF i1 IS NOT NULL AND b1 IS NOT NULL THEN
            cands := cands || format('jsn|jsonb_build_array(%s, %s)', i1, b1);
        END IF;
    END IF;
    IF want IS NOT NULL THEN
        SELECT array_agg(c ORDER BY n) INTO cands FROM unnest(cands) WITH ORDINALITY AS u(c, n)
         WHERE split_part(c, '|', 1) = want;
    END IF;
    s := rj.pick(cands);
    IF s IS NULL THEN
        cls := coalesce(want, 'int');
        e := CASE cls WHEN 'int' THEN '0' WHEN 'num' THEN '0.00' WHEN 'flt' THEN '0.5::float8'
                      WHEN 'txt' THEN '''-''' ELSE 'true' END;
        RETURN;
    END IF;
    cls := split_part(s, '|', 1);
    e := substr(s, length(cls) + 2);
END $$;

-- an aggregate (or an expression over aggregates) over the items; tag = construct
CREATE FUNCTION rj.agg(items jsonb, OUT e text, OUT tag text)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    i1 text := rj.ref(items, 'int');
    i2 text := rj.ref_other(items, 'int', i1);
    n1 text := rj.ref(items, 'num');
    f1 text := rj.ref(items, 'flt');
    t1 text := rj.ref(items, 'txt');
    b1 text := rj.ref(items, 'bool');
    cands text[] := ARRAY['count|count(*)', 'count|count(*)'];
    s text;
BEGIN
    IF i1 IS NOT NULL THEN
        cands := cands || ARRAY[format('count|count(%s)', i1), format('sum_int|sum(%s)', i1),
                                format('sum_int|sum(%s)', i2), format('avg_int|avg(%s)', i1),
                                format('minmax|min(%s)', i1), format('minmax|max(%s)', i2),
                                format('sum_int|sum(%s * %s)', i1, i2), format('sum_int|sum(%s + %s)', i1, i2),
                                format('expr_over_agg|coalesce(sum(%s), 0) * 2', i1),
                                format('expr_over_agg|max(%s) - min(%s)', i1, i2),
                                'expr_over_agg|CASE WHEN count(*) > 2 THEN ''many'' ELSE ''few'' END',
                                format('count_distinct|count(DISTINCT %s)', i1),
                                format('generic|array_agg(%s ORDER BY %s)', i1, i1),
                                format('generic|string_agg(%s::text, '','' ORDER BY %s)', i1, i1),
                                format('generic|variance(%s)', i1),
                                format('generic|stddev_samp(%s)', i1),
                                format('generic|var_pop(%s)', i2),
                                format('generic|stddev_pop(%s)', i1),
                                format('generic|every(%s > 2)', i1),
                                format('distinct_agg|sum(DISTINCT %s)', i1),
                                format('distinct_agg|avg(DISTINCT %s)', i2),
                                format('filter|count(*) FILTER (WHERE %s > %s)', i1, i2),
                                format('filter|sum(%s) FILTER (WHERE %s < 4)', i1, i2)];
    END IF;
    IF n1 IS NOT NULL THEN
        cands := cands || ARRAY[format('sum_num|sum(%s)', n1), format('avg_num|avg(%s)', n1),
                                format('minmax|min(%s)', n1), format('minmax|max(%s)', n1),
                                format('expr_over_agg|round(avg(%s), 1)', n1)];
        IF i1 IS NOT NULL THEN
            cands := cands || format('filter|sum(%s) FILTER (WHERE %s > 0)', n1, i1);
        END IF;
    END IF;
    IF f1 IS NOT NULL THEN
        cands := cands || ARRAY[format('sum_float|sum(%s)', f1), format('avg_float|avg(%s)', f1),
                                format('minmax|max(%s)', f1), format('minmax|min(%s)', f1)];
    END IF;
    IF t1 IS NOT NULL THEN
        cands := cands || ARRAY[format('count|count(%s)', t1), format('minmax|min(%s)', t1),
                                format('minmax|max(%s)', t1),
                                format('string_agg|string_agg(%s, '','' ORDER BY %s)', t1, t1),
                                format('string_agg|string_agg(DISTINCT %s, ''|'' ORDER BY %s)', t1, t1),
                                format('count_distinct|count(DISTINCT %s)', t1)];
        IF i1 IS NOT NULL THEN
            -- ties of the ORDER BY have equal t: the result is deterministic
            cands := cands || format('string_agg|string_agg(%s, '','' ORDER BY %s, %s)', t1, i1, t1);
        END IF;
    END IF;
    IF b1 IS NOT NULL THEN
        cands := cands || ARRAY[format('bool_and|bool_and(%s)', b1), format('bool_and|bool_or(%s)', b1),
                                format('filter|count(*) FILTER (WHERE %s)', b1)];
        IF i1 IS NOT NULL THEN
            cands := cands || format('filter|sum(%s) FILTER (WHERE %s)', i1, b1);
        END IF;
    END IF;
    IF NOT rj.disabled('json') AND rj.chance(0.35) THEN
        -- JSON aggregates over settings-free types (never x, a float), with an
        -- ORDER BY whose ties have equal values: the result is deterministic
        -- (jsonb_object_agg: non-NULL keys, the last duplicate key wins)
        IF i1 IS NOT NULL THEN
            cands := cands || ARRAY[format('json_agg|json_agg(%s ORDER BY %s)', i1, i1),
                                    format('json_agg|jsonb_agg(%s ORDER BY %s)', i1, i1)];
        END IF;
        IF t1 IS NOT NULL THEN
            cands := cands || format('json_agg|jsonb_agg(%s ORDER BY %s)', t1, t1);
            IF i1 IS NOT NULL THEN
                cands := cands || ARRAY[format('json_agg|jsonb_object_agg(coalesce(%1$s, ''-''), %2$s ORDER BY %1$s, %2$s)', t1, i1),
                                        format('json_agg|jsonb_agg(jsonb_build_object(''t'', %1$s, ''k'', %2$s) ORDER BY %1$s, %2$s)', t1, i1)];
            END IF;
        END IF;
        IF n1 IS NOT NULL THEN
            cands := cands || format('json_agg|json_agg(%s ORDER BY %s)', n1, n1);
            IF i1 IS NOT NULL THEN
                cands := cands || format('json_agg|json_object_agg(coalesce(%1$s, 0), %2$s ORDER BY %1$s, %2$s)', i1, n1);
            END IF;
        END IF;
    END IF;
    IF rj.disabled('generic') THEN
        SELECT array_agg(c ORDER BY n) INTO cands FROM unnest(cands) WITH ORDINALITY AS u(c, n)
         WHERE split_part(c, '|', 1) NOT IN ('generic', 'string_agg', 'bool_and', 'filter', 'count_distinct', 'json_agg');
    END IF;
    IF rj.disabled('float') THEN
        SELECT array_agg(c ORDER BY n) INTO cands FROM unnest(cands) WITH ORDINALITY AS u(c, n)
         WHERE split_part(c, '|', 1) NOT IN ('sum_float', 'avg_float');
    END IF;
    s := rj.pick(cands);
    tag := split_part(s, '|', 1);
    e := substr(s, length(tag) + 2);
END $$;

CREATE FUNCTION rj.having(items jsonb) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    i1 text := rj.ref(items, 'int');
    n1 text := rj.ref(items, 'num');
    t1 text := rj.ref(items, 'txt');
    b1 text := rj.ref(items, 'bool');
    cands text[] := ARRAY['count(*) > 1', 'count(*) <= 3'];
BEGIN
    IF i1 IS NOT NULL THEN
        cands := cands || ARRAY[format('sum(%s) > 3', i1), format('min(%s) IS NOT NULL', i1)];
        IF NOT rj.disabled('generic') THEN
            cands := cands || format('count(DISTINCT %s) >= 2', i1);
        END IF;
    END IF;
    IF n1 IS NOT NULL THEN
        cands := cands || format('avg(%s) < 2', n1);
    END IF;
    IF t1 IS NOT NULL THEN
        cands := cands || format('max(%s) <> ''x''', t1);
    END IF;
    IF b1 IS NOT NULL AND NOT rj.disabled('generic') THEN
        cands := cands || format('bool_or(%s)', b1);
    END IF;
    RETURN rj.pick(cands);
END $$;

-- ------------------------------------------------------------------
-- join conditions
-- ------------------------------------------------------------------

-- a join condition between an earlier item l and the new item r:
-- {"cond": text, "kind": equi|fk|expr|ndf|range|residual|or|nonequi,
--  "using": column usable as JOIN ... USING (col) (or absent), "loose": bool}
CREATE FUNCTION rj.join_cond(l jsonb, r jsonb, allow_loose bool) RETURNS jsonb
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    la text := l->>'alias';
    ra text := r->>'alias';
    ci text[] := rj.common_cols(l, r, 'int');
    li text[] := rj.cols_cls(l, 'int');
    rin text[] := rj.cols_cls(r, 'int');
    lt int := coalesce((l->>'tab')::int, 0);
    rt int := coalesce((r->>'tab')::int, 0);
    c text;
    c2 text;
    c3 text;
    x float8;
    tries int := 0;
BEGIN
    -- an FK pair: child.pid = parent.id
    IF lt > 0 AND rt > 0 AND rj.chance(0.7) THEN
        IF rj.parent(rt) = lt THEN
            RETURN jsonb_build_object('cond', format('%s.pid = %s.id', ra, la), 'kind', 'fk', 'loose', false);
        ELSIF rj.parent(lt) = rt THEN
            RETURN jsonb_build_object('cond', format('%s.pid = %s.id', la, ra), 'kind', 'fk', 'loose', false);
        END IF;
    END IF;
    LOOP
        tries := tries + 1;
        x := random();
        IF tries > 30 THEN
            -- fallback: an equality of any two integer columns
            RETURN jsonb_build_object('cond', format('%s.%s = %s.%s', la, rj.pick(li), ra, rj.pick(rin)),
                                      'kind', 'equi', 'loose', false);
        END IF;
        IF x < 0.36 THEN
            IF cardinality(ci) > 0 THEN
                c := CASE WHEN 'k' = ANY (ci) AND rj.chance(0.5) THEN 'k' ELSE rj.pick(ci) END;
                RETURN jsonb_build_object('cond', format('%s.%s = %s.%s', la, c, ra, c), 'kind', 'equi',
                                          'using', c, 'loose', false);
            END IF;
        ELSIF x < 0.44 THEN
            -- equality of differently named columns: a fact's k to a dimension's id, ...
            c := CASE WHEN 'k' = ANY (li) AND rj.chance(0.5) THEN 'k' ELSE rj.pick(li) END;
            c2 := CASE WHEN 'id' = ANY (rin) AND rj.chance(0.5) THEN 'id' ELSE rj.pick(rin) END;
            IF rj.chance(0.5) AND 'id' = ANY (li) AND 'k' = ANY (rin) THEN
                c := 'id';
                c2 := 'k';
            END IF;
            IF c IS NOT NULL AND c2 IS NOT NULL THEN
                RETURN jsonb_build_object('cond', format('%s.%s = %s.%s', la, c, ra, c2), 'kind', 'equi', 'loose', false);
            END IF;
        ELSIF x < 0.50 THEN
            IF (l->'cols'->>'t') = 'txt' AND (r->'cols'->>'t') = 'txt' THEN
                -- a case-insensitive (nondeterministic) collation: 'x' = 'X',
                -- the join's key locks must hash them alike
                IF rj.chance(0.35) AND to_regcollation('rj.rj_ci') IS NOT NULL THEN
                    RETURN jsonb_build_object('cond', format('%s.t = %s.t COLLATE rj.rj_ci', la, ra), 'kind', 'equi', 'loose', false);
                END IF;
                RETURN jsonb_build_object('cond', format('%s.t = %s.t', la, ra), 'kind', 'equi', 'using', 't', 'loose', false);
            END IF;
        ELSIF x < 0.58 THEN
            c := rj.pick(li);
            c2 := rj.pick(rin);
            IF c IS NOT NULL AND c2 IS NOT NULL THEN
                RETURN jsonb_build_object('cond', rj.pick(ARRAY[
                           format('coalesce(%s.%s, 0) = coalesce(%s.%s, 0)', la, c, ra, c2),
                           format('%s.%s + 1 = %s.%s', la, c, ra, c2),
                           format('%s.%s = %s.%s %% 4', la, c, ra, c2)]),
                       'kind', 'expr', 'loose', false);
            END IF;
        ELSIF x < 0.62 THEN
            IF cardinality(ci) > 0 THEN
                c := rj.pick(ci);
                RETURN jsonb_build_object('cond', format('%s.%s IS NOT DISTINCT FROM %s.%s', la, c, ra, c),
                                          'kind', 'ndf', 'loose', false);
            END IF;
        ELSIF x < 0.72 THEN
            -- a range: r.v in [l.lo, l.hi) (or the other way round)
            IF rj.has(l, 'lo') AND rj.has(l, 'hi') AND cardinality(rin) > 0 THEN
                c := CASE WHEN 'v' = ANY (rin) AND rj.chance(0.6) THEN 'v' ELSE rj.pick(rin) END;
                IF (r->'cols'->>'x') = 'flt' AND rj.chance(0.3) THEN
                    c := 'x';
                END IF;
                RETURN jsonb_build_object('cond', format('%2$s.%3$s >= %1$s.lo AND %2$s.%3$s < %1$s.hi', la, ra, c),
                                          'kind', 'range', 'loose', false);
            ELSIF rj.has(r, 'lo') AND rj.has(r, 'hi') AND cardinality(li) > 0 THEN
                c := CASE WHEN 'k' = ANY (li) AND rj.chance(0.6) THEN 'k' ELSE rj.pick(li) END;
                RETURN jsonb_build_object('cond', format('%1$s.%3$s BETWEEN %2$s.lo AND %2$s.hi', la, ra, c),
                                          'kind', 'range', 'loose', false);
            END IF;
        ELSIF x < 0.82 THEN
            -- an equality plus a residual inequality
            IF cardinality(ci) > 0 THEN
                c := rj.pick(ci);
                c2 := rj.pick(li);
                c3 := rj.pick(rin);
                RETURN jsonb_build_object('cond', format('%1$s.%3$s = %2$s.%3$s AND %1$s.%4$s %6$s %2$s.%5$s',
                                                         la, ra, c, c2, c3, rj.pick(ARRAY['<', '<>', '>='])),
                                          'kind', 'residual', 'loose', false);
            END IF;
        ELSIF x < 0.88 THEN
            IF cardinality(ci) > 1 THEN
                c := rj.pick(ci);
                c2 := rj.pick(ci);
                IF c <> c2 THEN
                    RETURN jsonb_build_object('cond', format('(%1$s.%3$s = %2$s.%3$s OR %1$s.%4$s = %2$s.%4$s)', la, ra, c, c2),
                                              'kind', 'or', 'loose', false);
                END IF;
            END IF;
        ELSIF x < 0.94 THEN
            c := CASE WHEN 'k' = ANY (li) THEN 'k' ELSE rj.pick(li) END;
            c2 := CASE WHEN 'k' = ANY (rin) THEN 'k' ELSE rj.pick(rin) END;
            IF c IS NOT NULL AND c2 IS NOT NULL THEN
                RETURN jsonb_build_object('cond', format('abs(%s.%s - %s.%s) = 1', la, c, ra, c2),
                                          'kind', 'nonequi', 'loose', false);
            END IF;
        ELSIF allow_loose THEN
            c := CASE WHEN 'k' = ANY (li) THEN 'k' ELSE rj.pick(li) END;
            c2 := CASE WHEN 'k' = ANY (rin) THEN 'k' ELSE rj.pick(rin) END;
            IF c IS NOT NULL AND c2 IS NOT NULL THEN
                RETURN jsonb_build_object('cond', format('%s.%s %s %s.%s', la, c, rj.pick(ARRAY['<', '>']), ra, c2),
                                          'kind', 'nonequi', 'loose', true);
            END IF;
        END IF;
    END LOOP;
END $$;

-- ------------------------------------------------------------------
-- outer joins and subqueries in WHERE (EXISTS / NOT EXISTS / IN / NOT IN)
-- ------------------------------------------------------------------

-- an equality between an expression over the left item l and one over the new
-- item r, as stepping maintains under an outer join: the same btree family on
-- both sides (int = int, int = bigint, text = text)
CREATE FUNCTION rj.outer_eq(l jsonb, r jsonb) RETURNS jsonb
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    la text := l->>'alias';
    ra text := r->>'alias';
    ci text[] := rj.common_cols(l, r, 'int');
    li text[] := rj.cols_cls(l, 'int');
    rin text[] := rj.cols_cls(r, 'int');
    lt int := coalesce((l->>'tab')::int, 0);
    rt int := coalesce((r->>'tab')::int, 0);
    x float8 := random();
    c text;
    c2 text;
    e text;
BEGIN
    IF lt > 0 AND rt > 0 AND x < 0.5 THEN
        IF rj.parent(rt) = lt THEN
            RETURN jsonb_build_object('cond', format('%s.pid = %s.id', ra, la), 'kind', 'fk');
        ELSIF rj.parent(lt) = rt THEN
            RETURN jsonb_build_object('cond', format('%s.pid = %s.id', la, ra), 'kind', 'fk');
        END IF;
    END IF;
    x := random();
    IF x < 0.40 AND cardinality(ci) > 0 THEN
        c := CASE WHEN 'k' = ANY (ci) AND rj.chance(0.5) THEN 'k' ELSE rj.pick(ci) END;
        RETURN jsonb_build_object('cond', CASE WHEN rj.chance(0.8) THEN format('%s.%s = %s.%s', la, c, ra, c)
                                               ELSE format('%s.%s = %s.%s', ra, c, la, c) END,
                                  'kind', 'equi', 'using', c);
    ELSIF x < 0.55 AND (l->'cols'->>'t') = 'txt' AND (r->'cols'->>'t') = 'txt' THEN
        RETURN jsonb_build_object('cond', format('%s.t = %s.t', la, ra), 'kind', 'equi_text', 'using', 't');
    END IF;
    c := CASE WHEN 'k' = ANY (li) AND rj.chance(0.4) THEN 'k' ELSE rj.pick(li) END;
    c2 := CASE WHEN 'id' = ANY (rin) AND rj.chance(0.4) THEN 'id' ELSE rj.pick(rin) END;
    IF c IS NULL OR c2 IS NULL THEN
        RETURN NULL;
    END IF;
    x := random();
    IF x < 0.45 THEN
        RETURN jsonb_build_object('cond', format('%s.%s = %s.%s', la, c, ra, c2), 'kind', 'equi');
    ELSIF x < 0.6 THEN
        -- int = bigint
        RETURN jsonb_build_object('cond', CASE WHEN rj.chance(0.5) THEN format('%s.%s::bigint = %s.%s', la, c, ra, c2)
                                               ELSE format('%s.%s = %s.%s::int8', la, c, ra, c2) END,
                                  'kind', 'equi_bigint');
    END IF;
    e := rj.pick(ARRAY[format('coalesce(%s.%s, 0) = coalesce(%s.%s, 0)', la, c, ra, c2),
                       format('%s.%s + 1 = %s.%s', la, c, ra, c2),
                       format('%s.%s = %s.%s %% 4', la, c, ra, c2),
                       format('%s.%s * 2 = %s.%s + %s.%s', la, c, ra, c2, ra, c2)]);
    RETURN jsonb_build_object('cond', e, 'kind', 'equi_expr');
END $$;

-- the ON condition of an outer join between the left items (left: the items
-- the condition may read, lp: the preferred partner) and the new item r:
-- equalities (left expr = right expr) AND one-sided conditions
-- {"cond", "using" (a single plain equality of a common column), "tags": [..]}
CREATE FUNCTION rj.outer_cond(left_items jsonb, lp jsonb, r jsonb, full_join bool) RETURNS jsonb
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    parts text[] := '{}';
    tags text[] := '{}';
    eq jsonb;
    l2 jsonb;
    n int;
    i int;
    x float8 := random();
    using_col text;
BEGIN
    -- (PostgreSQL plans a FULL JOIN only with a hash- or merge-joinable equality)
    n := CASE WHEN x < 0.04 AND NOT full_join THEN 0 WHEN x < 0.82 THEN 1 ELSE 2 END;
    FOR i IN 1..n LOOP
        l2 := CASE WHEN i = 1 OR rj.chance(0.5) THEN lp ELSE rj.pickj(left_items) END;
        eq := rj.outer_eq(l2, r);
        IF eq IS NULL AND full_join AND cardinality(parts) = 0 THEN
            eq := jsonb_build_object('cond', format('%s.%s = %s.%s', lp->>'alias', rj.pick(rj.cols_cls(lp, 'int')),
                                                    r->>'alias', rj.pick(rj.cols_cls(r, 'int'))), 'kind', 'equi');
        END IF;
        CONTINUE WHEN eq IS NULL;
        parts := parts || (eq->>'cond');
        tags := tags || ('ocond_' || (eq->>'kind'));
        IF n = 1 THEN
            using_col := eq->>'using';
        END IF;
    END LOOP;
    IF cardinality(parts) = 0 THEN
        tags := tags || 'ocond_no_equality'::text;
    END IF;
    IF cardinality(parts) > 1 THEN
        tags := tags || 'ocond_two_equalities'::text;
    END IF;
    -- conditions on the nullable (right) side alone
    IF rj.chance(0.3) OR cardinality(parts) = 0 THEN
        parts := parts || rj.vpred_atom(jsonb_build_array(r));
        tags := tags || 'ocond_right_only'::text;
    END IF;
    -- conditions on the left side alone (for LEFT: rows failing them stay, unmatched)
    IF rj.chance(0.2) THEN
        parts := parts || rj.vpred_atom(jsonb_build_array(CASE WHEN rj.chance(0.7) THEN lp ELSE rj.pickj(left_items) END));
        tags := tags || 'ocond_left_only'::text;
    END IF;
    IF rj.chance(0.03) THEN
        parts := parts || rj.pick(ARRAY['true', '1 = 1', '2 > 1']);
        tags := tags || 'ocond_const'::text;
    END IF;
    IF cardinality(parts) > 1 THEN
        using_col := NULL;
    END IF;
    IF 'ocond_right_only' = ANY (tags) OR 'ocond_left_only' = ANY (tags) THEN
        tags := tags || 'outer_on_onesided'::text;
    END IF;
    -- parts order: the one-sided conditions first, sometimes
    IF cardinality(parts) > 1 AND rj.chance(0.3) THEN
        parts := ARRAY(SELECT p FROM unnest(parts) WITH ORDINALITY AS u(p, o) ORDER BY o DESC);
    END IF;
    RETURN jsonb_build_object('cond', array_to_string(parts, ' AND '), 'using', using_col, 'tags', to_jsonb(tags));
END $$;

-- a predicate on a nullable item of an outer join (for the view's WHERE)
CREATE FUNCTION rj.nullable_pred(it jsonb, OUT p text, OUT tag text)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    a text := it->>'alias';
    c text := CASE WHEN rj.has(it, 'id') THEN 'id' ELSE rj.pick(rj.cols_cls(it, 'int')) END;
    x float8 := random();
BEGIN
    IF c IS NULL THEN
        p := rj.vpred_atom(jsonb_build_array(it));
        tag := 'outer_where_nullable';
    ELSIF x < 0.35 THEN
        p := format('%s.%s IS NULL', a, c);          -- the unmatched rows only (an anti-join)
        tag := 'outer_anti_join';
    ELSIF x < 0.45 THEN
        p := format('%s.%s IS NOT NULL', a, c);
        tag := 'outer_where_nullable';
    ELSIF x < 0.65 THEN
        p := rj.pick(ARRAY[format('coalesce(%s.v, 0) > 3', a), format('coalesce(%s.k, -1) <> 2', a),
                           format('coalesce(%s.%s, 0) %% 2 = 0', a, c)]);
        IF NOT (rj.has(it, 'v') AND rj.has(it, 'k')) THEN
            p := format('coalesce(%s.%s, 0) < 4', a, c);
        END IF;
        tag := 'outer_where_coalesce';
    ELSIF x < 0.8 THEN
        p := format('(%s.%s IS NULL OR %s)', a, c, rj.vpred_atom(jsonb_build_array(it)));
        tag := 'outer_where_nullable';
    ELSE
        p := rj.vpred_atom(jsonb_build_array(it));
        tag := 'outer_where_nullable';
    END IF;
END $$;

-- a subquery conjunct for a WHERE over the items: [NOT] EXISTS (...), x [NOT] IN (...)
-- over one source (a base table or a view's result table), uncorrelated or
-- correlated by equalities.  {"sql", "tags", "mask", "depth", "bo", "ctags"}
-- maxf: the largest factor the subquery may multiply the view's number of
-- components by (stepping maintains a view as a signed sum of at most 64
-- inner joins: a LEFT / RIGHT JOIN triples it, a FULL JOIN of two items makes
-- it 5, NOT EXISTS doubles it, NOT IN multiplies it by 5 (3 when the column is
-- declared NOT NULL), EXISTS and IN keep it).  "factor" in the result.
CREATE FUNCTION rj.gen_sublink(items jsonb, srcs jsonb, nth int, need_bo bool DEFAULT false,
                               tables_only bool DEFAULT false, maxf int DEFAULT 64) RETURNS jsonb
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    src jsonb := rj.pick_src(srcs, 0.3, need_bo, tables_only);
    a text := 'sq' || nth;
    sit jsonb;
    conds text[] := '{}';
    tags text[] := '{}';
    kind text;
    x float8 := random();
    oref text;
    sref text;
    cls text;
    c text;
    sel text;
    q text;
    i int;
    ci text[];
    nullable bool;
    factor int := 1;
    notnull_id bool := coalesce((src->>'tab')::int, 0) > 0 AND rj.role((src->>'tab')::int) IN ('pk', 'dim', 'child');
BEGIN
    sit := jsonb_build_object('alias', a, 'cols', src->'cols', 'tab', src->'tab');
    kind := CASE WHEN x < 0.25 THEN 'exists' WHEN x < 0.5 THEN 'not_exists'
                 WHEN x < 0.75 THEN 'in_subquery' ELSE 'not_in_subquery' END;
    -- (too many components: the next cheaper kind)
    IF kind = 'not_in_subquery' AND maxf < 5 AND NOT (maxf >= 3 AND notnull_id) THEN
        kind := 'not_exists';
        tags := tags || 'sublink_capped'::text;
    END IF;
    IF kind = 'not_exists' AND maxf < 2 THEN
        kind := 'exists';
        tags := tags || 'sublink_capped'::text;
    END IF;
    -- correlation: equalities between the subquery's source and the outer items
    IF rj.chance(0.6) THEN
        FOR i IN 1..CASE WHEN rj.chance(0.8) THEN 1 ELSE 2 END LOOP
            IF rj.chance(0.15) AND rj.has(sit, 't') AND cardinality(rj.refs(items, 'txt')) > 0 THEN
                conds := conds || format('%s.t = %s', a, rj.ref(items, 'txt'));
            ELSE
                ci := rj.cols_cls(sit, 'int');
                c := CASE WHEN 'k' = ANY (ci) AND rj.chance(0.5) THEN 'k' ELSE rj.pick(ci) END;
                oref := rj.ref(items, 'int');
                IF rj.chance(0.15) THEN
                    conds := conds || format('%s = %s.%s', oref, a, c);
                ELSE
                    conds := conds || format('%s.%s = %s', a, c, oref);
                END IF;
            END IF;
        END LOOP;
        tags := tags || 'sublink_correlated'::text;
    ELSE
        tags := tags || 'sublink_uncorrelated'::text;
    END IF;
    -- conditions on the subquery's source alone
    IF rj.chance(0.5) THEN
        conds := conds || rj.vpred(jsonb_build_array(sit), 1);
    END IF;
    -- a condition on the outer query alone
    IF rj.chance(0.12) THEN
        conds := conds || rj.vpred_atom(items);
        tags := tags || 'sublink_outer_cond'::text;
    END IF;
    IF kind IN ('exists', 'not_exists') THEN
        sel := rj.pick(ARRAY['1', '', '*', a || '.' || rj.pick(ARRAY(SELECT jsonb_object_keys(sit->'cols') ORDER BY 1))]);
        q := format('%sEXISTS (SELECT %s FROM %s %s%s)', CASE WHEN kind = 'not_exists' THEN 'NOT ' ELSE '' END,
                    sel, src->>'sql', a,
                    CASE WHEN cardinality(conds) > 0 THEN ' WHERE ' || array_to_string(conds, ' AND ') ELSE '' END);
    ELSE
        -- (a nullable text column would make NOT IN multiply by 5: not when capped)
        cls := CASE WHEN rj.chance(0.15) AND rj.has(sit, 't') AND cardinality(rj.refs(items, 'txt')) > 0
                         AND NOT (kind = 'not_in_subquery' AND maxf < 5)
                    THEN 'txt' ELSE 'int' END;
        IF cls = 'txt' THEN
            oref := rj.ref(items, 'txt');
            sref := a || '.t';
            nullable := true;
        ELSE
            oref := rj.ref(items, 'int');
            IF rj.chance(0.2) THEN
                oref := rj.pick(ARRAY[oref || ' + 1', format('coalesce(%s, 0)', oref), oref || ' % 4']);
                tags := tags || 'in_expr'::text;
            END IF;
            ci := rj.cols_cls(sit, 'int');
            x := random();
            -- (a NULL in a NOT IN list empties the result: NOT IN reads NOT NULL columns more often)
            IF kind = 'not_in_subquery' AND maxf < 5 THEN
                c := 'id';      -- declared NOT NULL: NOT IN triples the components
            ELSIF x < (CASE WHEN kind = 'not_in_subquery' THEN 0.35 ELSE 0.45 END) AND ARRAY['k', 'j'] && ci THEN
                c := rj.pick(ARRAY(SELECT u FROM unnest(ARRAY['k', 'j']) u WHERE u = ANY (ci)));
            ELSIF x < 0.7 AND 'id' = ANY (ci) THEN
                c := 'id';
            ELSE
                c := rj.pick(ci);
            END IF;
            sref := a || '.' || c;
            -- declared NOT NULL: the id of a pk / dim / child base table
            nullable := NOT (c = 'id' AND notnull_id);
            IF rj.chance(0.1) AND maxf >= 5 THEN
                sref := rj.pick(ARRAY[sref || ' % 5', format('coalesce(%s, 0)', sref), sref || '::bigint']);
                nullable := sref NOT LIKE 'coalesce%' AND nullable;
                tags := tags || 'in_sub_expr'::text;
            END IF;
        END IF;
        tags := tags || CASE WHEN nullable THEN 'in_nullable_col' ELSE 'in_notnull_col' END;
        q := format('%s %sIN (SELECT %s FROM %s %s%s)', oref, CASE WHEN kind = 'not_in_subquery' THEN 'NOT ' ELSE '' END,
                    sref, src->>'sql', a,
                    CASE WHEN cardinality(conds) > 0 THEN ' WHERE ' || array_to_string(conds, ' AND ') ELSE '' END);
        IF rj.chance(0.12) THEN
            -- the same as x = ANY (SELECT ...) / NOT (x = ANY (SELECT ...))
            q := regexp_replace(q, ' (NOT )?IN \(SELECT ', ' = ANY (SELECT ');
            IF kind = 'not_in_subquery' THEN
                q := 'NOT (' || q || ')';
            END IF;
            tags := tags || 'any_subquery'::text;
        END IF;
    END IF;
    tags := kind || tags;
    IF (src->>'depth')::int > 0 THEN
        tags := tags || 'sublink_over_view'::text;
    END IF;
    factor := CASE kind WHEN 'not_exists' THEN 2
                        WHEN 'not_in_subquery' THEN CASE WHEN NOT nullable AND sref = a || '.id' THEN 3 ELSE 5 END
                        ELSE 1 END;
    RETURN jsonb_build_object('sql', q, 'tags', to_jsonb(tags), 'mask', src->'mask', 'depth', src->'depth',
                              'bo', (src->>'depth')::int = 0, 'factor', factor);
END $$;

-- ------------------------------------------------------------------
-- scalar subqueries (in the select list, in WHERE, as GROUP BY keys and
-- inside aggregate arguments) and set-returning functions in FROM
-- ------------------------------------------------------------------

-- a scalar subquery over the items:
--   agg:          (SELECT <expression over aggregates> FROM <src> a WHERE a.c = <outer> [AND ...] [AND <own>])
--   uncorrelated: (SELECT <expression over aggregates> FROM <src> a [WHERE <own>])
--   lookup:       (SELECT a.<col> FROM <pk/dim/child table> a WHERE a.id = <outer> [AND <own>])
-- src: a base table or a view's result table (lookups: base tables with a
-- primary key).  The value over no rows is NULL or the expression is never
-- NULL (count, coalesce(.., const)), as stepping requires.  want: the class
-- of the value (NULL: any; 'numw': num with avg allowed, for comparisons);
-- maxf: the largest factor the view's components may grow by (a correlated
-- subquery or a lookup triples them, like a LEFT JOIN).
-- {"sql", "cls", "kind", "tags", "mask", "depth", "bo", "factor"}
CREATE FUNCTION rj.gen_scalar(items jsonb, srcs jsonb, nth int, want text DEFAULT NULL,
                              need_bo bool DEFAULT false, maxf int DEFAULT 64) RETURNS jsonb
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    a text := 'ss' || nth;
    x float8 := random();
    kind text;
    src jsonb;
    sit jsonb;
    conds text[] := '{}';
    tags text[] := '{}';
    cands text[] := '{}';
    pks int[];
    tb int;
    c text;
    ci text[];
    oref text;
    s text;
    cls text;
    wcls text := CASE WHEN want = 'numw' THEN 'num' ELSE want END;
    i int;
BEGIN
    pks := ARRAY(SELECT g FROM generate_series(1, rj.ntab()) g WHERE rj.role(g) IN ('pk', 'dim', 'child') ORDER BY g);
    kind := CASE WHEN x < 0.27 THEN 'lookup' WHEN x < 0.47 THEN 'uncorrelated' ELSE 'agg' END;
    IF kind = 'lookup' AND cardinality(pks) = 0 THEN
        kind := 'agg';
    END IF;
    IF kind <> 'uncorrelated' AND maxf < 3 THEN
        kind := 'uncorrelated';
        tags := tags || 'scalar_capped'::text;
    END IF;
    IF kind = 'lookup' THEN
        tb := pks[rj.ri(1, cardinality(pks))];
        src := jsonb_build_object('sql', rj.tname(tb), 'cols', rj.base_cols(), 'tab', tb,
                                  'mask', rj.bit(tb), 'depth', 0, 'bo', true);
    ELSE
        src := rj.pick_src(srcs, 0.3, need_bo);
    END IF;
    sit := jsonb_build_object('alias', a, 'cols', src->'cols', 'tab', src->'tab');
    -- the value
    IF kind = 'lookup' THEN
        SELECT array_agg(format('%s|%s.%s', cv.value, a, cv.key) ORDER BY cv.key) INTO cands
          FROM jsonb_each_text(sit->'cols') cv
         WHERE (wcls IS NULL OR cv.value = wcls) AND cv.key <> 'id';
    ELSE
        IF rj.has(sit, 'v') AND (sit->'cols'->>'v') = 'int' THEN
            cands := cands || ARRAY[format('int|sum(%s.v)', a), format('int|max(%s.v)', a),
                                    format('int|coalesce(sum(%s.v), 0)', a), format('int|coalesce(max(%s.v), -1)', a),
                                    format('int|sum(%s.v) - min(%s.v)', a, a)];
            IF want = 'numw' THEN
                cands := cands || format('num|avg(%s.v)', a);
            END IF;
        END IF;
        ci := rj.cols_cls(sit, 'int');
        c := rj.pick(ci);
        cands := cands || ARRAY['int|count(*)', 'int|count(*)', 'int|count(*) * 2', format('int|count(%s.%s)', a, c),
                                format('int|min(%s.%s)', a, c), format('bool|count(*) > 1')];
        IF NOT rj.disabled('generic') THEN
            cands := cands || ARRAY[format('int|count(DISTINCT %s.%s)', a, c)];
        END IF;
        IF (sit->'cols'->>'n') = 'num' THEN
            cands := cands || ARRAY[format('num|sum(%s.n)', a), format('num|max(%s.n)', a),
                                    format('num|coalesce(sum(%s.n), 0.00)', a), format('num|round(avg(%s.n), 2)', a)];
            IF want = 'numw' THEN
                cands := cands || format('num|avg(%s.n)', a);
            END IF;
        END IF;
        IF (sit->'cols'->>'t') = 'txt' THEN
            cands := cands || ARRAY[format('txt|max(%s.t)', a), format('txt|min(%s.t)', a)];
            IF NOT rj.disabled('generic') THEN
                cands := cands || format('txt|string_agg(%s.t, '','' ORDER BY %s.t)', a, a);
            END IF;
        END IF;
        IF (sit->'cols'->>'b') = 'bool' AND NOT rj.disabled('generic') THEN
            cands := cands || ARRAY[format('bool|bool_or(%s.b)', a), format('bool|bool_and(%s.b)', a)];
        END IF;
        IF wcls IS NOT NULL THEN
            SELECT array_agg(u ORDER BY n) INTO cands FROM unnest(cands) WITH ORDINALITY AS z(u, n)
             WHERE split_part(u, '|', 1) = wcls;
        END IF;
    END IF;
    s := rj.pick(cands);
    IF s IS NULL THEN
        -- (no column of the wanted class)
        s := 'int|count(*)';
        IF kind = 'lookup' THEN
            kind := 'agg';
        END IF;
    END IF;
    cls := split_part(s, '|', 1);
    s := substr(s, length(cls) + 2);
    -- correlation
    IF kind = 'lookup' THEN
        oref := rj.ref(items, 'int');
        IF rj.chance(0.5) AND cardinality(ARRAY(SELECT r FROM unnest(rj.refs(items, 'int')) r WHERE r LIKE '%.pid')) > 0 THEN
            oref := rj.pick(ARRAY(SELECT r FROM unnest(rj.refs(items, 'int')) r WHERE r LIKE '%.pid'));
        ELSIF rj.chance(0.12) THEN
            oref := oref || ' + 1';
            tags := tags || 'scalar_key_expr'::text;
        END IF;
        conds := conds || CASE WHEN rj.chance(0.8) THEN format('%s.id = %s', a, oref) ELSE format('%s = %s.id', oref, a) END;
    ELSIF kind = 'agg' THEN
        FOR i IN 1..CASE WHEN rj.chance(0.8) THEN 1 ELSE 2 END LOOP
            IF rj.chance(0.15) AND rj.has(sit, 't') AND cardinality(rj.refs(items, 'txt')) > 0 THEN
                conds := conds || format('%s.t = %s', a, rj.ref(items, 'txt'));
                tags := tags || 'scalar_text_corr'::text;
            ELSE
                ci := rj.cols_cls(sit, 'int');
                c := CASE WHEN 'k' = ANY (ci) AND rj.chance(0.5) THEN 'k' ELSE rj.pick(ci) END;
                oref := rj.ref(items, 'int');
                conds := conds || CASE WHEN rj.chance(0.15) THEN format('%s = %s.%s', oref, a, c)
                                       ELSE format('%s.%s = %s', a, c, oref) END;
            END IF;
            IF i = 2 THEN
                tags := tags || 'scalar_two_eqs'::text;
            END IF;
        END LOOP;
    END IF;
    -- conditions on the subquery's own table
    IF rj.chance(CASE WHEN kind = 'lookup' THEN 0.2 ELSE 0.45 END) THEN
        conds := conds || rj.vpred(jsonb_build_array(sit), 1);
        tags := tags || 'scalar_own_cond'::text;
    END IF;
    tags := ('scalar_' || kind) || tags || 'scalar_subquery'::text;
    IF (src->>'depth')::int > 0 THEN
        tags := tags || 'scalar_over_view'::text;
    END IF;
    RETURN jsonb_build_object('sql', format('(SELECT %s FROM %s %s%s)', s, src->>'sql', a,
                                            CASE WHEN cardinality(conds) > 0 THEN ' WHERE ' || array_to_string(conds, ' AND ') ELSE '' END),
                              'cls', cls, 'kind', kind, 'tags', to_jsonb(tags), 'mask', src->'mask', 'depth', src->'depth',
                              -- (an aggregate subquery is an internal view the reader reads)
                              'bo', (src->>'depth')::int = 0 AND kind = 'lookup',
                              'factor', CASE WHEN kind = 'uncorrelated' THEN 1 ELSE 3 END);
END $$;

-- a WHERE conjunct comparing the scalar subquery sc with the items
CREATE FUNCTION rj.scalar_where(items jsonb, sc jsonb) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    s text := sc->>'sql';
    i1 text := rj.ref(items, 'int');
    n1 text := rj.ref(items, 'num');
    t1 text := rj.ref(items, 'txt');
BEGIN
    CASE sc->>'cls'
    WHEN 'int' THEN
        RETURN rj.pick(ARRAY[format('%s > %s', coalesce(i1, '2'), s), format('%s >= 1', s), format('coalesce(%s, 0) < 3', s),
                             format('%s IS NULL', s), format('%s = %s', s, coalesce(i1, '0')), format('%s <> %s', coalesce(i1, '1'), s)]);
    WHEN 'num' THEN
        RETURN rj.pick(ARRAY[format('%s > %s', coalesce(n1, '1.5'), s), format('%s <= 2.5', s),
                             format('%s < %s', coalesce(i1, '1'), s)]);
    WHEN 'txt' THEN
        RETURN rj.pick(ARRAY[format('%s = %s', coalesce(t1, '''x'''), s), format('%s IS NOT NULL', s),
                             format('%s > ''x''', s), format('%s <> %s', s, coalesce(t1, '''y'''))]);
    WHEN 'bool' THEN
        RETURN rj.pick(ARRAY[s, format('%s IS NOT TRUE', s), format('NOT %s', s)]);
    ELSE
        RETURN format('%s IS NOT NULL', s);
    END CASE;
END $$;

-- the scalar subquery sc as an output expression (select list, group key)
CREATE FUNCTION rj.scalar_sel(items jsonb, sc jsonb) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    s text := sc->>'sql';
    i1 text := rj.ref(items, 'int');
    t1 text := rj.ref(items, 'txt');
BEGIN
    IF rj.chance(0.5) THEN
        RETURN s;
    END IF;
    CASE sc->>'cls'
    WHEN 'int' THEN
        RETURN rj.pick(ARRAY[format('%s + %s', coalesce(i1, '1'), s), format('coalesce(%s, 0)', s), format('%s * 2', s)]);
    WHEN 'num' THEN
        RETURN rj.pick(ARRAY[format('%s * 2', s), format('coalesce(%s, 0.00)', s)]);
    WHEN 'txt' THEN
        RETURN rj.pick(ARRAY[format('%s || ''/'' || %s', s, coalesce(t1, '''-''')), format('coalesce(%s, ''-'')', s)]);
    WHEN 'bool' THEN
        RETURN format('NOT %s', s);
    ELSE
        RETURN s;
    END CASE;
END $$;

-- an aggregate over the scalar subquery sc (for GROUP BY and global views);
-- tag: scalar_in_agg, or scalar_in_generic_agg for the aggregates PostgreSQL
-- computes per touched group (--disable scalar_generic: none of those)
CREATE FUNCTION rj.scalar_agg(items jsonb, sc jsonb, OUT e text, OUT tag text)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    s text := sc->>'sql';
    i1 text := rj.ref(items, 'int');
    cands text[];
    gen text[] := '{}';
BEGIN
    CASE sc->>'cls'
    WHEN 'int' THEN
        cands := ARRAY[format('sum(%s)', s), format('max(%s)', s), format('count(%s)', s),
                       format('sum(%s + %s)', coalesce(i1, '1'), s), format('coalesce(sum(%s), 0)', s)];
        gen := ARRAY[format('count(DISTINCT %s)', s), format('string_agg((%1$s)::text, '','' ORDER BY %1$s)', s),
                     format('jsonb_agg(%1$s ORDER BY %1$s)', s)];
    WHEN 'num' THEN
        cands := ARRAY[format('sum(%s)', s), format('min(%s)', s)];
        gen := ARRAY[format('array_agg(%1$s ORDER BY %1$s)', s)];
    WHEN 'txt' THEN
        cands := ARRAY[format('max(%s)', s), format('count(%s)', s)];
        gen := ARRAY[format('string_agg(%1$s, ''|'' ORDER BY %1$s)', s)];
    WHEN 'bool' THEN
        cands := ARRAY[format('count(%s)', s), format('max((%s)::int)', s)];
        gen := ARRAY[format('bool_or(%s)', s), format('bool_and(%s)', s)];
    ELSE
        cands := ARRAY[format('max(%s)', s)];
    END CASE;
    IF NOT rj.disabled('generic') AND NOT rj.disabled('scalar_generic') AND cardinality(gen) > 0 AND rj.chance(0.4) THEN
        cands := gen;
    END IF;
    e := rj.pick(cands);
    tag := CASE WHEN e = ANY (gen) THEN 'scalar_in_generic_agg' ELSE 'scalar_in_agg' END;
END $$;

-- an immutable set-returning function in FROM reading the columns of item it
-- (a base table, subquery, WITH query or view), as a FROM item of its own:
-- {"sql": the function call with its alias g(..), "cols", "tag"}
CREATE FUNCTION rj.gen_srf(it jsonb) RETURNS jsonb
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    a text := it->>'alias';
    ia text[] := rj.cols_cls(it, 'int');
    i1 text;
    i2 text;
    t1 text := CASE WHEN (it->'cols'->>'t') = 'txt' THEN a || '.t' END;
    cands text[] := '{}';
    s text;
    tag text;
BEGIN
    IF cardinality(ia) = 0 THEN
        RETURN NULL;
    END IF;
    i1 := a || '.' || CASE WHEN 'k' = ANY (ia) AND rj.chance(0.5) THEN 'k' ELSE rj.pick(ia) END;
    i2 := a || '.' || rj.pick(ia);
    cands := ARRAY[format('series|generate_series(1, least(%s, 3)) AS g(i)', i1),
                   format('series|generate_series(1, least(%s, 3)) AS g(i)', i1),
                   format('unnest|unnest(ARRAY[%s, %s]) AS g(i)', i1, i2),
                   format('unnest_ordinality|unnest(ARRAY[%s, %s, %s]) WITH ORDINALITY AS g(i, o)', i1, i2, i1)];
    IF ARRAY['lo', 'hi'] <@ ia THEN
        cands := cands || format('series|generate_series(%1$s.lo, least(%1$s.hi, %1$s.lo + 3)) AS g(i)', a);
    END IF;
    IF t1 IS NOT NULL THEN
        cands := cands || ARRAY[format('unnest_text|unnest(string_to_array(%s, '','')) AS g(t)', t1),
                                format('jsonb_elements|jsonb_array_elements_text(jsonb_build_array(%s, %s)) AS g(t)', t1, i1),
                                format('jsonb_elements|jsonb_array_elements(jsonb_build_array(%s, %s)) AS g(e)', i1, t1)];
    END IF;
    s := rj.pick(cands);
    tag := split_part(s, '|', 1);
    s := substr(s, length(tag) + 2);
    RETURN jsonb_build_object('sql', s, 'tag', 'srf_' || tag,
                              'cols', CASE WHEN s LIKE '% g(i, o)' THEN '{"i": "int", "o": "int"}'::jsonb
                                           WHEN s LIKE '% g(i)' THEN '{"i": "int"}'::jsonb
                                           WHEN s LIKE '% g(t)' THEN '{"t": "txt"}'::jsonb
                                           ELSE '{"e": "jsn"}'::jsonb END);
END $$;

-- ------------------------------------------------------------------
-- window functions (--disable window): in the select list of a join view
-- (over its rows, over its GROUP BY groups or over a global aggregate), an
-- outer query filtering on a rank (SELECT * FROM (SELECT .., rank() OVER
-- (..) AS r_ FROM ..) s WHERE r_ <= k), windows over a set operation, in a
-- set operation's branch, and window columns of subqueries, WITH queries and
-- inner views (which later views read).  The query as written must have
-- exactly one answer:
--   * an order-sensitive window (row_number, ntile, lag, lead, first_value,
--     a ROWS frame) orders by a key, then by the text (COLLATE "C") of enough
--     columns that rows tied on all of it are equal in every column the
--     windows and the output read: every column of the FROM items, or just
--     the columns read, or a grouped query's keys;
--   * rows equal in all of that can still get different values from an
--     order-sensitive window (row_number 1 and 2), and PostgreSQL pairs
--     them with the values of a second such window that sorts differently
--     by how its sort happens to move equal rows, which depends on the other
--     partitions' rows too (a recomputed partition may pair them the other
--     way even when every window sorts in the same direction).  So the
--     order-sensitive windows of a query level share one window (PARTITION
--     BY, ORDER BY, direction; frames may differ: one sort computes them
--     all), except over GROUP BY, whose keys make the order total;
--   * rank, dense_rank, cume_dist, percent_rank and aggregates over RANGE /
--     GROUPS frames give peers one value and get no tie (any partition,
--     order or direction);
--   * every tie column has a type whose text output is immutable (int,
--     numeric, float8, text, bool, jsonb: the vocabulary's classes; a cast
--     to text of an array or timestamptz is STABLE, refused in a view).
-- ------------------------------------------------------------------

-- the expressions of the context ctx ({class: [expr, ..]}) of the classes cls
CREATE FUNCTION rj.ctx_exprs(ctx jsonb, cls text[]) RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(array_agg(e.v ORDER BY c.o, e.n), '{}')
      FROM unnest(cls) WITH ORDINALITY AS c(cls, o),
           jsonb_array_elements_text(coalesce(ctx->c.cls, '[]')) WITH ORDINALITY AS e(v, n)
$$;

-- ctx with one more expression e of class cls
CREATE FUNCTION rj.ctx_add(ctx jsonb, cls text, e text) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
    SELECT ctx || jsonb_build_object(cls, coalesce(ctx->cls, '[]') || to_jsonb(e))
$$;

-- the tie keys of the order-sensitive windows: each expression's text, in direction dir
CREATE FUNCTION rj.win_tie(keys text[], dir text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(string_agg(format('(%s)::text COLLATE "C"%s', k, dir), ', ' ORDER BY o), '')
      FROM unnest(keys) WITH ORDINALITY AS u(k, o)
$$;

-- s with the placeholder @TIE@ (the end of an order-sensitive window's
-- ORDER BY) replaced by the tie keys
CREATE FUNCTION rj.put_tie(s text, tie text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT replace(s, '@TIE@', CASE WHEN tie = '' THEN '' ELSE ', ' || tie END)
$$;

-- an ORDER BY key over ctx, other than the partition's expression if possible
CREATE FUNCTION rj.win_key(ctx jsonb, part text) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    o text := rj.pick(rj.ctx_exprs(ctx, ARRAY['int', 'int', 'num', 'flt', 'txt']));
BEGIN
    IF part = format('PARTITION BY %s ', o) THEN
        o := rj.pick(rj.ctx_exprs(ctx, ARRAY['int', 'int', 'num', 'flt', 'txt']));   -- another, mostly
    END IF;
    RETURN coalesce(o, rj.pick(rj.ctx_exprs(ctx, ARRAY['bool'])));
END $$;

-- the window of the order-sensitive functions: [PARTITION BY ..] ORDER BY
-- key dir, then the placeholder @TIE@
CREATE FUNCTION rj.win_spec(ctx jsonb, part text, dir text) RETURNS text
LANGUAGE sql VOLATILE AS $$
    SELECT format('%sORDER BY %s%s@TIE@', part, rj.win_key(ctx, part), dir)
$$;

-- One window function over the expressions of ctx.  part: the PARTITION BY
-- clause of an order-insensitive function ('' or 'PARTITION BY e '); spec:
-- the window of an order-sensitive one (rj.win_spec); preds: FILTER
-- conditions (none: no FILTER); want: the class of the result (NULL: any;
-- no candidate: NULL); wname: a named window of the view defined as spec,
-- or NULL.  {"e", "cls", "tag", "sens": order-sensitive}
CREATE FUNCTION rj.win_func(ctx jsonb, part text, spec text, preds text[],
                            want text DEFAULT NULL, wname text DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    i1 text := rj.pick(rj.ctx_exprs(ctx, ARRAY['int']));
    n1 text := rj.pick(rj.ctx_exprs(ctx, ARRAY['num']));
    t1 text := rj.pick(rj.ctx_exprs(ctx, ARRAY['txt']));
    o text := rj.win_key(ctx, part);
    pr text := rj.pick(preds);
    pt text := rtrim(part);
    oi text := rj.pick(rj.ctx_exprs(ctx, ARRAY['int']));   -- a RANGE offset needs one numeric key
    s text := '(' || spec || ')';   -- the window of an order-sensitive function
    cands text[];
    c text;
BEGIN
    IF wname IS NOT NULL AND rj.chance(0.5) THEN
        s := wname;
        spec := wname;   -- OVER (wn ROWS ...)
    END IF;
    -- %1$s int, %2$s num, %3$s text argument, %4$s key, %5$s partition,
    -- %6$s sensitive window, %7$s the same to add a frame to, %8$s FILTER
    -- condition, %9$s partition (no trailing blank), %10$s integer key
    cands := ARRAY['int|win_row_number|1|row_number() OVER %6$s',
                   'int|win_ntile|1|ntile(3) OVER %6$s',
                   'int|win_rank|0|rank() OVER (%5$sORDER BY %4$s)',
                   'int|win_rank|0|rank() OVER (%5$sORDER BY %4$s DESC)',
                   'int|win_dense_rank|0|dense_rank() OVER (%5$sORDER BY %4$s DESC)',
                   'int|win_count|0|count(*) OVER (%9$s)',
                   'flt|win_cume_dist|0|cume_dist() OVER (%5$sORDER BY %4$s NULLS FIRST)',
                   'flt|win_percent_rank|0|percent_rank() OVER (%5$sORDER BY %4$s DESC)'];
    IF i1 IS NOT NULL THEN
        cands := cands || ARRAY[
            'int|win_lag|1|lag(%1$s) OVER %6$s',
            'int|win_lead|1|lead(%1$s, 2, 0) OVER %6$s',
            'int|win_first_value|1|first_value(%1$s) OVER %6$s',
            'int|win_frame_rows|1|sum(%1$s) OVER (%7$s ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING)',
            'int|win_frame_exclude|1|sum(%1$s) OVER (%7$s ROWS BETWEEN 2 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW)',
            'int|win_sum|0|sum(%1$s) OVER (%5$sORDER BY %4$s)',
            'int|win_sum|0|sum(%1$s) OVER (%9$s)',
            'int|win_max|0|max(%1$s) OVER (%9$s)',
            'int|win_frame_range|0|max(%1$s) OVER (%5$sORDER BY %4$s RANGE UNBOUNDED PRECEDING)',
            'int|win_frame_groups|0|sum(%1$s) OVER (%5$sORDER BY %4$s GROUPS BETWEEN 1 PRECEDING AND CURRENT ROW)',
            'int|win_frame_range_offset|0|count(%1$s) OVER (%5$sORDER BY %10$s RANGE BETWEEN 1 PRECEDING AND 1 FOLLOWING)'];
        IF pr IS NOT NULL THEN
            cands := cands || ARRAY[
                'int|win_filter|0|count(*) FILTER (WHERE %8$s) OVER (%5$sORDER BY %4$s)',
                'int|win_filter|1|sum(%1$s) FILTER (WHERE %8$s) OVER (%7$s ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING)'];
        END IF;
    END IF;
    IF n1 IS NOT NULL THEN
        cands := cands || ARRAY[
            'num|win_sum|0|sum(%2$s) OVER (%5$sORDER BY %4$s RANGE UNBOUNDED PRECEDING)',
            'num|win_frame_rows|1|max(%2$s) OVER (%7$s ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)',
            'num|win_avg|0|avg(%2$s) OVER (%9$s)'];
    END IF;
    IF t1 IS NOT NULL THEN
        cands := cands || ARRAY[
            'txt|win_max|0|max(%3$s) OVER (%9$s)',
            'txt|win_lag|1|lag(%3$s, 1, ''-'') OVER %6$s',
            'txt|win_first_value|1|first_value(%3$s) OVER %6$s',
            'txt|win_frame_range|0|min(%3$s) OVER (%5$sORDER BY %4$s RANGE UNBOUNDED PRECEDING)'];
    END IF;
    IF want IS NOT NULL THEN
        cands := ARRAY(SELECT u.c FROM unnest(cands) WITH ORDINALITY AS u(c, n)
                        WHERE split_part(u.c, '|', 1) = want ORDER BY u.n);
    END IF;
    c := rj.pick(cands);
    IF c IS NULL THEN
        RETURN NULL;
    END IF;
    RETURN jsonb_build_object('e', format(split_part(c, '|', 4), i1, n1, t1, o, part, s, spec, pr, pt, oi),
                              'cls', split_part(c, '|', 1), 'tag', split_part(c, '|', 2),
                              'sens', split_part(c, '|', 3) = '1');
END $$;

-- 1-3 windows of a view, named w1_, w2_, .., over the expressions of ctx,
-- mostly sharing one PARTITION BY (from pcands, 80%), the order-sensitive
-- ones one window (sometimes named: WINDOW wn AS (..)); total: the tie
-- orders the rows totally (GROUP BY keys), so order-sensitive windows may
-- also sort by other keys, partitions and directions.  With allow_filter,
-- sometimes a rank r_ (rank, dense_rank, or row_number over the
-- order-sensitive window) for an outer query to filter on.  The caller
-- replaces @TIE@ (rj.put_tie) in outs and window, the tie in direction dir.
-- {"outs": [select items], "names", "tags", "window": ' WINDOW wn AS (..)'
--  or '', "filter": the outer query's condition on r_ or null, "dir"}
CREATE FUNCTION rj.gen_windows(ctx jsonb, pcands text[], preds text[], allow_filter bool,
                               total bool DEFAULT false) RETURNS jsonb
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    dir text := rj.pick(ARRAY['', ' DESC']);
    part text := '';
    spec text;
    sp text;
    p text;
    wname text;
    wdef text := '';
    outs text[] := '{}';
    names text[] := '{}';
    tags text[] := '{}';
    wf jsonb;
    filt text;
    x float8;
    k int;
    i int;
BEGIN
    IF cardinality(pcands) > 0 AND rj.chance(0.8) THEN
        part := format('PARTITION BY %s ', rj.pick(pcands));
        IF cardinality(pcands) > 1 AND rj.chance(0.15) THEN
            p := rj.pick(pcands);
            IF format('PARTITION BY %s ', p) <> part THEN
                part := format('%s, %s ', rtrim(part), p);
                tags := tags || 'win_partition_2'::text;
            END IF;
        END IF;
        tags := tags || 'win_partition'::text;
    ELSE
        tags := tags || 'win_no_partition'::text;
    END IF;
    spec := rj.win_spec(ctx, part, dir);
    IF rj.chance(0.15) THEN
        wname := 'wn';
        wdef := format(' WINDOW wn AS (%s)', spec);
        tags := tags || 'win_named'::text;
    END IF;
    FOR i IN 1..rj.ri(1, 3) LOOP
        -- mostly the view's partition (maintained per partition), sometimes another or none
        p := CASE WHEN rj.chance(0.85) THEN part
                  WHEN part = '' AND cardinality(pcands) > 0 THEN format('PARTITION BY %s ', rj.pick(pcands))
                  ELSE '' END;
        sp := spec;
        IF total AND rj.chance(0.4) THEN
            sp := rj.win_spec(ctx, p, rj.pick(ARRAY['', ' DESC', ' NULLS FIRST', ' DESC NULLS LAST']));
        END IF;
        wf := rj.win_func(ctx, p, sp, preds, NULL, CASE WHEN sp = spec THEN wname END);
        IF p <> part OR ((wf->>'sens')::bool AND sp <> spec) THEN
            tags := tags || 'win_partitions_differ'::text;
        END IF;
        IF (wf->>'sens')::bool AND sp <> spec THEN
            tags := tags || 'win_sensitive_windows_differ'::text;
        END IF;
        outs := outs || format('%s AS w%s_', wf->>'e', i);
        names := names || ('w' || i || '_');
        tags := tags || (wf->>'tag');
        IF (wf->>'sens')::bool THEN
            tags := tags || 'win_order_sensitive'::text;
        END IF;
    END LOOP;
    IF allow_filter AND rj.chance(0.3) THEN
        x := random();
        IF x < 0.4 THEN
            outs := outs || format('rank() OVER (%sORDER BY %s DESC) AS r_', part, rj.win_key(ctx, part));
            tags := tags || 'win_filter_rank'::text;
        ELSIF x < 0.65 THEN
            outs := outs || format('dense_rank() OVER (%sORDER BY %s DESC) AS r_', part, rj.win_key(ctx, part));
            tags := tags || 'win_filter_dense_rank'::text;
        ELSE
            outs := outs || format('row_number() OVER (%s) AS r_', spec);
            tags := tags || 'win_filter_row_number'::text;
        END IF;
        names := names || 'r_'::text;
        k := rj.ri(1, 3);
        filt := rj.pick(ARRAY[format('r_ <= %s', k), format('r_ < %s', k + 1), 'r_ = 1',
                              format('r_ BETWEEN %s AND %s', k, k + rj.ri(0, 2)), format('%s >= r_', k),
                              format('r_ <= %s', k), 'r_ = 1', 'r_ > 1', 'r_ % 2 = 1']);
        tags := tags || 'window_filter'::text;
    END IF;
    RETURN jsonb_build_object('outs', to_jsonb(outs), 'names', to_jsonb(names), 'tags', to_jsonb(tags),
                              'window', wdef, 'filter', filt, 'dir', dir);
END $$;

-- the output of a join view with window functions (rj.gen_join): rows
-- (bag: expressions over the items, windows over the rows; the tie is every
-- column of the items or the columns the view reads), groups (GROUP BY
-- expressions, aggregates, windows over keys and aggregates; the tie is
-- the keys) or a global aggregate (one row).  sc: a scalar subquery
-- (rj.gen_scalar) for the select list (an output the windows may read, or
-- an aggregate's argument), or NULL.  wfilter: the condition of the outer
-- query on r_ (SELECT * FROM (..) s WHERE wfilter), or NULL
CREATE FUNCTION rj.gen_win_output(items jsonb, sc jsonb, OUT sel text, OUT tail text, OUT names text[],
                                  OUT tags text[], OUT wfilter text)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    x float8 := random();
    outs text[] := '{}';
    keys text[] := '{}';
    ctx jsonb := '{}';
    pcands text[] := '{}';
    preds text[] := '{}';
    tiekeys text[] := '{}';
    ex record;
    ag record;
    w jsonb;
    n int;
    i int;
    s text;
    cls text;
    tie text;
    i1 text := rj.ref(items, 'int');
    n1 text := rj.ref(items, 'num');
    f1 text := rj.ref(items, 'flt');
    t1 text := rj.ref(items, 'txt');
BEGIN
    names := '{}';
    tags := ARRAY['window'];
    tail := '';
    IF x < 0.5 THEN
        tags := tags || 'bag'::text || 'window_join'::text;
        FOR i IN 1..rj.ri(1, 3) LOOP
            SELECT * INTO ex FROM rj.expr(items);
            outs := outs || format('%s AS x%s', ex.e, i);
            names := names || ('x' || i);
        END LOOP;
        ctx := jsonb_build_object('int', to_jsonb(rj.refs(items, 'int')), 'num', to_jsonb(rj.refs(items, 'num')),
                                  'flt', to_jsonb(rj.refs(items, 'flt')), 'txt', to_jsonb(rj.refs(items, 'txt')));
        IF sc IS NOT NULL THEN
            -- a scalar subquery as an output (a function of the row's
            -- columns: rows tied on them have its value too), sometimes
            -- read by the windows
            s := rj.scalar_sel(items, sc);
            outs := outs || format('%s AS xs', s);
            names := names || 'xs'::text;
            tags := tags || 'scalar_select'::text;
            IF sc->>'cls' IN ('int', 'num', 'txt') AND rj.chance(0.6) THEN
                ctx := rj.ctx_add(ctx, sc->>'cls', s);
                tags := tags || 'win_over_scalar'::text;
            END IF;
        END IF;
        FOR i IN 1..3 LOOP
            pcands := pcands || (rj.expr(items, rj.pick(ARRAY['int', 'int', 'txt', 'bool']))).e;
        END LOOP;
        IF t1 IS NOT NULL AND to_regcollation('rj.rj_ci') IS NOT NULL AND rj.chance(0.1) THEN
            -- partitions of text under a case-insensitive collation ('x' and 'X' in one)
            pcands := ARRAY[format('%s COLLATE rj.rj_ci', t1)];
            tags := tags || 'win_partition_ci'::text;
        END IF;
        preds := ARRAY[rj.vpred_atom(items), rj.vpred_atom(items)];
        w := rj.gen_windows(ctx, pcands, preds, true);
        outs := outs || ARRAY(SELECT jsonb_array_elements_text(w->'outs'));
        IF rj.chance(0.5) THEN
            -- every column of every FROM item
            tiekeys := ARRAY(SELECT CASE WHEN e.it->>'alias' = '' THEN c.key ELSE (e.it->>'alias') || '.' || c.key END
                               FROM jsonb_array_elements(items) WITH ORDINALITY AS e(it, ord),
                                    jsonb_each_text(e.it->'cols') AS c
                              ORDER BY e.ord, c.key);
            tags := tags || 'win_tie_all_columns'::text;
        ELSE
            -- the columns the outputs and windows read (and those of a
            -- function in FROM: rj.gen_join may output its jsonb elements)
            tiekeys := ARRAY(SELECT DISTINCT m[1] || '.' || m[2]
                               FROM regexp_matches(array_to_string(outs, ' ') || (w->>'window'),
                                                   '\m(a[0-9]+)\.([a-z]+)\M', 'g') AS m
                              UNION
                             SELECT 'g.' || c.key FROM jsonb_array_elements(items) AS e(it), jsonb_each_text(e.it->'cols') AS c
                              WHERE e.it->>'alias' = 'g'
                              ORDER BY 1);
            tags := tags || 'win_tie_read_columns'::text;
        END IF;
    ELSIF x < 0.88 THEN
        tags := tags || 'groupby'::text || 'window_groupby'::text;
        FOR i IN 1..CASE WHEN rj.chance(0.7) THEN 1 ELSE 2 END LOOP
            SELECT * INTO ex FROM rj.expr(items);
            CONTINUE WHEN ex.e = ANY (keys);
            keys := keys || ex.e;
            IF rj.chance(0.85) THEN
                outs := outs || format('%s AS k%s', ex.e, i);
                names := names || ('k' || i);
            END IF;
            IF ex.cls IN ('int', 'num', 'flt', 'txt', 'bool') THEN
                ctx := rj.ctx_add(ctx, ex.cls, ex.e);
            END IF;
            CASE ex.cls
            WHEN 'int' THEN
                pcands := pcands || ex.e || format('(%s) %% 2', ex.e);
                preds := preds || format('%s > 1', ex.e);
            WHEN 'txt' THEN
                pcands := pcands || ex.e;
                preds := preds || format('%s IS NOT NULL', ex.e);
            WHEN 'bool' THEN
                pcands := pcands || ex.e;
                preds := preds || ex.e;
            ELSE
                NULL;
            END CASE;
        END LOOP;
        tiekeys := keys;
    ELSE
        tags := tags || 'global'::text || 'window_global'::text;
    END IF;
    IF x >= 0.5 THEN
        -- aggregates the windows read (outputs too), and one more sometimes
        ctx := rj.ctx_add(ctx, 'int', 'count(*)');
        FOR i IN 1..rj.ri(1, 2) LOOP
            s := rj.pick(ARRAY['int|count(*)', 'int|sum(' || i1 || ')', 'int|max(' || i1 || ')']
                         || CASE WHEN n1 IS NOT NULL THEN ARRAY['num|sum(' || n1 || ')', 'num|max(' || n1 || ')'] ELSE '{}' END
                         || CASE WHEN f1 IS NOT NULL THEN ARRAY['flt|max(' || f1 || ')'] ELSE '{}' END
                         || CASE WHEN t1 IS NOT NULL THEN ARRAY['txt|min(' || t1 || ')', 'txt|max(' || t1 || ')'] ELSE '{}' END);
            cls := split_part(s, '|', 1);
            s := substr(s, length(cls) + 2);
            outs := outs || format('%s AS x%s', s, i);
            names := names || ('x' || i);
            ctx := rj.ctx_add(ctx, cls, s);
        END LOOP;
        IF rj.chance(0.4) THEN
            SELECT * INTO ag FROM rj.agg(items);
            outs := outs || format('%s AS x9', ag.e);
            names := names || 'x9'::text;
            tags := tags || ('agg_' || ag.tag);
        END IF;
        IF sc IS NOT NULL THEN
            SELECT * INTO ag FROM rj.scalar_agg(items, sc);
            outs := outs || format('%s AS xs', ag.e);
            names := names || 'xs'::text;
            tags := tags || 'scalar_in_agg'::text || ag.tag;
        END IF;
        IF cardinality(keys) > 0 AND rj.chance(0.15) THEN
            pcands := pcands || rj.pick(ARRAY['count(*)', format('max(%s) %% 2', i1)]);   -- rows move between partitions
        END IF;
        w := rj.gen_windows(ctx, pcands, preds, true, true);
        outs := outs || ARRAY(SELECT jsonb_array_elements_text(w->'outs'));
        IF cardinality(keys) > 0 THEN
            tail := ' GROUP BY ' || array_to_string(keys, ', ');
            IF rj.chance(0.2) THEN
                tail := tail || ' HAVING ' || rj.having(items);
                tags := tags || 'having'::text;
            END IF;
        ELSIF rj.chance(0.06) THEN
            tail := ' HAVING ' || rj.having(items);   -- zero or one row
            tags := tags || 'having'::text;
        END IF;
    END IF;
    tie := rj.win_tie(tiekeys, w->>'dir');
    names := names || ARRAY(SELECT jsonb_array_elements_text(w->'names'));
    tags := tags || ARRAY(SELECT jsonb_array_elements_text(w->'tags'));
    sel := rj.put_tie(array_to_string(outs, ', '), tie);
    tail := tail || rj.put_tie(w->>'window', tie);
    wfilter := w->>'filter';
END $$;

-- windows over the query q (output columns names, of classes cls), read as
-- FROM (q) w, tied on the text of all its columns.  vocab = false: a view
-- of its own (the columns of q, windows w1_.., and maybe an outer query
-- filtering on a rank r_); vocab = true: a subquery, WITH query or inner
-- view, whose window columns are named from the vocabulary (an unused
-- integer name, sometimes n or t), sometimes filtered on a rank it does
-- not output.  {"sql", "names", "cls", "tags"}
CREATE FUNCTION rj.win_over(q text, names text[], cls text[], vocab bool) RETURNS jsonb
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    ctx jsonb := '{}';
    pcands text[] := '{}';
    preds text[] := '{}';
    tiekeys text[] := '{}';
    outs text[] := '{}';
    onames text[] := names;
    tags text[] := ARRAY['window'];
    w jsonb;
    wf jsonb;
    c text;
    nm text;
    want text;
    dir text;
    part text := '';
    spec text;
    wdef text := '';
    filt text;
    sql text;
    i int;
    k int;
BEGIN
    FOR i IN 1..cardinality(names) LOOP
        c := 'w.' || quote_ident(names[i]);
        outs := outs || c;
        tiekeys := tiekeys || c;
        CONTINUE WHEN cls[i] NOT IN ('int', 'num', 'flt', 'txt', 'bool');
        ctx := rj.ctx_add(ctx, cls[i], c);
        CASE cls[i]
        WHEN 'int' THEN pcands := pcands || c; preds := preds || format('%s > 1', c);
        WHEN 'txt' THEN
            pcands := pcands || CASE WHEN to_regcollation('rj.rj_ci') IS NOT NULL AND rj.chance(0.1)
                                     THEN c || ' COLLATE rj.rj_ci' ELSE c END;
            preds := preds || format('%s <> ''x''', c);
        WHEN 'bool' THEN pcands := pcands || c; preds := preds || c;
        ELSE NULL;
        END CASE;
    END LOOP;
    IF NOT vocab THEN
        w := rj.gen_windows(ctx, pcands, preds, true);
        outs := outs || ARRAY(SELECT jsonb_array_elements_text(w->'outs'));
        onames := onames || ARRAY(SELECT jsonb_array_elements_text(w->'names'));
        cls := cls || ARRAY(SELECT 'win'::text FROM jsonb_array_elements(w->'names'));
        tags := tags || ARRAY(SELECT jsonb_array_elements_text(w->'tags'));
        dir := w->>'dir';
        wdef := w->>'window';
        filt := w->>'filter';
    ELSE
        dir := rj.pick(ARRAY['', ' DESC']);
        IF cardinality(pcands) > 0 AND rj.chance(0.8) THEN
            part := format('PARTITION BY %s ', rj.pick(pcands));
        END IF;
        spec := rj.win_spec(ctx, part, dir);
        FOR i IN 1..CASE WHEN rj.chance(0.6) THEN 1 ELSE 2 END LOOP
            IF i = 1 OR rj.chance(0.5) THEN
                nm := rj.pick(ARRAY(SELECT u FROM unnest(ARRAY['v', 'j', 'lo', 'hi', 'k']) u WHERE NOT (u = ANY (onames))));
            ELSE
                nm := rj.pick(ARRAY(SELECT u FROM unnest(ARRAY['n', 't']) u WHERE NOT (u = ANY (onames))));
            END IF;
            CONTINUE WHEN nm IS NULL;
            want := CASE nm WHEN 'n' THEN 'num' WHEN 't' THEN 'txt' ELSE 'int' END;
            wf := rj.win_func(ctx, part, spec, preds, want);
            CONTINUE WHEN wf IS NULL;
            outs := outs || format('%s AS %s', wf->>'e', nm);
            onames := onames || nm;
            cls := cls || want;
            tags := tags || (wf->>'tag');
        END LOOP;
        IF rj.chance(0.25) THEN
            -- a rank the outer query filters on, not an output
            outs := outs || format('%s() OVER (%sORDER BY %s DESC) AS r_', rj.pick(ARRAY['rank', 'dense_rank']), part,
                                   rj.win_key(ctx, part));
            k := rj.ri(1, 3);
            filt := rj.pick(ARRAY[format('r_ <= %s', k), 'r_ = 1', format('r_ BETWEEN %s AND %s', k, k + 1)]);
            tags := tags || 'window_filter'::text;
        END IF;
    END IF;
    sql := format('SELECT %s FROM (%s) w%s', rj.put_tie(array_to_string(outs, ', '), rj.win_tie(tiekeys, dir)), q,
                  rj.put_tie(wdef, rj.win_tie(tiekeys, dir)));
    IF filt IS NOT NULL THEN
        sql := format('SELECT %s FROM (%s) s WHERE %s',
                      CASE WHEN vocab THEN (SELECT string_agg('s.' || quote_ident(u.n), ', ' ORDER BY u.o)
                                              FROM unnest(onames) WITH ORDINALITY AS u(n, o))
                           ELSE '*' END, sql, filt);
    END IF;
    RETURN jsonb_build_object('sql', sql, 'names', to_jsonb(onames), 'cls', to_jsonb(cls), 'tags', to_jsonb(tags));
END $$;

-- ------------------------------------------------------------------
-- derived queries: subqueries in FROM, WITH queries, inner views.  Their
-- output columns are named from the base-table vocabulary.
-- {"sql", "cols": {name: class}, "names": [ordered], "mask", "depth", "tags": [..]}
-- ------------------------------------------------------------------

-- a random source: mostly base tables, sometimes a view from srcs
-- need_bo: only base tables and views that read base tables only (see
-- rj.multipath_off); tables_only: only base tables
CREATE FUNCTION rj.pick_src(srcs jsonb, p_view float8 DEFAULT 0.3, need_bo bool DEFAULT false,
                            tables_only bool DEFAULT false) RETURNS jsonb
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    tabs jsonb;
    views jsonb;
BEGIN
    SELECT coalesce(jsonb_agg(s ORDER BY n), '[]') INTO tabs
      FROM jsonb_array_elements(srcs) WITH ORDINALITY AS e(s, n) WHERE (s->>'depth')::int = 0;
    SELECT coalesce(jsonb_agg(s ORDER BY n), '[]') INTO views
      FROM jsonb_array_elements(srcs) WITH ORDINALITY AS e(s, n)
     WHERE (s->>'depth')::int > 0 AND NOT tables_only AND (NOT need_bo OR (s->>'bo')::bool);
    IF jsonb_array_length(views) > 0 AND rj.chance(p_view) THEN
        RETURN rj.pickj(views);
    END IF;
    RETURN rj.pickj(tabs);
END $$;

-- candidate aggregates producing the vocabulary column name over source alias a
CREATE FUNCTION rj.dagg_cands(name text, a text, cols jsonb) RETURNS text[]
LANGUAGE plpgsql STABLE AS $$
DECLARE
    c text[] := '{}';
BEGIN
    CASE name
    WHEN 'v' THEN
        c := ARRAY['int|count(*)'];
        IF cols->>'v' = 'int' THEN
            c := c || ARRAY[format('int|sum(%s.v)', a), format('int|max(%s.v)', a), format('int|min(%s.v)', a)];
        END IF;
        IF cols->>'k' = 'int' THEN
            c := c || ARRAY[format('int|sum(%s.k)', a), format('int|count(%s.k)', a)];
        END IF;
    WHEN 'j' THEN
        c := ARRAY['int|count(*)'];
        IF cols->>'j' = 'int' THEN
            c := c || format('int|max(%s.j)', a);
        END IF;
        IF cols->>'k' = 'int' THEN
            c := c || format('int|count(DISTINCT %s.k)', a);
        END IF;
    WHEN 'n' THEN
        IF cols->>'n' = 'num' THEN
            c := ARRAY[format('num|sum(%s.n)', a), format('num|max(%s.n)', a), format('num|min(%s.n)', a)];
        END IF;
    WHEN 't' THEN
        IF cols->>'t' = 'txt' THEN
            c := ARRAY[format('txt|max(%s.t)', a), format('txt|min(%s.t)', a),
                       format('txt|string_agg(%s.t, '','' ORDER BY %s.t)', a, a)];
        END IF;
    WHEN 'x' THEN
        IF cols->>'x' = 'flt' THEN
            c := ARRAY[format('flt|sum(%s.x)', a), format('flt|max(%s.x)', a)];
        END IF;
    WHEN 'b' THEN
        IF cols->>'b' = 'bool' THEN
            c := ARRAY[format('bool|bool_and(%s.b)', a), format('bool|bool_or(%s.b)', a)];
        END IF;
    WHEN 'lo' THEN
        IF cols->>'lo' = 'int' THEN
            c := ARRAY[format('int|min(%s.lo)', a)];
        END IF;
    WHEN 'hi' THEN
        IF cols->>'hi' = 'int' THEN
            c := ARRAY[format('int|max(%s.hi)', a)];
        END IF;
    ELSE
        NULL;
    END CASE;
    IF rj.disabled('generic') THEN
        SELECT coalesce(array_agg(x ORDER BY n), '{}') INTO c FROM unnest(c) WITH ORDINALITY AS u(x, n)
         WHERE x !~ '(string_agg|bool_and|bool_or|DISTINCT)';
    END IF;
    RETURN c;
END $$;

-- --disable multipath: work around a known scheduling bug (views over views
-- that read the same change through paths of different lengths).  With it
-- set, a query with several inputs only reads base tables and "base-only"
-- views (whose inputs are all base tables, and which are not a UNION over
-- internal branch views): such inputs are pending from the start of every
-- step that changes them, so their readers wait for them.
CREATE FUNCTION rj.multipath_off() RETURNS bool
LANGUAGE sql STABLE AS $$ SELECT rj.disabled('multipath') $$;

CREATE FUNCTION rj.cast_to(e text, cls text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT format('(%s)::%s', e, CASE cls WHEN 'int' THEN 'int' WHEN 'num' THEN 'numeric'
                                          WHEN 'flt' THEN 'float8' WHEN 'txt' THEN 'text' ELSE 'bool' END)
$$;

-- a type of column class cls for one branch of a set operation: branches
-- of other types make PostgreSQL resolve a common type and coerce each
-- branch to it.  strict: only types whose equal values print alike (a
-- DISTINCT, GROUP BY or set-operation key: numeric 1.50 vs 1.5000, char(n)
-- padding would be equal keys spelled differently)
CREATE FUNCTION rj.mixed_type(cls text, strict bool, agg bool DEFAULT false) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    RETURN CASE cls
        WHEN 'int' THEN rj.pick(ARRAY['int', 'int', 'bigint', 'numeric']
                                || CASE WHEN agg THEN '{}'::text[] ELSE ARRAY['smallint'] END)
        WHEN 'num' THEN rj.pick(ARRAY['numeric', 'numeric(10,2)', 'numeric(12,2)', 'float8']
                                || CASE WHEN strict THEN '{}'::text[] ELSE ARRAY['numeric(12,4)'] END)
        WHEN 'flt' THEN rj.pick(ARRAY['float8', 'float8', 'real', 'numeric'])
        WHEN 'txt' THEN rj.pick(ARRAY['text', 'varchar', 'varchar(20)']
                                || CASE WHEN strict THEN '{}'::text[] ELSE ARRAY['char(6)'] END)
        ELSE 'bool' END;
END $$;

-- e as a column of type typ, in a set operation's branch: cast, or (unnamed)
-- an expression PostgreSQL names ?column? with the same value and type
CREATE FUNCTION rj.branch_col(e text, typ text, unnamed bool) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN NOT unnamed THEN format('(%s)::%s', e, typ)
                WHEN typ = 'bool' THEN format('NOT NOT (%s)::%s', e, typ)
                WHEN typ ~ '^(text|varchar|char)' THEN format('(%s)::%s', e, typ)
                ELSE format('-(-(%s)::%s)', e, typ) END
$$;

-- a subquery whose outputs the outer query names with a column alias list
-- (FROM (SELECT ...) z(k, t) or WITH w(k, t) AS (SELECT ...)): the columns the
-- list names are unnamed expressions, other names, duplicate names or names
-- needing quotes; the list may name only the first columns.
-- {"sql": the SELECT, "alias": the column list, "cols", "mask", "depth", "tags"}
CREATE FUNCTION rj.gen_aliased(srcs jsonb, p_bo bool) RETURNS jsonb
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    s0 jsonb := rj.pick_src(srcs, 0.3, p_bo);
    all_cols text[] := ARRAY(SELECT jsonb_object_keys(s0->'cols') ORDER BY 1);
    picked text[] := '{}';
    outs text[] := '{}';
    cols jsonb := '{}';
    tags text[] := '{}';
    c text;
    cls text;
    n int := rj.ri(2, 4);
    m int;
    i int;
    x float8;
    w text := '';
BEGIN
    -- an int column first (joins and predicates need one), then others
    picked := ARRAY[rj.pick(rj.cols_cls(s0, 'int'))];
    FOR i IN 2..n LOOP
        c := rj.pick(all_cols);
        CONTINUE WHEN c = ANY (picked);
        picked := picked || c;
    END LOOP;
    n := cardinality(picked);
    m := CASE WHEN rj.chance(0.3) THEN rj.ri(1, n) ELSE n END;
    IF m < n THEN
        tags := tags || 'alias_partial'::text;
    END IF;
    FOR i IN 1..n LOOP
        c := picked[i];
        cls := s0->'cols'->>c;
        cols := cols || jsonb_build_object(c, cls);
        x := random();
        IF i > m THEN
            outs := outs || ('z0.' || c);             -- named by the subquery itself
        ELSIF x < 0.45 THEN
            tags := tags || 'alias_unnamed'::text;   -- ?column?
            outs := outs || CASE cls WHEN 'int' THEN format('z0.%s + 0', c) WHEN 'num' THEN format('z0.%s * 1', c)
                                     WHEN 'flt' THEN format('z0.%s + 0', c) WHEN 'txt' THEN format('z0.%s || %L', c, '')
                                     ELSE format('z0.%s AND true', c) END;
        ELSIF x < 0.65 THEN
            tags := tags || 'alias_dup'::text;
            outs := outs || format('z0.%s AS dup', c);
        ELSIF x < 0.8 THEN
            tags := tags || 'alias_quoted'::text;
            outs := outs || format('z0.%s AS "Odd Name %s"', c, i);
        ELSE
            outs := outs || format('z0.%s AS %s', c, picked[1 + i % n]);   -- another column's name
        END IF;
    END LOOP;
    IF rj.chance(0.4) THEN
        w := ' WHERE ' || rj.vpred(jsonb_build_array(jsonb_build_object('alias', 'z0', 'cols', s0->'cols')), 0);
    END IF;
    RETURN jsonb_build_object(
        'sql', format('SELECT %s%s FROM %s z0%s', CASE WHEN rj.chance(0.2) THEN 'DISTINCT ' ELSE '' END,
                      array_to_string(outs, ', '), s0->>'sql', w),
        'alias', array_to_string(picked[1:m], ', '), 'cols', cols, 'mask', s0->'mask', 'depth', s0->'depth',
        'tags', to_jsonb(tags));
END $$;

-- a WHERE clause w (' WHERE ...' or '') with one more conjunct c (or none)
CREATE FUNCTION rj.add_conj(w text, c text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN c IS NULL THEN w WHEN w = '' THEN ' WHERE ' || c ELSE w || ' AND ' || c END
$$;

-- p_bo: the result must be base-only (read base tables only, no UNION);
-- p_win: the chance of window columns over the query (rj.win_over)
CREATE FUNCTION rj.gen_derived(srcs jsonb, p_bo bool DEFAULT false, p_win float8 DEFAULT 0.08) RETURNS jsonb
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    x float8 := random();
    s1 jsonb;
    s2 jsonb;
    mp bool := rj.multipath_off();
    it1 jsonb;
    it2 jsonb;
    items jsonb;
    outs text[] := '{}';
    names text[] := '{}';
    cols jsonb := '{}';
    keys text[] := '{}';
    cands text[];
    vocab text[] := ARRAY['v', 'n', 't', 'x', 'b', 'j', 'lo', 'hi'];
    nm text;
    c text;
    s text;
    cls text;
    w text := '';
    q text;
    kind text;
    cond jsonb;
    i int;
    n int;
    ag text;
    op text;
    jt text := 'JOIN';
    ctags text[] := '{}';
    sl jsonb;
    sc jsonb;
    smask int := 0;
    sdepth int := 0;
    sbo bool := true;
    wr jsonb;
    lat jsonb;
BEGIN
    IF x < 0.28 THEN
        kind := 'agg';
    ELSIF x < 0.40 THEN
        kind := 'distinct';
    ELSIF x < 0.60 THEN
        kind := 'join';
    ELSIF x < 0.80 THEN
        kind := 'joinagg';
    ELSIF x < 0.88 OR rj.disabled('setop') OR p_bo THEN
        kind := 'proj';
    ELSE
        kind := 'union';
    END IF;
    -- sources: two-input kinds need base-only inputs under --disable multipath
    -- (a UNION's branches are internal views of their own: base tables only)
    s1 := rj.pick_src(srcs, 0.3, mp AND kind IN ('join', 'joinagg'), p_bo OR (mp AND kind = 'union'));
    it1 := jsonb_build_object('alias', 's1', 'cols', s1->'cols', 'tab', s1->'tab');
    items := jsonb_build_array(it1);
    IF kind IN ('join', 'joinagg', 'union') THEN
        s2 := CASE WHEN rj.chance(0.2) THEN s1
                   ELSE rj.pick_src(srcs, 0.3, mp, p_bo OR (mp AND kind = 'union')) END;
        it2 := jsonb_build_object('alias', 's2', 'cols', s2->'cols', 'tab', s2->'tab');
        IF kind IN ('join', 'joinagg') AND NOT rj.disabled('lateral') AND NOT mp AND NOT p_bo AND rj.chance(0.15) THEN
            -- s2 is a LATERAL subquery correlated with s1 (rj.gen_lateral), joined
            -- with JOIN .. ON (also ON true) or LEFT JOIN .. ON
            lat := rj.gen_lateral(jsonb_build_array(it1), srcs, true);
            s2 := jsonb_build_object('sql', 'LATERAL ' || (lat->>'sql'), 'cols', lat->'cols', 'tab', 0,
                                     'mask', lat->'mask', 'depth', lat->'depth');
            it2 := jsonb_build_object('alias', 's2', 'cols', lat->'cols', 'tab', 0);
            ctags := ctags || ARRAY(SELECT jsonb_array_elements_text(lat->'tags')) || 'lateral_derived'::text;
            IF rj.chance(0.4) OR rj.disabled('lateral_left_and') THEN
                cond := jsonb_build_object('cond', 'true');
            END IF;
            sbo := false;
        END IF;
        items := items || it2;
    END IF;
    IF kind IN ('join', 'joinagg') AND NOT rj.disabled('outer') AND rj.chance(0.28) THEN
        -- an outer join of the two sources (of a LATERAL subquery: LEFT only)
        x := random();
        jt := CASE WHEN x < 0.6 OR lat IS NOT NULL THEN 'LEFT JOIN' WHEN x < 0.8 THEN 'RIGHT JOIN' ELSE 'FULL JOIN' END;
        cond := CASE WHEN cond IS NOT NULL THEN cond
                     ELSE rj.outer_cond(jsonb_build_array(it1), it1, it2, jt = 'FULL JOIN') END;
        ctags := ctags || lower(replace(jt, ' ', '_')) || ARRAY(SELECT jsonb_array_elements_text(cond->'tags'));
        IF kind = 'joinagg' THEN
            ctags := ctags || 'outer_join_agg'::text;
        END IF;
    END IF;

    IF kind IN ('agg', 'joinagg') THEN
        -- group keys from s1, aggregates (over s1 or s2) named from the vocabulary
        n := CASE WHEN rj.chance(0.8) THEN 1 ELSE 2 END;
        FOR i IN 1..n LOOP
            cands := rj.cols_cls(it1, 'int') || rj.cols_cls(it1, 'txt') || rj.cols_cls(it1, 'bool');
            IF 'k' = ANY (cands) AND rj.chance(0.5) THEN
                c := 'k';
            ELSE
                c := rj.pick(cands);
            END IF;
            CONTINUE WHEN c = ANY (names);
            outs := outs || ('s1.' || c);
            keys := keys || ('s1.' || c);
            names := names || c;
            cols := cols || jsonb_build_object(c, it1->'cols'->>c);
        END LOOP;
        n := rj.ri(1, 3);
        FOR i IN 1..n LOOP
            nm := rj.pick(vocab);
            CONTINUE WHEN nm = ANY (names);
            IF kind = 'joinagg' AND rj.chance(0.7) THEN
                cands := rj.dagg_cands(nm, 's2', it2->'cols');
            ELSE
                cands := rj.dagg_cands(nm, 's1', it1->'cols');
            END IF;
            s := rj.pick(cands);
            CONTINUE WHEN s IS NULL;
            cls := split_part(s, '|', 1);
            outs := outs || format('%s AS %s', substr(s, length(cls) + 2), nm);
            names := names || nm;
            cols := cols || jsonb_build_object(nm, cls);
        END LOOP;
        IF NOT (cols ?| ARRAY['v', 'j']) AND rj.cols_cls(jsonb_build_object('cols', cols), 'int') = '{}' THEN
            outs := outs || 'count(*) AS v'::text;
            names := names || 'v'::text;
            cols := cols || '{"v": "int"}';
        END IF;
        IF rj.chance(0.35) THEN
            w := ' WHERE ' || rj.vpred(items, 1);
        END IF;
        IF NOT rj.disabled('sublink') AND rj.chance(0.12) AND (lat IS NULL OR NOT rj.disabled('lateral_sublink')) THEN
            sl := rj.gen_sublink(items, srcs, 1, mp, p_bo);
        END IF;
        IF kind = 'agg' THEN
            q := format('SELECT %s FROM %s s1%s GROUP BY %s', array_to_string(outs, ', '), s1->>'sql',
                        rj.add_conj(w, sl->>'sql'), array_to_string(keys, ', '));
        ELSE
            cond := coalesce(cond, rj.join_cond(it1, it2, false));
            q := format('SELECT %s FROM %s s1 %s %s s2 ON %s%s GROUP BY %s', array_to_string(outs, ', '),
                        s1->>'sql', jt, s2->>'sql', cond->>'cond', rj.add_conj(w, sl->>'sql'), array_to_string(keys, ', '));
        END IF;
        IF rj.chance(0.15) THEN
            q := q || ' HAVING count(*) > 1';
        END IF;
    ELSIF kind IN ('distinct', 'proj') THEN
        n := rj.ri(2, 4);
        FOR i IN 1..n LOOP
            c := rj.pick(ARRAY(SELECT jsonb_object_keys(it1->'cols') ORDER BY 1));
            CONTINUE WHEN c = ANY (names);
            cls := it1->'cols'->>c;
            CONTINUE WHEN kind = 'distinct' AND cls = 'flt' AND rj.chance(0.5);
            IF kind = 'proj' AND rj.chance(0.3) THEN
                outs := outs || format('%s AS %s', CASE cls WHEN 'int' THEN format('coalesce(s1.%s, 0) + 1', c)
                                                            WHEN 'txt' THEN format('upper(s1.%s)', c)
                                                            WHEN 'num' THEN format('s1.%s * 2', c)
                                                            WHEN 'bool' THEN format('NOT s1.%s', c)
                                                            ELSE 's1.' || c END, c);
            ELSE
                outs := outs || ('s1.' || c);
            END IF;
            names := names || c;
            cols := cols || jsonb_build_object(c, cls);
        END LOOP;
        IF rj.cols_cls(jsonb_build_object('cols', cols), 'int') = '{}' THEN
            c := rj.pick(rj.cols_cls(it1, 'int'));
            outs := outs || ('s1.' || c);
            names := names || c;
            cols := cols || jsonb_build_object(c, 'int');
        END IF;
        IF rj.chance(0.5) THEN
            w := ' WHERE ' || rj.vpred(items, 1);
        END IF;
        IF NOT rj.disabled('sublink') AND rj.chance(0.12) THEN
            sl := rj.gen_sublink(items, srcs, 1, mp, p_bo);
        END IF;
        IF NOT rj.disabled('scalar') AND rj.chance(0.15) THEN
            -- a scalar subquery as an output named from the vocabulary
            -- (the item's own subquery: its components stay few)
            sc := rj.gen_scalar(items, srcs, 1, NULL, mp OR p_bo, CASE WHEN sl IS NULL THEN 64 ELSE 12 END);
            nm := CASE sc->>'cls' WHEN 'int' THEN rj.pick(ARRAY(SELECT u FROM unnest(ARRAY['v', 'j', 'lo', 'hi']) u
                                                              WHERE NOT (u = ANY (names))))
                                  WHEN 'num' THEN 'n' WHEN 'txt' THEN 't' WHEN 'bool' THEN 'b' WHEN 'flt' THEN 'x' END;
            IF nm IS NOT NULL AND NOT (nm = ANY (names)) THEN
                outs := outs || format('%s AS %s', sc->>'sql', nm);
                names := names || nm;
                cols := cols || jsonb_build_object(nm, sc->>'cls');
                ctags := ctags || ARRAY(SELECT jsonb_array_elements_text(sc->'tags')) || 'scalar_in_derived'::text;
                smask := smask | (sc->>'mask')::int;
                sdepth := greatest(sdepth, (sc->>'depth')::int);
                sbo := sbo AND (sc->>'bo')::bool;
            END IF;
        END IF;
        q := format('SELECT %s%s FROM %s s1%s', CASE WHEN kind = 'distinct' THEN 'DISTINCT ' ELSE '' END,
                    array_to_string(outs, ', '), s1->>'sql', rj.add_conj(w, sl->>'sql'));
    ELSIF kind = 'join' THEN
        cond := coalesce(cond, rj.join_cond(it1, it2, false));
        n := rj.ri(2, 4);
        FOR i IN 1..n LOOP
            IF rj.chance(0.5) THEN
                c := rj.pick(ARRAY(SELECT jsonb_object_keys(it1->'cols') ORDER BY 1));
                s := 's1';
            ELSE
                c := rj.pick(ARRAY(SELECT jsonb_object_keys(it2->'cols') ORDER BY 1));
                s := 's2';
            END IF;
            CONTINUE WHEN c = ANY (names);
            outs := outs || (s || '.' || c);
            names := names || c;
            cols := cols || jsonb_build_object(c, CASE WHEN s = 's1' THEN it1 ELSE it2 END->'cols'->>c);
        END LOOP;
        IF rj.cols_cls(jsonb_build_object('cols', cols), 'int') = '{}' THEN
            c := rj.pick(rj.cols_cls(it2, 'int'));
            outs := outs || ('s2.' || c);
            names := names || c;
            cols := cols || jsonb_build_object(c, 'int');
        END IF;
        IF rj.chance(0.4) THEN
            w := ' WHERE ' || rj.vpred(items, 1);
        END IF;
        IF NOT rj.disabled('sublink') AND rj.chance(0.12) AND (lat IS NULL OR NOT rj.disabled('lateral_sublink')) THEN
            sl := rj.gen_sublink(items, srcs, 1, mp, p_bo);
        END IF;
        q := format('SELECT %s%s FROM %s s1 %s %s s2 ON %s%s', CASE WHEN rj.chance(0.2) THEN 'DISTINCT ' ELSE '' END,
                    array_to_string(outs, ', '), s1->>'sql', jt, s2->>'sql', cond->>'cond', rj.add_conj(w, sl->>'sql'));
    ELSE
        -- UNION [ALL] of two single-source SELECTs over the columns both have
        cands := ARRAY(SELECT c1.key FROM jsonb_each_text(it1->'cols') c1
                        WHERE (it2->'cols'->>c1.key) = c1.value ORDER BY 1);
        IF cardinality(cands) = 0 OR cardinality(rj.common_cols(it1, it2, 'int')) = 0 THEN
            RETURN rj.gen_derived(srcs, p_bo, p_win);
        END IF;
        n := rj.ri(1, 3);
        FOR i IN 1..n LOOP
            c := rj.pick(cands);
            CONTINUE WHEN c = ANY (names);
            names := names || c;
            cols := cols || jsonb_build_object(c, it1->'cols'->>c);
        END LOOP;
        IF rj.cols_cls(jsonb_build_object('cols', cols), 'int') = '{}' THEN
            c := rj.pick(rj.common_cols(it1, it2, 'int'));
            IF c IS NULL THEN
                RETURN rj.gen_derived(srcs, p_bo, p_win);
            END IF;
            names := names || c;
            cols := cols || jsonb_build_object(c, 'int');
        END IF;
        x := random();
        op := CASE WHEN x < 0.5 THEN 'UNION ALL' WHEN x < 0.8 OR rj.disabled('setop_all') THEN 'UNION'
                   WHEN x < 0.9 THEN 'INTERSECT ALL' ELSE 'EXCEPT ALL' END;
        -- the second branch's columns of other types of the same kind (readers
        -- use the columns by class: integers stay integers, texts texts), and
        -- unnamed: the set operation names its columns from the first branch
        s := CASE WHEN NOT rj.disabled('setop_types') AND rj.chance(0.4) THEN 'mixed' END;
        q := format('SELECT %s FROM %s s1%s %s SELECT %s FROM %s s2%s',
                    (SELECT string_agg(rj.cast_to('s1.' || nn, cols->>nn) || ' AS ' || nn, ', ' ORDER BY o)
                       FROM unnest(names) WITH ORDINALITY AS u(nn, o)),
                    s1->>'sql', CASE WHEN rj.chance(0.5) THEN ' WHERE ' || rj.vpred(jsonb_build_array(it1), 0) ELSE '' END,
                    op,
                    (SELECT string_agg(CASE WHEN s IS NULL THEN rj.cast_to('s2.' || nn, cols->>nn)
                                            ELSE rj.branch_col('s2.' || nn,
                                                               CASE cols->>nn WHEN 'int' THEN rj.pick(ARRAY['int', 'bigint', 'smallint'])
                                                                              WHEN 'num' THEN rj.pick(ARRAY['numeric', 'numeric(10,2)', 'numeric(12,2)'])
                                                                              WHEN 'flt' THEN rj.pick(ARRAY['float8', 'real'])
                                                                              WHEN 'txt' THEN rj.pick(ARRAY['text', 'varchar'])
                                                                              ELSE 'bool' END,
                                                               rj.chance(0.5)) END, ', ' ORDER BY o)
                       FROM unnest(names) WITH ORDINALITY AS u(nn, o)),
                    s2->>'sql', CASE WHEN rj.chance(0.5) THEN ' WHERE ' || rj.vpred(jsonb_build_array(it2), 0) ELSE '' END);
        IF s IS NOT NULL THEN
            ctags := ctags || 'setop_mixed_types'::text;
        END IF;
        kind := lower(replace(op, ' ', '_'));
        IF op NOT LIKE 'UNION%' THEN
            ctags := ctags || kind;
        END IF;
    END IF;
    IF sl IS NOT NULL THEN
        ctags := ctags || ARRAY(SELECT jsonb_array_elements_text(sl->'tags'));
        smask := smask | (sl->>'mask')::int;
        sdepth := greatest(sdepth, (sl->>'depth')::int);
        sbo := sbo AND (sl->>'bo')::bool;
    END IF;
    IF 'window' = ANY (ARRAY(SELECT jsonb_array_elements_text(coalesce(s1->'ctags', '[]') || coalesce(s2->'ctags', '[]')))) THEN
        ctags := ctags || 'over_window_view'::text;
    END IF;
    IF 'lateral' = ANY (ARRAY(SELECT jsonb_array_elements_text(coalesce(s1->'ctags', '[]') || coalesce(s2->'ctags', '[]')))) THEN
        ctags := ctags || 'over_lateral_view'::text;
    END IF;
    IF NOT p_bo AND NOT rj.disabled('window') AND rj.chance(p_win) THEN
        -- window columns over the query: SELECT w.*, rank() OVER (..) AS j FROM (..) w
        wr := rj.win_over(q, names, ARRAY(SELECT cols->>u.n FROM unnest(names) WITH ORDINALITY AS u(n, o) ORDER BY u.o), true);
        q := wr->>'sql';
        FOR i IN cardinality(names) + 1 .. jsonb_array_length(wr->'names') LOOP
            cols := cols || jsonb_build_object(wr->'names'->>(i - 1), wr->'cls'->>(i - 1));
        END LOOP;
        names := ARRAY(SELECT jsonb_array_elements_text(wr->'names'));
        ctags := ctags || ARRAY(SELECT jsonb_array_elements_text(wr->'tags')) || 'window_derived'::text;
        sbo := false;
    END IF;
    RETURN jsonb_build_object('sql', q, 'cols', cols, 'names', to_jsonb(names),
                              'mask', (s1->>'mask')::int | coalesce((s2->>'mask')::int, 0) | smask,
                              'depth', greatest((s1->>'depth')::int, coalesce((s2->>'depth')::int, 0), sdepth),
                              'bo', (s1->>'depth')::int = 0 AND coalesce((s2->>'depth')::int, 0) = 0
                                    AND kind NOT IN ('union', 'union_all', 'intersect_all', 'except_all') AND sbo,
                              'tags', jsonb_build_array('d_' || kind),
                              -- construct tags (outer joins, subqueries in WHERE), given to the reader as they are
                              'ctags', to_jsonb(ctags));
END $$;

-- ------------------------------------------------------------------
-- top-level views
-- {"q", "cols": oracle column list, "mask", "depth", "tags": [..],
--  "expose": {name: class} for inner views other views may read, else null}
-- ------------------------------------------------------------------

-- the SELECT list and tail of a view over items: bag, DISTINCT, GROUP BY, global.
-- sc: a scalar subquery (rj.gen_scalar) to use in the select list: an output
-- of a bag or DISTINCT view, a GROUP BY key or an aggregate's argument
CREATE FUNCTION rj.gen_output(items jsonb, sc jsonb DEFAULT NULL,
                              OUT sel text, OUT tail text, OUT names text[], OUT tags text[])
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    x float8 := random();
    outs text[] := '{}';
    keys text[] := '{}';
    ex record;
    ag record;
    n int;
    i int;
BEGIN
    names := '{}';
    tags := '{}';
    tail := '';
    IF x < 0.22 THEN
        tags := tags || 'bag'::text;
        n := rj.ri(1, 4);
        FOR i IN 1..n LOOP
            SELECT * INTO ex FROM rj.expr(items);
            outs := outs || format('%s AS x%s', ex.e, i);
            names := names || ('x' || i);
        END LOOP;
        IF rj.chance(0.3) AND (items->0->'cols') ? 'id' THEN
            outs := outs || format('%s.id AS xid', items->0->>'alias');
            names := names || 'xid'::text;
        END IF;
        IF sc IS NOT NULL THEN
            outs := outs || format('%s AS xs', rj.scalar_sel(items, sc));
            names := names || 'xs'::text;
            tags := tags || 'scalar_select'::text;
        END IF;
        sel := array_to_string(outs, ', ');
    ELSIF x < 0.37 THEN
        tags := tags || 'distinct'::text;
        n := rj.ri(1, 3);
        FOR i IN 1..n LOOP
            SELECT * INTO ex FROM rj.expr(items);
            outs := outs || format('%s AS x%s', ex.e, i);
            names := names || ('x' || i);
        END LOOP;
        IF sc IS NOT NULL THEN
            outs := outs || format('%s AS xs', rj.scalar_sel(items, sc));
            names := names || 'xs'::text;
            tags := tags || 'scalar_select'::text;
        END IF;
        sel := 'DISTINCT ' || array_to_string(outs, ', ');
    ELSIF x < 0.80 THEN
        tags := tags || 'groupby'::text;
        n := CASE WHEN rj.chance(0.7) THEN 1 ELSE 2 END;
        FOR i IN 1..n LOOP
            SELECT * INTO ex FROM rj.expr(items);
            CONTINUE WHEN ex.e = ANY (keys);
            keys := keys || ex.e;
            IF rj.chance(0.85) THEN
                outs := outs || format('%s AS k%s', ex.e, i);
                names := names || ('k' || i);
            END IF;
        END LOOP;
        IF sc IS NOT NULL AND rj.chance(0.45) THEN
            -- the scalar subquery as a GROUP BY expression
            keys := keys || rj.scalar_sel(items, sc);
            outs := outs || format('%s AS ks', keys[cardinality(keys)]);
            names := names || 'ks'::text;
            tags := tags || 'scalar_group_key'::text;
            sc := NULL;
        END IF;
        n := rj.ri(1, 3);
        FOR i IN 1..n LOOP
            SELECT * INTO ag FROM rj.agg(items);
            outs := outs || format('%s AS x%s', ag.e, i);
            names := names || ('x' || i);
            tags := tags || ('agg_' || ag.tag);
        END LOOP;
        IF sc IS NOT NULL THEN
            SELECT * INTO ag FROM rj.scalar_agg(items, sc);
            outs := outs || format('%s AS xs', ag.e);
            names := names || 'xs'::text;
            tags := tags || 'scalar_in_agg'::text || ag.tag;
        END IF;
        sel := array_to_string(outs, ', ');
        tail := ' GROUP BY ' || array_to_string(keys, ', ');
        IF rj.chance(0.2) THEN
            tail := tail || ' HAVING ' || rj.having(items);
            tags := tags || 'having'::text;
        END IF;
    ELSE
        tags := tags || 'global'::text;
        n := rj.ri(1, 3);
        FOR i IN 1..n LOOP
            SELECT * INTO ag FROM rj.agg(items);
            outs := outs || format('%s AS x%s', ag.e, i);
            names := names || ('x' || i);
            tags := tags || ('agg_' || ag.tag);
        END LOOP;
        IF sc IS NOT NULL THEN
            SELECT * INTO ag FROM rj.scalar_agg(items, sc);
            outs := outs || format('%s AS xs', ag.e);
            names := names || 'xs'::text;
            tags := tags || 'scalar_in_agg'::text || ag.tag;
        END IF;
        sel := array_to_string(outs, ', ');
        IF rj.chance(0.06) THEN
            tail := ' HAVING ' || rj.having(items);   -- zero or one row
            tags := tags || 'having'::text;
        END IF;
    END IF;
END $$;

CREATE FUNCTION rj.names_list(names text[]) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT string_agg(quote_ident(n), ', ' ORDER BY o) FROM unnest(names) WITH ORDINALITY AS u(n, o)
$$;

-- the output of an outer-join view per row of a preserved item: the count of
-- its partners on a nullable item (zero included) and aggregates over them
CREATE FUNCTION rj.gen_outer_count(items jsonb, nullable bool[], OUT sel text, OUT tail text,
                                   OUT names text[], OUT tags text[])
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    m int := jsonb_array_length(items);
    p int;
    nn int;
    pit jsonb;
    nit jsonb;
    outs text[] := '{}';
    keys text[] := '{}';
    k text;
    cc text;
    ag record;
    i int;
BEGIN
    names := '{}';
    tags := ARRAY['groupby', 'outer_join_agg', 'outer_count_per_row'];
    tail := '';
    SELECT min(g) INTO p FROM generate_series(1, m) g WHERE NOT nullable[g];
    p := coalesce(p, 1);
    pit := items->(p-1);
    SELECT g INTO nn FROM generate_series(1, m) g WHERE nullable[g] AND g <> p ORDER BY random() LIMIT 1;
    nn := coalesce(nn, CASE WHEN p = 1 THEN 2 ELSE 1 END);
    nit := items->(nn-1);
    k := CASE WHEN rj.has(pit, 'id') AND rj.chance(0.75) THEN (pit->>'alias') || '.id'
              ELSE rj.ref(jsonb_build_array(pit), 'int') END;
    keys := keys || k;
    outs := outs || (k || ' AS k1');
    names := names || 'k1'::text;
    IF rj.chance(0.25) AND rj.ref(jsonb_build_array(pit), 'txt') IS NOT NULL THEN
        k := rj.ref(jsonb_build_array(pit), 'txt');
        keys := keys || k;
        outs := outs || (k || ' AS k2');
        names := names || 'k2'::text;
    END IF;
    cc := (nit->>'alias') || '.' || CASE WHEN rj.has(nit, 'id') THEN 'id' ELSE rj.pick(rj.cols_cls(nit, 'int')) END;
    outs := outs || format('count(%s) AS x1', cc);
    names := names || 'x1'::text;
    FOR i IN 2..rj.ri(1, 3) LOOP
        IF rj.chance(0.3) AND rj.has(nit, 'v') THEN
            outs := outs || format('coalesce(sum(%s.v), 0) AS x%s', nit->>'alias', i);
            tags := tags || 'agg_expr_over_agg'::text;
        ELSE
            SELECT * INTO ag FROM rj.agg(jsonb_build_array(nit));
            outs := outs || format('%s AS x%s', ag.e, i);
            tags := tags || ('agg_' || ag.tag);
        END IF;
        names := names || ('x' || i);
    END LOOP;
    sel := array_to_string(outs, ', ');
    tail := ' GROUP BY ' || array_to_string(keys, ', ');
    IF rj.chance(0.2) THEN
        tail := tail || ' HAVING ' || rj.pick(ARRAY[format('count(%s) = 0', cc), format('count(%s) > 0', cc),
                                                    format('count(%s) < 2', cc), 'count(*) > 1']);
        tags := tags || 'having'::text;
    END IF;
END $$;

-- a LATERAL subquery correlated by equalities (feature lateral), for a FROM
-- list whose items before it are outer_items: over one source t (a base
-- table, or a view in 20%), reading the outer items only in equalities
-- AND-ed in its WHERE (inner expression of t = outer expression, of one type
-- family: int = int, int = bigint, text = text; none in 5%), sometimes with a
-- filter on t, and
--   ORDER BY <key>, <text of t's read columns> COLLATE "C" LIMIT n [OFFSET m]
--       (also OFFSET .. LIMIT, FETCH FIRST n ROWS ONLY; the first rows of each
--       group: one answer, the tie is total on what the select list shows)
--   ORDER BY <key> FETCH FIRST n ROWS WITH TIES (ties kept: one answer)
--   ORDER BY .. LIMIT 0
--   nothing (a plain correlated subquery)
-- Its select list names columns from t's vocabulary (columns of t and
-- expressions over them), so the caller reads it as any FROM item.
-- p_left: for LEFT JOIN LATERAL (under --disable lateral_left_and at most
-- one equality).  Under --disable lateral_sort_name the select list has no
-- expressions (an expression named like a column the ORDER BY reads is the
-- known 22023 "column name __stepping_sort_1 is reserved").
-- Returns {"sql": "(SELECT ..)", "cols", "tags", "mask", "depth", "neq"}.
CREATE FUNCTION rj.gen_lateral(outer_items jsonb, srcs jsonb, p_left bool DEFAULT false) RETURNS jsonb
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    src jsonb := rj.pick_src(srcs, 0.2, rj.multipath_off());
    tit jsonb;
    scols text[];
    outs text[] := '{}';
    cols jsonb := '{}';
    readc text[] := '{}';
    conds text[] := '{}';
    tags text[] := ARRAY['lateral'];
    base_outer jsonb;
    c text;
    cls text;
    ie text;
    oe text;
    oref text;
    n int;
    i int;
    neq int;
    off int := 0;
    x float8;
    mode text;
    key text;
    keycol text;
    ob text := '';
    lim text := '';
BEGIN
    tit := jsonb_build_object('alias', 't', 'cols', src->'cols', 'tab', src->'tab');
    scols := ARRAY(SELECT jsonb_object_keys(src->'cols') ORDER BY 1);
    IF (src->>'depth')::int > 0 THEN
        tags := tags || 'lateral_over_view'::text;
    END IF;
    -- the select list: columns of t (named as in t) and expressions over them
    IF rj.chance(0.1) THEN
        outs := ARRAY['t.*'];
        cols := src->'cols';
        readc := scols;
        tags := tags || 'lateral_star'::text;
    ELSE
        n := rj.ri(1, 4);
        FOR i IN 1..n LOOP
            c := rj.pick(scols);
            CONTINUE WHEN cols ? c;
            cls := src->'cols'->>c;
            IF rj.chance(0.3) AND cls IN ('int', 'txt', 'num', 'bool') AND NOT rj.disabled('lateral_sort_name') THEN
                outs := outs || format('%s AS %s', CASE cls WHEN 'int' THEN format('coalesce(t.%s, 0) + 1', c)
                                                            WHEN 'txt' THEN format('upper(t.%s)', c)
                                                            WHEN 'num' THEN format('t.%s * 2', c)
                                                            ELSE format('NOT t.%s', c) END, c);
                tags := tags || 'lateral_expr'::text;
            ELSE
                outs := outs || ('t.' || c);
            END IF;
            cols := cols || jsonb_build_object(c, cls);
            readc := readc || c;
        END LOOP;
        IF rj.cols_cls(jsonb_build_object('cols', cols), 'int') = '{}' THEN
            c := rj.pick(rj.cols_cls(tit, 'int'));
            outs := outs || ('t.' || c);
            cols := cols || jsonb_build_object(c, 'int');
            readc := readc || c;
        END IF;
    END IF;
    -- the correlation: equalities  inner = outer  (text only between base
    -- tables' columns: one collation on both sides)
    SELECT coalesce(jsonb_agg(e ORDER BY o), '[]') INTO base_outer
      FROM jsonb_array_elements(outer_items) WITH ORDINALITY AS u(e, o) WHERE coalesce((e->>'tab')::int, 0) > 0;
    x := random();
    neq := CASE WHEN x < 0.05 THEN 0 WHEN x < 0.75 THEN 1 ELSE 2 END;
    IF p_left AND rj.disabled('lateral_left_and') THEN
        neq := least(neq, 1);
    END IF;
    tags := tags || ('lateral_eq' || neq);
    FOR i IN 1..neq LOOP
        IF rj.chance(0.2) AND coalesce((src->>'tab')::int, 0) > 0 AND rj.cols_cls(tit, 'txt') <> '{}'
           AND cardinality(rj.refs(base_outer, 'txt')) > 0 THEN
            cls := 'txt';
            oref := rj.ref(base_outer, 'txt');
        ELSE
            cls := 'int';
            oref := rj.ref(outer_items, 'int');
        END IF;
        c := rj.pick(rj.cols_cls(tit, cls));
        x := random();
        IF cls = 'int' THEN
            ie := CASE WHEN x < 0.6 THEN 't.' || c WHEN x < 0.7 THEN format('t.%s + 1', c)
                       WHEN x < 0.8 THEN format('coalesce(t.%s, 0)', c) WHEN x < 0.9 THEN format('t.%s::bigint', c)
                       ELSE format('abs(t.%s)', c) END;
            x := random();
            oe := CASE WHEN x < 0.7 THEN oref WHEN x < 0.8 THEN oref || '::bigint'
                       WHEN x < 0.9 THEN format('%s + 1', oref) ELSE format('coalesce(%s, 0)', oref) END;
            IF (ie || oe) LIKE '%::bigint%' THEN
                tags := tags || 'lateral_int_bigint'::text;
            END IF;
        ELSE
            ie := CASE WHEN x < 0.7 THEN 't.' || c ELSE format('lower(t.%s)', c) END;
            oe := CASE WHEN rj.chance(0.8) THEN oref ELSE format('lower(%s)', oref) END;
            tags := tags || 'lateral_text_eq'::text;
        END IF;
        conds := conds || CASE WHEN rj.chance(0.8) THEN format('%s = %s', ie, oe) ELSE format('%s = %s', oe, ie) END;
    END LOOP;
    IF rj.chance(0.4) THEN
        conds := conds || rj.vpred(jsonb_build_array(tit), 1);
        tags := tags || 'lateral_filter'::text;
    END IF;
    IF cardinality(conds) > 1 AND rj.chance(0.3) THEN
        conds := ARRAY(SELECT p FROM unnest(conds) WITH ORDINALITY AS u(p, o) ORDER BY o DESC);
    END IF;
    -- ORDER BY .. LIMIT
    x := random();
    mode := CASE WHEN x < 0.15 THEN 'plain' WHEN x < 0.3 THEN 'ties' WHEN x < 0.36 THEN 'limit0' ELSE 'limit' END;
    tags := tags || ('lateral_' || mode);
    IF mode <> 'plain' THEN
        keycol := rj.pick(scols);
        x := random();
        key := CASE WHEN x < 0.65 THEN 't.' || keycol
                    WHEN x < 0.85 OR (src->'cols'->>keycol) <> 'int' THEN format('length((t.%s)::text)', keycol)
                    ELSE format('t.%s %% 3', keycol) END
               || rj.pick(ARRAY['', '', ' DESC', ' DESC NULLS LAST', ' NULLS FIRST', ' ASC']);
        n := rj.ri(1, 3);
        IF mode = 'ties' THEN
            -- the key alone: rows tied on it are all in or all out
            ob := ' ORDER BY ' || key;
            lim := CASE WHEN n = 1 AND rj.chance(0.3) THEN ' FETCH FIRST ROW WITH TIES'
                        ELSE format(' FETCH %s %s ROWS WITH TIES', rj.pick(ARRAY['FIRST', 'NEXT']), n) END;
        ELSE
            -- the key, then the text of every column the select list reads (and the
            -- key's), or of all of t's columns: rows tied on all of it show the same
            readc := readc || keycol;
            IF rj.chance(0.3) THEN
                readc := scols;
            END IF;
            ob := ' ORDER BY ' || key || ', '
                  || (SELECT string_agg(format('(t.%s)::text COLLATE "C"', u), ', ' ORDER BY u)
                        FROM (SELECT DISTINCT u FROM unnest(readc) u) d);
            IF mode = 'limit0' THEN
                n := 0;
            ELSIF rj.chance(0.3) THEN
                off := rj.ri(1, 2);
                tags := tags || 'lateral_offset'::text;
            END IF;
            x := random();
            lim := CASE WHEN x < 0.6 THEN format(' LIMIT %s', n) || CASE WHEN off > 0 THEN format(' OFFSET %s', off) ELSE '' END
                        WHEN x < 0.75 AND off > 0 THEN format(' OFFSET %s LIMIT %s', off, n)
                        ELSE CASE WHEN off > 0 THEN format(' OFFSET %s ROWS', off) ELSE '' END
                             || format(' FETCH FIRST %s ROWS ONLY', n) END;
        END IF;
    END IF;
    RETURN jsonb_build_object(
        'sql', format('(SELECT %s FROM %s t%s%s%s)', array_to_string(outs, ', '), src->>'sql',
                      CASE WHEN cardinality(conds) > 0 THEN ' WHERE ' || array_to_string(conds, ' AND ') ELSE '' END,
                      ob, lim),
        'cols', cols, 'tags', to_jsonb(tags), 'mask', (src->>'mask')::int, 'depth', (src->>'depth')::int,
        'neq', neq);
END $$;

-- a join view of 2-4 FROM items (1-4 when it has a subquery in WHERE).  Some
-- views join with LEFT / RIGHT / FULL JOIN (chains of outer joins, a
-- parenthesized outer join under an inner join, one-sided ON conditions,
-- WHERE on the nullable side, counts per preserved row) and some have
-- [NOT] EXISTS / [NOT] IN (SELECT ...) conjuncts in WHERE.
CREATE FUNCTION rj.gen_join(srcs jsonb) RETURNS jsonb
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    m int;
    x float8;
    i int;
    j int;
    p int;
    items jsonb := '[]';
    it jsonb;
    src jsonb;
    d jsonb;
    used_tabs int[] := '{}';
    ctes text[] := '{}';
    cte_items jsonb := '[]';
    tags text[] := '{}';
    conds text[] := '{}';
    wheres text[] := '{}';
    cond jsonb;
    style text;
    from_sql text;
    lcount jsonb;
    nloose int := 0;
    mask int := 0;
    depth int := 0;
    outp record;
    q text;
    k text;
    item_sql text;
    using_col text;
    use_outer bool;
    use_sub bool;
    jtypes text[];
    nullable bool[];
    forced int;
    paren_at int := 0;
    last_outer int := 0;
    nouter int := 0;
    jt text;
    oc jsonb;
    np record;
    sl jsonb;
    ct text[];
    ncomp int := 1;    -- components of the view in stepping (see rj.gen_sublink)
    use_scalar bool;
    use_srf bool;
    sc jsonb;
    sc_sel jsonb;
    srf jsonb;
    use_win bool;
    wfilter text;
    use_lat bool;
    lat jsonb;
    lat_it jsonb;
    lat_left bool := false;
BEGIN
    use_outer := NOT rj.disabled('outer') AND rj.chance(0.3);
    use_sub := NOT rj.disabled('sublink') AND rj.chance(0.17);
    use_scalar := NOT rj.disabled('scalar') AND rj.chance(0.15);
    use_srf := NOT rj.disabled('srf') AND rj.chance(0.07);
    use_win := NOT rj.disabled('window') AND rj.chance(0.14);   -- window functions in the select list
    -- a LATERAL subquery after the FROM items (its rewrite reads an internal
    -- view: not with --disable multipath)
    use_lat := NOT rj.disabled('lateral') AND NOT rj.multipath_off() AND rj.chance(0.1);
    IF use_lat AND rj.disabled('lateral_sublink') THEN
        -- (the known 0A000 "subquery in this position" of a subquery in WHERE next to a LATERAL)
        use_sub := false;
        use_scalar := false;
    END IF;
    x := random();
    IF (use_sub OR use_scalar OR use_srf) AND NOT use_outer AND x < 0.3 THEN
        m := 1;            -- one FROM item and a subquery in WHERE / a scalar subquery / a function in FROM
    ELSE
        m := CASE WHEN x < 0.45 THEN 2 WHEN x < 0.8 THEN 3 ELSE 4 END;
    END IF;
    FOR i IN 1..m LOOP
        x := random();
        IF i > 1 AND cardinality(used_tabs) > 0 AND x < 0.2 AND NOT rj.disabled('selfjoin') THEN
            -- a self-join: a base table already in the FROM list again
            p := used_tabs[rj.ri(1, cardinality(used_tabs))];
            src := jsonb_build_object('sql', rj.tname(p), 'cols', rj.base_cols(), 'tab', p,
                                      'mask', rj.bit(p), 'depth', 0, 'bo', true);
            tags := tags || 'selfjoin'::text;
            item_sql := src->>'sql';
        ELSIF x < 0.33 AND NOT rj.disabled('subquery') AND NOT rj.disabled('alias_cols') AND rj.chance(0.25) THEN
            -- a subquery whose columns an alias list names: FROM (SELECT * FROM (SELECT ..) z(k, t))
            d := rj.gen_aliased(srcs, rj.multipath_off());
            src := jsonb_build_object('sql', format('(SELECT * FROM (%s) z(%s))', d->>'sql', d->>'alias'),
                                      'cols', d->'cols', 'tab', 0, 'mask', d->'mask', 'depth', d->'depth');
            tags := tags || 'subquery'::text || 'alias_cols'::text || ARRAY(SELECT jsonb_array_elements_text(d->'tags'));
            item_sql := src->>'sql';
        ELSIF x < 0.33 AND NOT rj.disabled('subquery') THEN
            d := rj.gen_derived(srcs, rj.multipath_off());
            src := jsonb_build_object('sql', '(' || (d->>'sql') || ')', 'cols', d->'cols', 'tab', 0,
                                      'mask', d->'mask', 'depth', d->'depth');
            tags := tags || 'subquery'::text || ARRAY(SELECT 'sub' || substr(jsonb_array_elements_text(d->'tags'), 2))
                         || ARRAY(SELECT jsonb_array_elements_text(d->'ctags'));
            item_sql := src->>'sql';
        ELSIF x < 0.43 AND NOT rj.disabled('cte') THEN
            IF jsonb_array_length(cte_items) > 0 AND rj.chance(0.5) THEN
                -- the same WITH query a second time
                src := rj.pickj(cte_items);
                tags := tags || 'cte_twice'::text;
            ELSIF NOT rj.disabled('alias_cols') AND rj.chance(0.25) THEN
                -- a WITH query whose columns its column list names: WITH w1(k, t) AS (SELECT ..)
                d := rj.gen_aliased(srcs, rj.multipath_off());
                k := 'w' || (jsonb_array_length(cte_items) + 1);
                ctes := ctes || format('%s(%s) AS (%s)', k, d->>'alias', d->>'sql');
                src := jsonb_build_object('sql', k, 'cols', d->'cols', 'tab', 0, 'mask', d->'mask', 'depth', d->'depth');
                cte_items := cte_items || src;
                tags := tags || 'cte'::text || 'cte_cols'::text || ARRAY(SELECT jsonb_array_elements_text(d->'tags'));
            ELSE
                d := rj.gen_derived(srcs, rj.multipath_off());
                k := 'w' || (jsonb_array_length(cte_items) + 1);
                ctes := ctes || format('%s AS (%s)', k, d->>'sql');
                src := jsonb_build_object('sql', k, 'cols', d->'cols', 'tab', 0, 'mask', d->'mask', 'depth', d->'depth');
                cte_items := cte_items || src;
                tags := tags || 'cte'::text || ARRAY(SELECT 'cte' || substr(jsonb_array_elements_text(d->'tags'), 2))
                             || ARRAY(SELECT jsonb_array_elements_text(d->'ctags'));
            END IF;
            item_sql := src->>'sql';
        ELSE
            src := rj.pick_src(srcs, 0.4, rj.multipath_off());
            -- often the FK parent or child of a table already in the FROM list
            IF rj.chance(0.6) THEN
                FOREACH p IN ARRAY used_tabs LOOP
                    FOR j IN 1..rj.ntab() LOOP
                        IF (rj.parent(j) = p OR rj.parent(p) = j) AND NOT (j = ANY (used_tabs)) THEN
                            src := jsonb_build_object('sql', rj.tname(j), 'cols', rj.base_cols(), 'tab', j,
                                                      'mask', rj.bit(j), 'depth', 0, 'bo', true);
                        END IF;
                    END LOOP;
                END LOOP;
            END IF;
            item_sql := src->>'sql';
            IF (src->>'tab')::int > 0 THEN
                IF (src->>'tab')::int = ANY (used_tabs) THEN
                    tags := tags || 'selfjoin'::text;
                END IF;
                used_tabs := used_tabs || (src->>'tab')::int;
            ELSE
                tags := tags || 'over_view'::text;
                -- a view over a view with outer joins / subqueries in WHERE
                ct := ARRAY(SELECT jsonb_array_elements_text(coalesce(src->'ctags', '[]')));
                IF ct && ARRAY['left_join', 'right_join', 'full_join'] THEN
                    tags := tags || 'over_outer_view'::text;
                END IF;
                IF ct && ARRAY['exists', 'not_exists', 'in_subquery', 'not_in_subquery'] THEN
                    tags := tags || 'over_sublink_view'::text;
                END IF;
                IF 'window' = ANY (ct) THEN
                    tags := tags || 'over_window_view'::text;
                END IF;
                IF 'lateral' = ANY (ct) THEN
                    tags := tags || 'over_lateral_view'::text;
                END IF;
            END IF;
        END IF;
        IF (src->>'tab')::int > 0 AND NOT ((src->>'tab')::int = ANY (used_tabs)) THEN
            used_tabs := used_tabs || (src->>'tab')::int;
        END IF;
        it := jsonb_build_object('alias', 'a' || i, 'cols', src->'cols', 'tab', src->'tab', 'sql', item_sql);
        items := items || it;
        mask := mask | (src->>'mask')::int;
        depth := greatest(depth, (src->>'depth')::int);
    END LOOP;

    -- join types: jtypes[i] joins item i to the items before it (INNER,
    -- LEFT, RIGHT, FULL).  RIGHT and FULL only join the first two items (the
    -- nullable side must be a single FROM item); paren_at = p: items p and
    -- p+1 are "JOIN (ap <jtypes[p+1]> JOIN ap+1 ON ..) ON .."
    jtypes := array_fill('INNER'::text, ARRAY[m]);
    nullable := array_fill(false, ARRAY[m]);
    IF use_outer THEN
        forced := rj.ri(2, m);
        FOR i IN 2..m LOOP
            x := random();
            IF i = 2 THEN
                jtypes[i] := CASE WHEN x < 0.45 THEN 'LEFT' WHEN x < 0.65 THEN 'RIGHT' WHEN x < 0.8 THEN 'FULL' ELSE 'INNER' END;
            ELSE
                jtypes[i] := CASE WHEN x < 0.55 THEN 'LEFT' ELSE 'INNER' END;
            END IF;
            IF i = forced AND jtypes[i] = 'INNER' THEN
                jtypes[i] := 'LEFT';
            END IF;
        END LOOP;
        IF m >= 3 AND rj.chance(0.25) THEN
            paren_at := rj.ri(2, m - 1);
            jtypes[paren_at] := 'INNER';
            jtypes[paren_at + 1] := rj.pick(ARRAY['LEFT', 'LEFT', 'RIGHT', 'FULL']);
            tags := tags || 'outer_paren'::text || 'nested_outer_join'::text;
        END IF;
        SELECT coalesce(max(g), 0) INTO last_outer FROM generate_series(2, m) g WHERE jtypes[g] <> 'INNER';
    END IF;

    -- join graph: a spanning tree (item i joins an earlier item), conditions
    x := random();
    style := CASE WHEN x < 0.4 THEN 'on' WHEN x < 0.7 THEN 'comma' ELSE 'mixed' END;
    tags := tags || ('syntax_' || style);
    lcount := (SELECT jsonb_object_agg(key, 1) FROM jsonb_object_keys(items->0->'cols') AS key);
    from_sql := format('%s a1', items->0->>'sql');
    FOR i IN 2..m LOOP
        CONTINUE WHEN paren_at > 0 AND i = paren_at + 1;   -- joined inside the parentheses
        -- prefer an FK partner
        j := NULL;
        FOR p IN 1..i - 1 LOOP
            IF (items->(p-1)->>'tab')::int > 0 AND (items->(i-1)->>'tab')::int > 0
               AND (rj.parent((items->(i-1)->>'tab')::int) = (items->(p-1)->>'tab')::int
                    OR rj.parent((items->(p-1)->>'tab')::int) = (items->(i-1)->>'tab')::int)
               AND rj.chance(0.7) THEN
                j := p;
            END IF;
        END LOOP;
        j := coalesce(j, rj.ri(1, i - 1));
        using_col := NULL;
        IF i = paren_at THEN
            -- JOIN (ai <outer> JOIN ai+1 ON ..) ON <inner condition>
            jt := jtypes[i + 1];
            oc := rj.outer_cond(jsonb_build_array(items->(i-1)), items->(i-1), items->i, jt = 'FULL');
            tags := tags || (lower(jt) || '_join') || ARRAY(SELECT jsonb_array_elements_text(oc->'tags'));
            nouter := nouter + 1;
            ncomp := ncomp * CASE WHEN jt = 'FULL' THEN 5 ELSE 3 END;
            IF jt IN ('LEFT', 'FULL') THEN nullable[i + 1] := true; END IF;
            IF jt IN ('RIGHT', 'FULL') THEN nullable[i] := true; END IF;
            cond := rj.join_cond(items->(j-1), items->(i - 1 + rj.ri(0, 1)), false);
            tags := tags || ('cond_' || (cond->>'kind'));
            from_sql := from_sql || format(' JOIN (%s a%s %s JOIN %s a%s ON %s) ON %s', items->(i-1)->>'sql', i, jt,
                                           items->i->>'sql', i + 1, oc->>'cond', cond->>'cond');
            FOR k IN SELECT jsonb_object_keys(items->(i-1)->'cols') UNION ALL SELECT jsonb_object_keys(items->i->'cols') LOOP
                lcount := lcount || jsonb_build_object(k, coalesce((lcount->>k)::int, 0) + 1);
            END LOOP;
            CONTINUE;
        ELSIF jtypes[i] <> 'INNER' THEN
            jt := jtypes[i];
            oc := rj.outer_cond(jsonb_path_query_array(items, ('$[0 to ' || (i - 2) || ']')::jsonpath),
                                items->(j-1), items->(i-1), jt = 'FULL');
            tags := tags || (lower(jt) || '_join') || ARRAY(SELECT jsonb_array_elements_text(oc->'tags'));
            nouter := nouter + 1;
            ncomp := CASE WHEN jt = 'FULL' THEN 5 * ncomp ELSE 3 * ncomp END;   -- (FULL: 3 + 2, of single items)
            IF jt IN ('LEFT', 'FULL') THEN nullable[i] := true; END IF;
            IF jt IN ('RIGHT', 'FULL') THEN nullable[1] := true; END IF;
            IF (items->(i-1)->>'tab')::int = 0 THEN
                tags := tags || 'outer_nullable_derived'::text;
            END IF;
            IF style <> 'on' AND oc->>'using' IS NOT NULL AND coalesce((lcount->>(oc->>'using'))::int, 0) = 1
               AND rj.chance(0.5) AND NOT rj.disabled('using') THEN
                from_sql := from_sql || format(' %s JOIN %s a%s USING (%s)', jt, items->(i-1)->>'sql', i, oc->>'using');
                using_col := oc->>'using';
                tags := tags || 'using'::text || 'outer_using'::text;
            ELSE
                from_sql := from_sql || format(' %s %sJOIN %s a%s ON %s', jt, CASE WHEN rj.chance(0.3) THEN 'OUTER ' ELSE '' END,
                                               items->(i-1)->>'sql', i, oc->>'cond');
            END IF;
        ELSE
            cond := rj.join_cond(items->(j-1), items->(i-1), nloose = 0 AND m <= 3);
            IF (cond->>'loose')::bool THEN
                nloose := nloose + 1;
            END IF;
            tags := tags || ('cond_' || (cond->>'kind'));
            IF cond->>'kind' = 'fk' THEN
                tags := tags || 'fk_pair'::text;
            END IF;
            -- (a comma ends the scope of the ON conditions before it: only after the last outer join)
            IF style = 'comma' AND i > last_outer THEN
                from_sql := from_sql || format(', %s a%s', items->(i-1)->>'sql', i);
                wheres := wheres || (cond->>'cond');
            ELSIF style = 'mixed' AND cond ? 'using' AND coalesce((lcount->>(cond->>'using'))::int, 0) = 1
                  AND rj.chance(0.7) AND NOT rj.disabled('using') THEN
                from_sql := from_sql || format(' JOIN %s a%s USING (%s)', items->(i-1)->>'sql', i, cond->>'using');
                using_col := cond->>'using';
                tags := tags || 'using'::text;
            ELSIF style <> 'on' AND rj.chance(0.2) THEN
                from_sql := from_sql || format(' CROSS JOIN %s a%s', items->(i-1)->>'sql', i);
                wheres := wheres || (cond->>'cond');
            ELSE
                from_sql := from_sql || format(' %sJOIN %s a%s ON %s', CASE WHEN rj.chance(0.3) THEN 'INNER ' ELSE '' END,
                                               items->(i-1)->>'sql', i, cond->>'cond');
            END IF;
        END IF;
        -- column-name counts of the left side (USING needs exactly one)
        FOR k IN SELECT jsonb_object_keys(items->(i-1)->'cols') LOOP
            IF k IS DISTINCT FROM using_col THEN
                lcount := lcount || jsonb_build_object(k, coalesce((lcount->>k)::int, 0) + 1);
            END IF;
        END LOOP;
    END LOOP;
    IF use_lat THEN
        -- FROM .., LATERAL (SELECT .. FROM t WHERE t.k = a1.k .. ORDER BY .. LIMIT n) s
        -- (comma, CROSS JOIN LATERAL, JOIN LATERAL .. ON, LEFT JOIN LATERAL .. ON)
        -- the items an ON may read: after commas, the last item only (so a LEFT
        -- JOIN LATERAL correlates with those only: its equalities go to its ON)
        sl := CASE WHEN style = 'comma' AND m > last_outer AND m > 1 THEN jsonb_build_array(items->(m-1)) ELSE items END;
        x := random();
        IF x >= 0.7 AND ncomp * 3 > 64 THEN
            x := 0.3;   -- (too many components for one more outer join)
        END IF;
        lat := rj.gen_lateral(CASE WHEN x >= 0.7 THEN sl ELSE items END, srcs, x >= 0.7);
        lat_it := jsonb_build_object('alias', 's', 'cols', lat->'cols', 'tab', 0);
        IF x < 0.25 THEN
            from_sql := from_sql || ', LATERAL ' || (lat->>'sql') || ' s';
            tags := tags || 'lateral_comma'::text;
        ELSIF x < 0.45 THEN
            from_sql := from_sql || ' CROSS JOIN LATERAL ' || (lat->>'sql') || ' s';
            tags := tags || 'lateral_cross_join'::text;
        ELSIF x < 0.7 THEN
            x := random();
            from_sql := from_sql || ' JOIN LATERAL ' || (lat->>'sql') || ' s ON '
                        || CASE WHEN x < 0.5 THEN 'true'
                                WHEN x < 0.85 THEN rj.join_cond(rj.pickj(sl), lat_it, false)->>'cond'
                                ELSE rj.vpred(jsonb_build_array(lat_it), 0) END;
            tags := tags || CASE WHEN x < 0.5 THEN 'lateral_join_on_true' ELSE 'lateral_join_on' END;
        ELSE
            -- (--disable lateral_left_and: ON true, at most one equality)
            IF random() < 0.6 OR rj.disabled('lateral_left_and') THEN
                from_sql := from_sql || ' LEFT JOIN LATERAL ' || (lat->>'sql') || ' s ON true';
            ELSE
                oc := rj.outer_cond(sl, rj.pickj(sl), lat_it, false);
                from_sql := from_sql || ' LEFT JOIN LATERAL ' || (lat->>'sql') || ' s ON ' || (oc->>'cond');
                tags := tags || ARRAY(SELECT jsonb_array_elements_text(oc->'tags'));
            END IF;
            tags := tags || 'lateral_left_join'::text;
            ncomp := ncomp * 3;
            lat_left := true;
            nouter := nouter + 1;
        END IF;
        items := items || lat_it;
        nullable := nullable || lat_left;
        mask := mask | (lat->>'mask')::int;
        depth := greatest(depth, (lat->>'depth')::int);
        tags := tags || ARRAY(SELECT jsonb_array_elements_text(lat->'tags'));
    END IF;
    IF nouter >= 2 THEN
        tags := tags || 'nested_outer_join'::text;
    END IF;
    IF use_srf THEN
        -- a set-returning function reading an earlier item's columns (one
        -- that an outer join does not make nullable: see --disable srf_nullable)
        SELECT g INTO p FROM generate_series(1, m) g
         WHERE NOT nullable[g] OR (rj.chance(0.15) AND NOT rj.disabled('srf_nullable'))
         ORDER BY random() LIMIT 1;
        srf := CASE WHEN p IS NOT NULL THEN rj.gen_srf(items->(p-1)) END;
        IF srf IS NOT NULL THEN
            x := random();
            from_sql := from_sql || CASE WHEN x < 0.5 THEN ', ' WHEN x < 0.8 THEN ' CROSS JOIN LATERAL '
                                         WHEN x < 0.9 THEN ' CROSS JOIN ' ELSE ' JOIN LATERAL ' END
                                 || (srf->>'sql') || CASE WHEN x >= 0.9 THEN ' ON true' ELSE '' END;
            items := items || jsonb_build_object('alias', 'g', 'cols', srf->'cols', 'tab', 0);
            tags := tags || 'srf_from'::text || (srf->>'tag');
            IF nullable[p] THEN
                tags := tags || 'srf_over_nullable'::text;
            END IF;
            IF (items->(p-1)->>'tab')::int = 0 THEN
                tags := tags || 'srf_over_derived'::text;
            END IF;
        END IF;
    END IF;
    IF m >= 3 AND rj.chance(0.12) THEN
        -- a cycle: one more condition between two items
        i := rj.ri(2, m);
        j := rj.ri(1, i - 1);
        cond := rj.join_cond(items->(j-1), items->(i-1), false);
        wheres := wheres || (cond->>'cond');
        tags := tags || 'cycle'::text;
    END IF;
    IF rj.chance(0.6) THEN
        wheres := wheres || rj.vpred(items, 1);
        tags := tags || 'filter'::text;
    END IF;
    IF use_outer AND rj.chance(0.4) THEN
        -- WHERE on a nullable item (unmatched rows only, coalesce, strict predicates)
        SELECT g INTO p FROM generate_series(1, m) g WHERE nullable[g] ORDER BY random() LIMIT 1;
        IF p IS NOT NULL THEN
            SELECT * INTO np FROM rj.nullable_pred(items->(p-1));
            wheres := wheres || np.p;
            tags := tags || np.tag || 'outer_where_nullable'::text;
        END IF;
    END IF;
    IF use_sub THEN
        -- [NOT] EXISTS / [NOT] IN conjuncts
        FOR i IN 1..CASE WHEN rj.chance(0.2) THEN 2 ELSE 1 END LOOP
            sl := rj.gen_sublink(items, srcs, i, rj.multipath_off(), false, 64 / ncomp);
            ncomp := ncomp * (sl->>'factor')::int;
            wheres := wheres || (sl->>'sql');
            tags := tags || ARRAY(SELECT jsonb_array_elements_text(sl->'tags'));
            mask := mask | (sl->>'mask')::int;
            depth := greatest(depth, (sl->>'depth')::int);
        END LOOP;
        IF use_outer THEN
            tags := tags || 'sublink_with_outer_join'::text;
        END IF;
        IF m > 1 THEN
            tags := tags || 'sublink_with_join'::text;
        END IF;
    END IF;
    IF use_scalar THEN
        -- scalar subqueries: in WHERE, in the select list (an output of a bag
        -- or DISTINCT view, a GROUP BY expression, an aggregate's argument)
        FOR i IN 1..CASE WHEN rj.chance(0.25) THEN 2 ELSE 1 END LOOP
            x := random();
            sc := rj.gen_scalar(items, srcs, i, CASE WHEN x < 0.4 AND rj.chance(0.3) THEN 'numw' END,
                                rj.multipath_off(), 64 / ncomp);
            ncomp := ncomp * (sc->>'factor')::int;
            tags := tags || ARRAY(SELECT jsonb_array_elements_text(sc->'tags'));
            mask := mask | (sc->>'mask')::int;
            depth := greatest(depth, (sc->>'depth')::int);
            IF x < 0.4 OR sc_sel IS NOT NULL OR (sc->>'sql') LIKE '(SELECT avg(%' THEN
                wheres := wheres || rj.scalar_where(items, sc);
                tags := tags || 'scalar_where'::text
                             || CASE WHEN sc->>'kind' = 'agg' THEN 'scalar_agg_where' ELSE 'scalar_where' END;
            ELSE
                sc_sel := sc;
                tags := tags || CASE WHEN sc->>'kind' = 'agg' THEN 'scalar_agg_select' ELSE 'scalar_select' END;
            END IF;
        END LOOP;
        IF use_outer THEN
            tags := tags || 'scalar_with_outer_join'::text;
        END IF;
        IF m > 1 THEN
            tags := tags || 'scalar_with_join'::text;
        END IF;
    END IF;
    IF use_win THEN
        SELECT * INTO outp FROM rj.gen_win_output(items, sc_sel);
        wfilter := outp.wfilter;
    ELSIF (use_outer OR lat_left) AND rj.chance(0.3) THEN
        SELECT * INTO outp FROM rj.gen_outer_count(items, nullable);
        IF sc_sel IS NOT NULL THEN
            wheres := wheres || rj.scalar_where(items, sc_sel);
            tags := tags || 'scalar_where'::text;
        END IF;
    ELSE
        SELECT * INTO outp FROM rj.gen_output(items, sc_sel);
    END IF;
    tags := tags || outp.tags || ('join' || m);
    IF srf->'cols' ? 'e' AND ARRAY['bag', 'distinct'] && outp.tags THEN
        -- the jsonb elements themselves
        outp.sel := outp.sel || ', g.e AS xe';
        outp.names := outp.names || 'xe'::text;
    END IF;
    IF 'agg_json_agg' = ANY (outp.tags) THEN
        tags := tags || 'json_agg'::text;
    END IF;
    IF outp.sel ~ '(to_jsonb|jsonb_build_object|jsonb_build_array)\(' THEN
        tags := tags || 'json_build'::text;
    END IF;
    IF ARRAY['left_join', 'right_join', 'full_join'] && tags AND ARRAY['groupby', 'global'] && outp.tags THEN
        tags := tags || 'outer_join_agg'::text;
    END IF;
    IF depth > 0 THEN
        tags := tags || ('chain' || (depth + 1));
    END IF;
    IF ncomp > 1 THEN
        tags := tags || CASE WHEN ncomp <= 9 THEN 'components_2_9' WHEN ncomp <= 27 THEN 'components_10_27'
                             ELSE 'components_28_64' END;
    END IF;
    q := format('SELECT %s FROM %s%s%s', outp.sel, from_sql,
                CASE WHEN cardinality(wheres) > 0 THEN ' WHERE ' || array_to_string(wheres, ' AND ') ELSE '' END,
                outp.tail);
    IF wfilter IS NOT NULL THEN
        -- an outer query filtering on a rank (r_)
        q := format('SELECT * FROM (%s) s WHERE %s', q, wfilter);
    END IF;
    q := CASE WHEN cardinality(ctes) > 0 THEN 'WITH ' || array_to_string(ctes, ', ') || ' ' ELSE '' END || q;
    RETURN jsonb_build_object('q', q, 'cols', rj.names_list(outp.names), 'mask', mask, 'depth', depth + 1,
                              'names', to_jsonb(outp.names),
                              'tags', to_jsonb(ARRAY(SELECT DISTINCT u FROM unnest(tags) u ORDER BY 1)));
END $$;

-- one branch of a set operation: 1-2 FROM items, output columns of the classes sig
-- a column of a set operation's branch: e of class cls cast to typ (NULL:
-- to the class's own type), unnamed or not
CREATE FUNCTION rj.setop_col(e text, cls text, typ text, unnamed bool) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN typ IS NULL AND NOT unnamed THEN rj.cast_to(e, cls)
                ELSE rj.branch_col(e, coalesce(typ, CASE cls WHEN 'int' THEN 'int' WHEN 'num' THEN 'numeric'
                                                            WHEN 'flt' THEN 'float8' WHEN 'txt' THEN 'text'
                                                            ELSE 'bool' END), unnamed) END
$$;

-- one branch of a set operation with columns of classes sig: of types typs
-- (NULL: the class's own type), unnamed (a later branch: the operation names
-- its columns from the first), some columns an untyped NULL (p_null; not
-- the columns p_nulls, NULL in an earlier branch: two untyped NULLs resolve
-- to text, which may not match the next branch's type).  nulls: p_nulls and
-- this branch's NULL columns
CREATE FUNCTION rj.gen_branch(srcs jsonb, sig text[], typs text[], unnamed bool, p_null float8,
                              p_nulls int[],
                              OUT sql text, OUT mask int, OUT depth int, OUT tags text[], OUT nulls int[])
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    s1 jsonb := rj.pick_src(srcs, 0.2, false, rj.multipath_off());
    s2 jsonb;
    items jsonb;
    outs text[] := '{}';
    keys text[] := '{}';
    cond jsonb;
    ex record;
    x float8;
    i int;
    from_sql text;
    w text := '';
    a text;
    wc int := 0;
    wf jsonb;
    wctx jsonb;
    wpart text;
    dir text;
BEGIN
    tags := '{}';
    nulls := p_nulls;
    items := jsonb_build_array(jsonb_build_object('alias', 'a1', 'cols', s1->'cols', 'tab', s1->'tab'));
    mask := (s1->>'mask')::int;
    depth := (s1->>'depth')::int;
    from_sql := format('%s a1', s1->>'sql');
    IF rj.chance(0.55) THEN
        s2 := rj.pick_src(srcs, 0.2, false, rj.multipath_off());
        items := items || jsonb_build_object('alias', 'a2', 'cols', s2->'cols', 'tab', s2->'tab');
        cond := rj.join_cond(items->0, items->1, false);
        from_sql := from_sql || format(' JOIN %s a2 ON %s', s2->>'sql', cond->>'cond');
        mask := mask | (s2->>'mask')::int;
        depth := greatest(depth, (s2->>'depth')::int);
        tags := tags || 'setop_join'::text;
    END IF;
    IF rj.chance(0.4) THEN
        w := ' WHERE ' || rj.vpred(items, 1);
    END IF;
    x := random();
    IF x < 0.25 THEN
        -- GROUP BY the first column, aggregates for the others
        SELECT * INTO ex FROM rj.expr(items, sig[1]);
        keys := keys || ex.e;
        outs := outs || (rj.setop_col(ex.e, sig[1], typs[1], unnamed) || CASE WHEN unnamed THEN '' ELSE ' AS c1' END);
        FOR i IN 2..cardinality(sig) LOOP
            a := CASE sig[i]
                 WHEN 'int' THEN rj.pick(ARRAY['count(*)', format('sum(%s)', (rj.expr(items, 'int')).e),
                                               format('max(%s)', (rj.expr(items, 'int')).e)])
                 WHEN 'num' THEN format('sum(%s)', (rj.expr(items, 'num')).e)
                 WHEN 'flt' THEN format('max(%s)', (rj.expr(items, 'flt')).e)
                 WHEN 'txt' THEN rj.pick(ARRAY[format('max(%s)', (rj.expr(items, 'txt')).e),
                                               format('min(%s)', (rj.expr(items, 'txt')).e)])
                 ELSE CASE WHEN rj.disabled('generic') THEN format('max((%s)::int) = 1', (rj.expr(items, 'bool')).e)
                           ELSE format('bool_or(%s)', (rj.expr(items, 'bool')).e) END END;
            IF rj.chance(p_null) AND NOT (i = ANY (p_nulls)) THEN
                a := 'NULL';
                nulls := nulls || i;
                tags := tags || 'setop_null'::text;
            ELSE
                a := rj.setop_col(a, sig[i], typs[i], unnamed);
            END IF;
            outs := outs || (a || CASE WHEN unnamed THEN '' ELSE ' AS c' || i END);
        END LOOP;
        sql := format('SELECT %s FROM %s%s GROUP BY %s', array_to_string(outs, ', '), from_sql, w,
                      array_to_string(keys, ', '));
        tags := tags || 'setop_groupby'::text;
    ELSE
        IF x >= 0.4 AND NOT rj.disabled('window') AND 'int' = ANY (sig) AND rj.chance(0.15) THEN
            -- an integer column computed by a window over the branch's rows
            -- (tied on the text of every column of its FROM items)
            wc := rj.pick(ARRAY(SELECT g::text FROM generate_series(1, cardinality(sig)) g WHERE sig[g] = 'int'))::int;
        END IF;
        FOR i IN 1..cardinality(sig) LOOP
            SELECT * INTO ex FROM rj.expr(items, sig[i]);
            IF i = wc THEN
                dir := rj.pick(ARRAY['', ' DESC']);
                wctx := jsonb_build_object('int', to_jsonb(rj.refs(items, 'int')), 'num', to_jsonb(rj.refs(items, 'num')),
                                           'txt', to_jsonb(rj.refs(items, 'txt')));
                wpart := CASE WHEN rj.chance(0.8) THEN format('PARTITION BY %s ', (rj.expr(items, 'int')).e) ELSE '' END;
                wf := rj.win_func(wctx, wpart, rj.win_spec(wctx, wpart, dir), ARRAY[rj.vpred_atom(items)], 'int');
                ex.e := rj.put_tie(wf->>'e', rj.win_tie(ARRAY(SELECT (e.it->>'alias') || '.' || c.key
                                                                FROM jsonb_array_elements(items) WITH ORDINALITY AS e(it, ord),
                                                                     jsonb_each_text(e.it->'cols') AS c
                                                               ORDER BY e.ord, c.key), dir));
                tags := tags || 'window'::text || 'window_setop_branch'::text || (wf->>'tag');
            END IF;
            -- DISTINCT resolves an untyped NULL to text, which PostgreSQL
            -- then refuses to match with another branch's type
            IF i > 1 AND x >= 0.4 AND i <> wc AND rj.chance(p_null) AND NOT (i = ANY (p_nulls)) THEN
                a := 'NULL';
                nulls := nulls || i;
                tags := tags || 'setop_null'::text;
            ELSE
                a := rj.setop_col(ex.e, sig[i], typs[i], unnamed);
            END IF;
            outs := outs || (a || CASE WHEN unnamed THEN '' ELSE ' AS c' || i END);
        END LOOP;
        sql := format('SELECT %s%s FROM %s%s', CASE WHEN x < 0.4 THEN 'DISTINCT ' ELSE '' END,
                      array_to_string(outs, ', '), from_sql, w);
    END IF;
END $$;

CREATE FUNCTION rj.gen_setop(srcs jsonb) RETURNS jsonb
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    x float8 := random();
    op text;
    nb int;
    sig text[] := '{}';
    n int := rj.ri(1, 3);
    i int;
    br record;
    parts text[] := '{}';
    tags text[] := '{}';
    mask int := 0;
    depth int := 0;
    q text;
    names text[] := '{}';
    ncls text[];
    nulls int[] := '{}';
    mixed bool;
    in_from bool;
    alias_list bool;
    typs text[];
    first_typs text[];
    j int;
BEGIN
    op := CASE WHEN x < 0.30 THEN 'UNION ALL' WHEN x < 0.50 THEN 'UNION' WHEN x < 0.64 THEN 'INTERSECT'
               WHEN x < 0.76 THEN 'EXCEPT' WHEN x < 0.88 AND NOT rj.disabled('setop_all') THEN 'INTERSECT ALL'
               WHEN NOT rj.disabled('setop_all') THEN 'EXCEPT ALL' ELSE 'EXCEPT' END;
    nb := CASE WHEN op LIKE 'UNION%' THEN rj.ri(2, 3) ELSE 2 END;
    sig := ARRAY[rj.pick(ARRAY['int', 'int', 'txt'])];
    FOR i IN 2..n LOOP
        sig := sig || rj.pick(ARRAY['int', 'num', 'txt', 'bool', 'flt']);
    END LOOP;
    -- branches of other column types (--disable setop_types), later branches
    -- with unnamed columns, or every branch unnamed and the columns named by
    -- an alias list of the subquery (--disable setop_names)
    mixed := NOT rj.disabled('setop_types') AND rj.chance(0.5);
    in_from := rj.chance(CASE WHEN op LIKE '%ALL' AND op NOT LIKE 'UNION%' THEN 0.25 ELSE 0.2 END)
               AND (op LIKE 'UNION%' OR op LIKE '%ALL');
    alias_list := in_from AND NOT rj.disabled('setop_names') AND rj.chance(0.5);
    FOR i IN 1..nb LOOP
        typs := '{}';
        FOR j IN 1..n LOOP
            -- (c1 is the key of the aggregate over the set operation)
            typs := typs || CASE WHEN mixed THEN rj.mixed_type(sig[j], op <> 'UNION ALL' OR j = 1) END;
        END LOOP;
        SELECT * INTO br FROM rj.gen_branch(srcs, sig, typs,
                                            alias_list OR (i > 1 AND NOT rj.disabled('setop_names') AND rj.chance(0.5)),
                                            CASE WHEN mixed THEN 0.08 ELSE 0 END, nulls);
        nulls := br.nulls;
        parts := parts || br.sql;
        tags := tags || br.tags;
        mask := mask | br.mask;
        depth := greatest(depth, br.depth);
        IF mixed AND i > 1 AND typs IS DISTINCT FROM first_typs THEN
            tags := tags || 'setop_mixed_types'::text;
        END IF;
        IF i = 1 THEN
            first_typs := typs;
        END IF;
        IF br.sql !~ ' AS c1[ ,]' THEN
            tags := tags || 'setop_unnamed'::text;
        END IF;
    END LOOP;
    q := array_to_string(parts, ' ' || op || ' ');
    tags := tags || lower(replace(op, ' ', '_'));
    FOR i IN 1..n LOOP
        names := names || ('c' || i);
    END LOOP;
    ncls := sig;
    IF in_from THEN
        -- the set operation as a subquery under an aggregate
        q := format('SELECT s.c1, count(*) AS x1 FROM (%s) s%s GROUP BY s.c1', q,
                    CASE WHEN alias_list THEN '(' || array_to_string(names, ', ') || ')' ELSE '' END);
        names := ARRAY['c1', 'x1'];
        ncls := ARRAY[sig[1], 'int'];
        tags := tags || 'setop_in_from'::text;
        IF alias_list THEN
            tags := tags || 'setop_alias_cols'::text;
        END IF;
    END IF;
    IF depth > 0 THEN
        tags := tags || ('chain' || (depth + 1));
    END IF;
    RETURN jsonb_build_object('q', q, 'cols', rj.names_list(names), 'mask', mask, 'depth', depth + 1,
                              'names', to_jsonb(names), 'ncls', to_jsonb(ncls),
                              'tags', to_jsonb(ARRAY(SELECT DISTINCT u FROM unnest(tags || 'setop'::text) u ORDER BY 1)));
END $$;

-- a view of the round.  srcs: base tables and earlier inner views.
CREATE FUNCTION rj.gen_view(srcs jsonb, allow_inner bool) RETURNS jsonb
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    x float8 := random();
    d jsonb;
    wr jsonb;
    tries int := 0;
    topk_ok bool := false;
BEGIN
    IF allow_inner AND x < 0.2 AND NOT rj.disabled('chain') THEN
        -- an inner view, for later views to read: its outputs use the vocabulary
        -- (window columns more often than in subqueries: views over window views)
        LOOP
            d := rj.gen_derived(srcs, false, 0.25);
            tries := tries + 1;
            -- an inner view joins (or at least reads another view)
            EXIT WHEN d->'tags'->>0 IN ('d_join', 'd_joinagg', 'd_union', 'd_union_all')
                      OR (d->>'depth')::int > 0 OR tries > 6;
        END LOOP;
        RETURN jsonb_build_object('q', d->>'sql',
                                  'cols', rj.names_list(ARRAY(SELECT jsonb_array_elements_text(d->'names'))),
                                  'mask', d->'mask', 'depth', (d->>'depth')::int + 1,
                                  'tags', d->'tags' || '["inner_view"]'::jsonb || coalesce(d->'ctags', '[]')
                                          || CASE WHEN (d->>'depth')::int > 0
                                                  THEN jsonb_build_array('chain' || ((d->>'depth')::int + 1))
                                                  ELSE '[]'::jsonb END,
                                  'bo', d->'bo', 'expose', d->'cols', 'ctags', coalesce(d->'ctags', '[]'));
    ELSIF x < 0.36 AND NOT rj.disabled('setop') THEN
        d := rj.gen_setop(srcs);
        IF NOT rj.disabled('window') AND rj.chance(0.15) THEN
            -- windows over the set operation: SELECT w.*, rank() OVER (..) FROM (..) w
            wr := rj.win_over(d->>'q', ARRAY(SELECT jsonb_array_elements_text(d->'names')),
                              ARRAY(SELECT jsonb_array_elements_text(d->'ncls')), false);
            d := d || jsonb_build_object('q', wr->>'sql', 'names', wr->'names',
                                         'cols', rj.names_list(ARRAY(SELECT jsonb_array_elements_text(wr->'names'))),
                                         'tags', to_jsonb(ARRAY(SELECT DISTINCT u FROM jsonb_array_elements_text(d->'tags' || (wr->'tags') || '["window_setop"]') u ORDER BY 1)));
        END IF;
    ELSE
        d := rj.gen_join(srcs);
    END IF;
    IF NOT rj.disabled('topk') AND d ? 'names' AND rj.chance(0.12) THEN
        -- only over columns whose text is immutable (a cast to text of a
        -- timestamptz or an array is STABLE, and refused in a view)
        BEGIN
            EXECUTE format('CREATE TEMP VIEW rj_topk_probe AS %s', d->>'q');
            SELECT coalesce(bool_and(p.provolatile = 'i'), false) INTO topk_ok
              FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid JOIN pg_proc p ON p.oid = t.typoutput
             WHERE a.attrelid = 'rj_topk_probe'::regclass AND a.attnum > 0;
            DROP VIEW rj_topk_probe;
        EXCEPTION WHEN OTHERS THEN
            topk_ok := false;
        END;
    END IF;
    IF topk_ok THEN
        -- ORDER BY ... LIMIT over the join (top-k): a key over a column
        -- (its text's length: every type has one, many rows tie), then every
        -- column's text, so rows tied on all of it print the same and the
        -- query as written has one answer to compare with
        d := d || jsonb_build_object(
            'q', format('SELECT * FROM (%s) s ORDER BY length((s.%s)::text)%s, %s LIMIT %s%s',
                        d->>'q', quote_ident(d->'names'->>rj.ri(0, jsonb_array_length(d->'names') - 1)),
                        rj.pick(ARRAY['', ' DESC', ' DESC NULLS LAST', ' NULLS FIRST']),
                        (SELECT string_agg(format('(s.%s)::text COLLATE "C"', quote_ident(n)), ', ')
                           FROM jsonb_array_elements_text(d->'names') n),
                        rj.ri(0, 8), CASE WHEN rj.chance(0.3) THEN ' OFFSET ' || rj.ri(1, 3) ELSE '' END),
            'tags', d->'tags' || '["topk"]'::jsonb);
    END IF;
    RETURN d;
END $$;

-- ------------------------------------------------------------------
-- DML
-- ------------------------------------------------------------------

CREATE FUNCTION rj.other_table(t int) RETURNS int
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    o int := rj.ri(1, rj.ntab() - 1);
BEGIN
    IF o >= t THEN
        o := o + 1;
    END IF;
    RETURN o;
END $$;

CREATE FUNCTION rj.gen_insert(t int, nrows int DEFAULT NULL) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    rows text[] := '{}';
    n int := coalesce(nrows, rj.ri(1, 5));
    i int;
BEGIN
    FOR i IN 1..n LOOP
        IF i > 1 AND rj.chance(0.25) THEN
            rows := rows || rows[rj.ri(1, i - 1)];   -- an exact duplicate
        ELSE
            rows := rows || rj.row_lit(t);
        END IF;
    END LOOP;
    RETURN format('INSERT INTO %s (%s) VALUES %s%s', rj.tname(t), array_to_string(rj.ins_cols(t), ', '),
                  array_to_string(rows, ', '),
                  CASE WHEN rj.role(t) = 'dim' THEN ' ON CONFLICT (id) DO NOTHING' ELSE '' END);
END $$;

-- INSERT INTO table b SELECT from rows of relation src having columns k, j, v, n, t
-- (a child's rows get the smallest parent id, or NULL when src_tab is that parent:
-- its rows may be the ones the same statement deletes)
CREATE FUNCTION rj.insert_from(b int, src text, src_tab int DEFAULT 0) RETURNS text
LANGUAGE plpgsql STABLE AS $$
BEGIN
    CASE rj.role(b)
    WHEN 'pk' THEN
        RETURN format('INSERT INTO %s (k, j, v, n, t) SELECT k, j, v, n, t FROM %s', rj.tname(b), src);
    WHEN 'bag' THEN
        RETURN format('INSERT INTO %s (id, k, j, v, n, t) SELECT coalesce(k, 0), k, j, v, n, t FROM %s', rj.tname(b), src);
    WHEN 'dim' THEN
        RETURN format('INSERT INTO %s (id, k, j, v, n, t) SELECT coalesce(k, 0) + 1, k, j, v, n, t FROM %s ON CONFLICT (id) DO NOTHING',
                      rj.tname(b), src);
    ELSE
        RETURN format('INSERT INTO %s (pid, k, j, v, n, t) SELECT %s, k, j, v, n, t FROM %s',
                      rj.tname(b), CASE WHEN rj.parent(b) = src_tab THEN 'NULL::int'
                                        ELSE format('(SELECT min(id) FROM %s)', rj.tname(rj.parent(b))) END, src);
    END CASE;
END $$;

-- one random DML statement on table t; mask = tables it may change
CREATE FUNCTION rj.gen_dml(t int, OUT stmt text, OUT mask int, OUT kind text)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    tn text := rj.tname(t);
    role text := rj.role(t);
    o int := rj.other_table(t);
    otn text := rj.tname(o);
    n bigint;
    x float8;
    ids int[];
    rows text[];
    i int;
    id int;
BEGIN
    EXECUTE format('SELECT count(*) FROM %s', tn) INTO n;
    x := random();
    IF n > 28 THEN
        x := 0.47 + random() * 0.13;               -- shrink: deletes
    ELSIF n < 6 AND x > 0.4 THEN
        x := random() * 0.16;                      -- grow: inserts
    END IF;
    mask := rj.bit(t);
    IF x < 0.16 AND role = 'dim' AND rj.chance(0.35) THEN
        -- dimension rows arriving after the fact rows that reference them
        kind := 'dim_after_facts';
        stmt := format('INSERT INTO %1$s (id, pid, k, j, lo, hi, v, n, x, t, b) '
                       'SELECT DISTINCT o.%3$s, %4$s::int, %5$s::int, %6$s::int, %7$s::int, %8$s::int, %9$s::int, '
                       '%10$s::numeric, %11$s::float8, %12$s::text, %13$s::bool FROM %2$s o '
                       'WHERE o.%3$s IS NOT NULL AND NOT EXISTS (SELECT FROM %1$s d WHERE d.id = o.%3$s) '
                       'ON CONFLICT (id) DO NOTHING',
                       tn, otn, rj.pick(ARRAY['k', 'k', 'j', 'pid']), rj.lit('pid'), rj.lit('k'), rj.lit('j'),
                       rj.lit('lo'), rj.lit('hi'), rj.lit('v'), rj.lit('n'), rj.lit('x'), rj.lit('t'), rj.lit('b'));
    ELSIF x < 0.16 THEN
        kind := 'insert';
        stmt := rj.gen_insert(t);
    ELSIF x < 0.21 THEN
        kind := 'insert_select';
        IF role = 'child' THEN
            -- children for some parent rows
            stmt := format('INSERT INTO %s (pid, k, j, v, n, t, b) SELECT id, k, j, v, n, t, b FROM %s WHERE %s',
                           tn, rj.tname(rj.parent(t)), rj.tpred(0));
        ELSE
            stmt := rj.insert_from(t, format('(SELECT * FROM %s WHERE %s ORDER BY k, j, v, n, t LIMIT 6) AS src', otn, rj.tpred(0)), o);
        END IF;
    ELSIF x < 0.33 THEN
        kind := 'update_join_key';
        stmt := format('UPDATE %s SET %s WHERE %s', tn, rj.pick(ARRAY[
                    'k = ' || rj.lit('k'), 'k = (coalesce(k, 0) + 1) % 7', 'k = j', 'k = NULL',
                    'j = ' || rj.lit('j') || ', k = ' || rj.lit('k'),
                    'lo = coalesce(lo, 0) - 1, hi = coalesce(hi, 0) + 1', 'lo = ' || rj.lit('lo'),
                    't = ' || rj.lit('t'), 'v = ' || rj.lit('v'),
                    CASE WHEN role = 'child' THEN format('pid = (SELECT id FROM %s ORDER BY id OFFSET %s LIMIT 1)',
                                                         rj.tname(rj.parent(t)), rj.ri(0, 8))
                         ELSE 'pid = ' || rj.lit('pid') END]), rj.tpred(1));
    ELSIF x < 0.41 THEN
        -- a "dimension" row (or a key's rows) many other rows join to
        kind := 'update_dim_row';
        stmt := format('UPDATE %s SET %s WHERE %s', tn, rj.pick(ARRAY[
                    'v = coalesce(v, 0) + 1', 't = ' || rj.lit('t'), 'n = n + 0.25, x = x + 0.5',
                    'b = NOT b', 'hi = hi + 1', 'v = ' || rj.lit('v') || ', t = ' || rj.lit('t'),
                    'j = ' || rj.lit('j')]),
                       rj.pick(ARRAY[format('id = %s', rj.ri(1, 10)), format('k = %s', rj.ri(0, 6))]));
    ELSIF x < 0.46 THEN
        IF role IN ('pk', 'dim') THEN
            -- move a parent key: ON UPDATE CASCADE moves its children along
            kind := 'update_pk_cascade';
            mask := rj.cascade_mask(t);
            EXECUTE format('SELECT id FROM %s ORDER BY id OFFSET %s LIMIT 1', tn, rj.ri(0, greatest(n - 1, 0)::int)) INTO id;
            id := coalesce(id, 1);
            -- always to a negative key: a positive one could collide with the serial
            stmt := format('UPDATE %1$s SET id = %3$s WHERE id = %2$s AND NOT EXISTS (SELECT FROM %1$s WHERE id = %3$s)',
                           tn, id, CASE WHEN id > 0 THEN -id ELSE id - 100 END);
        ELSIF role = 'child' THEN
            kind := 'update_reparent';
            stmt := format('UPDATE %s SET pid = (SELECT id FROM %s ORDER BY id OFFSET %s LIMIT 1) WHERE %s',
                           tn, rj.tname(rj.parent(t)), rj.ri(0, 8), rj.tpred(0));
        ELSE
            kind := 'update_noop';
            stmt := format('UPDATE %s SET v = v, k = k WHERE %s', tn, rj.tpred(0));
        END IF;
    ELSIF x < 0.58 THEN
        kind := 'delete';
        mask := rj.cascade_mask(t);
        IF rj.chance(0.03) THEN
            stmt := format('DELETE FROM %s', tn);
        ELSE
            stmt := format('DELETE FROM %s WHERE %s', tn, rj.tpred(1));
        END IF;
    ELSIF x < 0.60 AND NOT rj.disabled('truncate') THEN
        kind := 'truncate';
        mask := rj.cascade_mask(t);
        IF rj.chance(0.3) THEN
            mask := mask | rj.cascade_mask(o);
            stmt := format('TRUNCATE %s, %s CASCADE', tn, otn);
        ELSE
            stmt := format('TRUNCATE %s CASCADE', tn);
        END IF;
    ELSIF x < 0.68 AND role <> 'bag' AND NOT rj.disabled('upsert') THEN
        kind := 'upsert';
        ids := '{}';
        rows := '{}';
        FOR i IN 1..rj.ri(1, 4) LOOP
            IF role = 'dim' THEN
                id := rj.ri(1, 10);
            ELSIF rj.chance(0.5) THEN
                EXECUTE format('SELECT id FROM %s ORDER BY id OFFSET %s LIMIT 1', tn, rj.ri(0, 20)) INTO id;
                id := coalesce(id, -rj.ri(1, 10));
            ELSE
                id := -rj.ri(1, 10);
            END IF;
            CONTINUE WHEN id = ANY (ids);
            ids := ids || id;
            rows := rows || format('(%s, %s, %s, %s, %s)', id,
                                   CASE WHEN role = 'child' THEN rj.lit('pid', t) ELSE rj.lit('pid') END,
                                   rj.lit('k'), rj.lit('v'), rj.lit('t'));
        END LOOP;
        IF rj.chance(0.25) THEN
            stmt := format('INSERT INTO %s (id, pid, k, v, t) VALUES %s ON CONFLICT (id) DO NOTHING',
                           tn, array_to_string(rows, ', '));
        ELSE
            stmt := format('INSERT INTO %s AS tt (id, pid, k, v, t) VALUES %s ON CONFLICT (id) DO UPDATE SET '
                           'k = EXCLUDED.k, v = coalesce(tt.v, 0) + 1, t = EXCLUDED.t%s',
                           tn, array_to_string(rows, ', '),
                           CASE WHEN rj.chance(0.3) THEN ' WHERE tt.b IS NOT TRUE' ELSE '' END);
        END IF;
    ELSIF x < 0.78 AND NOT rj.disabled('wcte') THEN
        -- writable CTEs changing two tables in one statement
        kind := 'writable_cte';
        mask := rj.cascade_mask(t) | rj.cascade_mask(o);
        i := rj.ri(1, 4);
        IF i = 3 AND rj.parent(t) = o THEN
            i := 2;   -- the new children could reference the parents the statement deletes
        END IF;
        IF i = 1 THEN
            stmt := format('WITH d AS (DELETE FROM %s WHERE %s RETURNING k, j, v, n, t) %s',
                           tn, rj.tpred(0), rj.insert_from(o, 'd', t));
        ELSIF i = 2 THEN
            stmt := format('WITH u AS (UPDATE %s SET v = coalesce(v, 0) + 1 WHERE %s RETURNING k) '
                           'UPDATE %s SET j = coalesce(j, 0) %% 5 + 1 WHERE k IN (SELECT k FROM u)',
                           tn, rj.tpred(0), otn);
        ELSIF i = 3 THEN
            stmt := format('WITH i AS (%s RETURNING k) DELETE FROM %s WHERE k IN (SELECT k FROM i)',
                           rj.gen_insert(t), otn);
        ELSE
            stmt := format('WITH d AS (DELETE FROM %s WHERE %s RETURNING k) '
                           'UPDATE %s SET k = (k + 1) %% 7 WHERE k IN (SELECT k FROM d)',
                           otn, rj.tpred(0), tn);
        END IF;
    ELSIF x < 0.84 THEN
        kind := 'update_from';
        stmt := format('UPDATE %s AS tt SET v = s.v, t = s.t FROM (SELECT k, max(v) AS v, max(t) AS t FROM %s GROUP BY k) AS s '
                       'WHERE tt.k = s.k AND %s', tn, otn, rj.vpred(jsonb_build_array(jsonb_build_object('alias', 'tt', 'cols', rj.base_cols())), 0));
    ELSIF x < 0.88 AND NOT rj.disabled('merge') THEN
        kind := 'merge';
        mask := rj.cascade_mask(t);
        stmt := format('MERGE INTO %s AS tt USING (SELECT k, count(*) AS c, max(t) AS mt FROM %s GROUP BY k) AS s ON tt.k = s.k '
                       'WHEN MATCHED AND s.c > 2 THEN DELETE '
                       'WHEN MATCHED THEN UPDATE SET v = s.c, t = s.mt', tn, otn);
    ELSIF x < 0.895 THEN
        -- new statistics: plans of later queries may change shape
        kind := 'analyze';
        mask := 0;
        stmt := format('ANALYZE %s', tn);
    ELSIF x < 0.91 THEN
        kind := 'update_noop';
        stmt := format('UPDATE %s SET %s WHERE %s', tn, rj.pick(ARRAY['v = v', 'k = k, j = j', 't = t']), rj.tpred(1));
    ELSE
        kind := 'insert';
        stmt := rj.gen_insert(t);
    END IF;
END $$;

-- a statement on table t that fails half-way (division by zero or an FK violation)
CREATE FUNCTION rj.gen_failing(t int) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    tn text := rj.tname(t);
BEGIN
    IF rj.role(t) = 'child' AND rj.chance(0.4) THEN
        RETURN format('INSERT INTO %s (pid, k, v) VALUES ((SELECT min(id) FROM %s), 1, 1), (-999999, 2, 2)',
                      tn, rj.tname(rj.parent(t)));
    ELSIF rj.chance(0.5) THEN
        RETURN format('UPDATE %s SET v = CASE WHEN k = %s THEN 1 / (coalesce(v, 0) - coalesce(v, 0)) ELSE coalesce(v, 0) + 1 END',
                      tn, rj.ri(0, 6));
    END IF;
    -- rows 1..n-1 go in, row n divides by zero
    RETURN format('INSERT INTO %s (%sk, v) SELECT %si %% 7, 10 / (%s - i) FROM generate_series(1, 6) AS i',
                  tn, CASE WHEN rj.role(t) IN ('dim', 'bag') THEN 'id, ' ELSE '' END,
                  CASE rj.role(t) WHEN 'dim' THEN 'i + 20, ' WHEN 'bag' THEN 'i, ' ELSE '' END, rj.ri(2, 6));
END $$;

-- ------------------------------------------------------------------
-- checking
-- ------------------------------------------------------------------


-- delete every row of every base table (children first), check every view, roll back
CREATE FUNCTION rj.drain_check(vnames text[], vqueries text[], vcols text[],
                               OUT bad int, OUT vname text, OUT vquery text, OUT vcol text,
                               OUT detail text, OUT stmt text)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    i int;
    chk record;
BEGIN
    stmt := 'BEGIN;';
    FOR i IN REVERSE rj.ntab()..1 LOOP
        stmt := stmt || format(' DELETE FROM %s;', rj.tname(i));
    END LOOP;
    BEGIN
        FOR i IN REVERSE rj.ntab()..1 LOOP
            EXECUTE format('DELETE FROM %s', rj.tname(i));
        END LOOP;
        SELECT * INTO chk FROM oracle.check_all(vnames, vqueries, vcols);
        RAISE EXCEPTION USING ERRCODE = 'RB001';
    EXCEPTION WHEN SQLSTATE 'RB001' THEN
        NULL;
    END;
    stmt := stmt || ' ROLLBACK;';
    bad := chk.bad;
    vname := chk.vname;
    vquery := chk.vquery;
    vcol := chk.vcol;
    detail := chk.detail;
END $$;

-- statement accounting: vseen[i] = statements that changed (or may have
-- changed) one of view i's base tables while it was live
CREATE FUNCTION rj.bump(vseen int[], vmasks int[], nlive int, mask int) RETURNS int[]
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    i int;
BEGIN
    FOR i IN 1..nlive LOOP
        IF vmasks[i] & mask <> 0 THEN
            vseen[i] := vseen[i] + 1;
        END IF;
    END LOOP;
    RETURN vseen;
END $$;

CREATE FUNCTION rj.addchk(vchk bigint[], nlive int) RETURNS bigint[]
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    i int;
BEGIN
    FOR i IN 1..nlive LOOP
        vchk[i] := vchk[i] + 1;
    END LOOP;
    RETURN vchk;
END $$;

CREATE FUNCTION rj.addsecs(vsecs float8[], secs float8[]) RETURNS float8[]
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    i int;
BEGIN
    FOR i IN 1..coalesce(cardinality(secs), 0) LOOP
        vsecs[i] := coalesce(vsecs[i], 0) + secs[i];
    END LOOP;
    RETURN vsecs;
END $$;

CREATE FUNCTION rj.done(vseen int[], nlive int, nviews int, s int) RETURNS bool
LANGUAGE sql IMMUTABLE AS $$
    SELECT nlive = nviews AND (SELECT min(u.n) FROM unnest(vseen) AS u(n)) >= s
$$;

-- the table for the next statement: random among those some view still needs
CREATE FUNCTION rj.pick_table(vmasks int[], vseen int[], nlive int, s int) RETURNS int
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    need int := 0;
    cands int[] := '{}';
    i int;
BEGIN
    FOR i IN 1..cardinality(vmasks) LOOP
        IF i > nlive OR vseen[i] < s THEN
            need := need | vmasks[i];
        END IF;
    END LOOP;
    FOR i IN 1..rj.ntab() LOOP
        IF need & rj.bit(i) <> 0 THEN
            cands := cands || i;
        END IF;
    END LOOP;
    IF cardinality(cands) = 0 OR rj.chance(0.15) THEN
        RETURN rj.ri(1, rj.ntab());
    END IF;
    RETURN cands[rj.ri(1, cardinality(cands))];
END $$;

CREATE FUNCTION rj.count_kind(m jsonb, kind text) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
    SELECT m || jsonb_build_object(kind, coalesce((m->>kind)::int, 0) + 1)
$$;

CREATE PROCEDURE rj.cleanup()
LANGUAGE plpgsql AS $$
DECLARE
    v regclass;
BEGIN
    PERFORM set_config('client_min_messages', 'warning', true);
    FOR v IN SELECT name FROM stepping.views
              WHERE name::text LIKE 'jv.%' OR name::text LIKE 'jt.%' ORDER BY created_at DESC LOOP
        BEGIN
            PERFORM stepping.drop_view(v);
        EXCEPTION WHEN OTHERS THEN
            NULL;
        END;
    END LOOP;
    DROP SCHEMA IF EXISTS jv CASCADE;
    DROP SCHEMA IF EXISTS jt CASCADE;
END $$;

-- ------------------------------------------------------------------
-- concurrency (run_joins.sh --concurrency W): the hooks of oracle.worker
-- (oracle.sql), which runs the workers' random transactions
-- ------------------------------------------------------------------

-- the round's tables for a worker session
CREATE PROCEDURE rj.worker_setup(p_seed bigint, p_round int, p_worker int, p_disable text)
LANGUAGE plpgsql AS $proc$
DECLARE
    st record;
BEGIN
    PERFORM set_config('rj.disable', coalesce(p_disable, ''), false);
    PERFORM set_config('rj.trace', 'off', false);
    PERFORM set_config('client_min_messages', 'warning', false);
    SELECT * INTO st FROM rj.rstate WHERE seed = p_seed AND round = p_round;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'rj: no phase-1 state for seed % round %', p_seed, p_round;
    END IF;
    PERFORM set_config('rj.ntab', st.settings[1], false);
    PERFORM set_config('rj.roles', st.settings[2], false);
    PERFORM set_config('rj.parents', st.settings[3], false);
END
$proc$;

-- one random statement of a worker: DML on a random table of the round (not
-- ANALYZE: concurrent ANALYZEs of one table can fail in PostgreSQL itself
-- with "tuple concurrently updated"), or a refresh_view.  Feature rr_truncate
-- off: no TRUNCATE in a REPEATABLE READ / SERIALIZABLE transaction (such a
-- TRUNCATE used to leave result rows a concurrent writer inserted after its
-- snapshot, now 40001: specs/iso_lock_truncate_rr.spec).  Feature refresh
-- off: no refresh_view (a REPEATABLE READ / SERIALIZABLE writer of a window,
-- DISTINCT ON or row_number() <= k view whose snapshot predates another
-- session's committed refresh_view of it fails with XX000 "tuple
-- concurrently deleted" instead of 40001: a known engine bug)
CREATE FUNCTION rj.worker_stmt(p_seed bigint, p_round int) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    st record;
    dm record;
BEGIN
    IF rj.chance(0.03) AND NOT rj.disabled('refresh') THEN
        SELECT * INTO st FROM rj.rstate WHERE seed = p_seed AND round = p_round;
        RETURN format('SELECT stepping.refresh_view(%L)', st.vnames[rj.ri(1, st.nlive)]);
    END IF;
    LOOP
        SELECT * INTO dm FROM rj.gen_dml(rj.ri(1, rj.ntab()));
        EXIT WHEN dm.kind <> 'analyze'
              AND NOT (dm.kind = 'truncate' AND rj.disabled('rr_truncate')
                       AND current_setting('transaction_isolation') <> 'read committed');
    END LOOP;
    RETURN dm.stmt;
END $$;

-- ------------------------------------------------------------------
-- one round
-- ------------------------------------------------------------------

CREATE PROCEDURE rj.run_round(p_seed bigint, p_round int, p_nviews int, p_nstmts int,
                              p_trace bool DEFAULT false, p_disable text DEFAULT '',
                              p_phase int DEFAULT 0, p_apply text DEFAULT 'mixed')
LANGUAGE plpgsql AS $proc$
DECLARE
    line text;
    su bool := (SELECT rolsuper FROM pg_roles WHERE rolname = current_user);
    t0 timestamptz := clock_timestamp();
    ntab int;
    roles text[] := '{}';
    parents int[] := '{}';
    vnames text[] := '{}';
    vqueries text[] := '{}';
    vcols text[] := '{}';
    vmasks int[] := '{}';
    vtags text[] := '{}';
    vseen int[];
    vchk bigint[];
    nlive int := 0;
    nearly int;
    i int;
    j int;
    t int;
    stmt text;
    ddl text;
    x float8;
    gv jsonb;
    srcs jsonb;
    dm record;
    chk record;
    f_chk record;
    st record;
    script text[] := '{}';
    nstmts int := 0;
    nchecks bigint := 0;
    skinds jsonb := '{}';
    f_kind text;
    f_stmt text;
    f_script text[];
    endtx text;
    sabotaged bool := false;
    maxstmts int;
    cand int[];
    vsecs float8[] := '{}';
    ts timestamptz;
    slow_stmt text;
    slow_secs float8 := 0;
BEGIN
    PERFORM set_config('rj.disable', coalesce(p_disable, ''), false);
    PERFORM set_config('rj.trace', CASE WHEN p_trace THEN 'on' ELSE 'off' END, false);
    -- (stepping's NOTICEs about join columns without an index are not wanted,
    -- but the trace is made of NOTICEs)
    PERFORM set_config('client_min_messages', CASE WHEN p_trace THEN 'notice' ELSE 'warning' END, false);

    IF p_phase IN (0, 1) THEN
        PERFORM setseed(hashint8(p_seed * 100003 + p_round)::float8 / 2147483648.0);
        CALL rj.cleanup();
        DELETE FROM rj.rstate;
        COMMIT;

        -- tables and their roles
        ntab := CASE WHEN rj.chance(0.3) THEN 2 WHEN rj.chance(0.6) THEN 3 ELSE 4 END;
        FOR i IN 1..ntab LOOP
            IF i = 1 THEN
                roles := roles || rj.pick(ARRAY['pk', 'dim']);
                parents := parents || 0;
            ELSE
                x := random();
                j := NULL;
                IF x < 0.35 AND NOT rj.disabled('fk') THEN
                    -- a child of a random earlier pk/dim table
                    cand := ARRAY(SELECT p FROM generate_series(1, i - 1) AS p WHERE roles[p] IN ('pk', 'dim') ORDER BY p);
                    IF cardinality(cand) > 0 THEN
                        j := cand[rj.ri(1, cardinality(cand))];
                    END IF;
                END IF;
                IF j IS NOT NULL THEN
                    roles := roles || 'child'::text;
                    parents := parents || j;
                ELSIF x < 0.65 THEN
                    roles := roles || 'bag'::text;
                    parents := parents || 0;
                ELSE
                    roles := roles || rj.pick(ARRAY['pk', 'dim']);
                    parents := parents || 0;
                END IF;
                j := NULL;
            END IF;
        END LOOP;
        PERFORM set_config('rj.ntab', ntab::text, false);
        PERFORM set_config('rj.roles', array_to_string(roles, ','), false);
        PERFORM set_config('rj.parents', array_to_string(parents, ','), false);

        script := script || rj.note(format('-- stepping random join test: seed %s round %s (tables: %s)',
                                           p_seed, p_round, array_to_string(roles, ', ')))
                         || rj.note('CREATE EXTENSION IF NOT EXISTS stepping;')
                         || rj.note('DROP SCHEMA IF EXISTS jv, jt CASCADE;')
                         || rj.note('CREATE SCHEMA jt;')
                         || rj.note('CREATE SCHEMA jv;')
                         || rj.note('SET client_min_messages = warning;');
        CREATE SCHEMA jt;
        CREATE SCHEMA jv;
        FOR i IN 1..ntab LOOP
            ddl := format('CREATE TABLE %s (id %s, pid int%s, k int, j int, lo int, hi int, v int, n numeric(10,2), x float8, t text, b bool)',
                          rj.tname(i),
                          CASE roles[i] WHEN 'pk' THEN 'serial PRIMARY KEY' WHEN 'child' THEN 'serial PRIMARY KEY'
                                        WHEN 'dim' THEN 'int PRIMARY KEY' ELSE 'int' END,
                          CASE WHEN roles[i] = 'child'
                               THEN format(' REFERENCES %s (id) ON DELETE CASCADE ON UPDATE CASCADE', rj.tname(parents[i]))
                               ELSE '' END);
            EXECUTE ddl;
            script := script || rj.note(ddl || ';');
            -- indexes on some join columns (the others are scanned)
            IF rj.chance(0.5) THEN
                ddl := format('CREATE INDEX ON %s (k)', rj.tname(i));
                EXECUTE ddl;
                script := script || rj.note(ddl || ';');
            END IF;
            IF roles[i] = 'child' AND rj.chance(0.6) THEN
                ddl := format('CREATE INDEX ON %s (pid)', rj.tname(i));
                EXECUTE ddl;
                script := script || rj.note(ddl || ';');
            END IF;
        END LOOP;
        FOR i IN 1..ntab LOOP
            FOR j IN 1..rj.ri(1, 3) LOOP
                stmt := rj.gen_insert(i, rj.ri(2, 7));
                EXECUTE stmt;
                script := script || rj.note(stmt || ';');
            END LOOP;
            IF NOT rj.disabled('fastdefault') AND rj.chance(0.3) THEN
                -- j, v and t again, with a DEFAULT: the rows so far keep their
                -- shorter tuples and read them from attmissingval
                FOREACH ddl IN ARRAY ARRAY[
                    format('ALTER TABLE %s DROP COLUMN j, DROP COLUMN v, DROP COLUMN t', rj.tname(i)),
                    format('ALTER TABLE %s ADD COLUMN j int DEFAULT %s', rj.tname(i), rj.ri(0, 6)),
                    format('ALTER TABLE %s ADD COLUMN v int DEFAULT %s', rj.tname(i), rj.ri(-2, 9)),
                    format('ALTER TABLE %s ADD COLUMN t text DEFAULT %s', rj.tname(i),
                           quote_literal(rj.pick(rj.texts())))] LOOP
                    EXECUTE ddl;
                    script := script || rj.note(ddl || ';');
                END LOOP;
            END IF;
        END LOOP;

        -- view definitions; the first ones are created now, the rest after a third of the statements
        srcs := rj.table_srcs();
        FOR i IN 1..p_nviews LOOP
            gv := rj.gen_view(srcs, i < p_nviews);
            vnames := vnames || ('jv.v' || i);
            vqueries := vqueries || (gv->>'q');
            vcols := vcols || (gv->>'cols');
            vmasks := vmasks || (gv->>'mask')::int;
            vtags := vtags || (SELECT string_agg(DISTINCT u, ',' ORDER BY u) FROM jsonb_array_elements_text(gv->'tags') u);
            IF gv ? 'expose' AND (gv->>'depth')::int <= 2 THEN
                srcs := srcs || jsonb_build_object('sql', 'jv.v' || i, 'cols', gv->'expose', 'tab', 0,
                                                   'mask', gv->'mask', 'depth', gv->'depth', 'bo', gv->'bo',
                                                   'ctags', gv->'ctags');
            END IF;
        END LOOP;
        vchk := array_fill(0::bigint, ARRAY[p_nviews]);
    ELSE
        -- phase 2: a new session continues the round
        SELECT * INTO st FROM rj.rstate WHERE seed = p_seed AND round = p_round;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'rj: no phase-1 state for seed % round %', p_seed, p_round;
        END IF;
        vnames := st.vnames; vqueries := st.vqueries; vcols := st.vcols; vmasks := st.vmasks;
        vtags := st.vtags; nlive := st.nlive; nchecks := st.nchecks; vchk := st.vchk;
        script := st.script; t0 := st.t0;
        PERFORM set_config('rj.ntab', st.settings[1], false);
        PERFORM set_config('rj.roles', st.settings[2], false);
        PERFORM set_config('rj.parents', st.settings[3], false);
        PERFORM setseed(hashint8(p_seed * 100003 + p_round + 77777)::float8 / 2147483648.0);
        script := script || rj.note('\c') || rj.note('SET client_min_messages = warning;');
        COMMIT;
    END IF;

    ntab := rj.ntab();
    vseen := array_fill(0, ARRAY[p_nviews]);
    nearly := greatest(1, ceil(p_nviews * 0.7)::int);
    maxstmts := p_nstmts * 25;

    IF p_phase = 2 THEN
        -- concurrent workers (run_joins.sh --concurrency) may have run since
        -- phase 1: every view must be exact, its hidden state too
        SELECT * INTO chk FROM oracle.check_all(vnames[1:nlive], vqueries[1:nlive], vcols[1:nlive]);
        nchecks := nchecks + nlive; vchk := rj.addchk(vchk, nlive);
        IF chk.bad > 0 THEN
            f_kind := 'mismatch at the start of phase 2 (after the concurrent workers, see oracle.wlog)';
            f_chk := chk; f_stmt := '(start of phase 2)'; f_script := script;
        ELSE
            SELECT * INTO chk FROM rj.drain_check(vnames[1:nlive], vqueries[1:nlive], vcols[1:nlive]);
            nchecks := nchecks + nlive; vchk := rj.addchk(vchk, nlive);
            IF chk.bad > 0 THEN
                f_kind := 'hidden state wrong at the start of phase 2 (after the concurrent workers, see oracle.wlog): '
                          'mismatch after deleting every base row';
                f_chk := chk; f_stmt := chk.stmt; f_script := script || chk.stmt;
            END IF;
        END IF;
    END IF;

    -- the round's stepping.apply (--apply; 'mixed': either), when the server has it
    IF p_phase <> 1 THEN
        line := oracle.set_apply(oracle.pick_apply(p_apply), false);
        IF line <> '' THEN
            script := script || rj.note(line);
        END IF;
        COMMIT;
    END IF;

    <<main>>
    LOOP
        EXIT main WHEN f_kind IS NOT NULL;
        -- create pending views
        IF nlive < p_nviews AND (nlive < nearly OR (p_phase <> 1 AND nstmts >= p_nstmts / 3)) THEN
            FOR i IN nlive + 1 .. CASE WHEN nlive < nearly THEN nearly ELSE p_nviews END LOOP
                stmt := format('SELECT stepping.create_view(%L, %L)', vnames[i], vqueries[i]);
                script := script || rj.note(stmt || ';');
                BEGIN
                    EXECUTE stmt;
                EXCEPTION WHEN OTHERS THEN
                    f_kind := 'create_view failed: ' || SQLSTATE || ' ' || SQLERRM;
                    SELECT i AS bad, vnames[i] AS vname, vqueries[i] AS vquery, vcols[i] AS vcol,
                           SQLERRM AS detail INTO f_chk;
                    f_stmt := stmt;
                    f_script := script;
                    EXIT main;
                END;
                nlive := i;
                -- which views run their one-input terms as index probes in C
                IF EXISTS (SELECT FROM stepping.explain_view(vnames[i]) AS e(line)
                            WHERE e.line LIKE '%index nested loop in C%') THEN
                    vtags[i] := vtags[i] || ',probe_c';
                END IF;
            END LOOP;
            SELECT * INTO chk FROM oracle.check_all(vnames[1:nlive], vqueries[1:nlive], vcols[1:nlive]);
            nchecks := nchecks + nlive; vchk := rj.addchk(vchk, nlive); vsecs := rj.addsecs(vsecs, chk.secs);
            IF chk.bad > 0 THEN
                f_kind := 'mismatch right after create_view'; f_chk := chk; f_stmt := stmt; f_script := script;
                EXIT main;
            END IF;
            COMMIT;
        END IF;

        EXIT main WHEN p_phase = 1;
        EXIT main WHEN rj.done(vseen, nlive, p_nviews, p_nstmts);
        IF nstmts >= maxstmts THEN
            RAISE EXCEPTION 'rj: % statements and the views still need more (vseen %)', nstmts, vseen;
        END IF;

        x := random();
        IF x < 0.60 OR rj.disabled('txn') THEN
            -- one autocommit statement
            t := rj.pick_table(vmasks, vseen, nlive, p_nstmts);
            SELECT * INTO dm FROM rj.gen_dml(t);
            stmt := dm.stmt;
            vseen := rj.bump(vseen, vmasks, nlive, dm.mask);
            skinds := rj.count_kind(skinds, dm.kind);
            nstmts := nstmts + 1;
            script := script || rj.note(stmt || ';');
            ts := clock_timestamp();
            EXECUTE stmt;
            IF extract(epoch FROM clock_timestamp() - ts) > slow_secs THEN
                slow_secs := extract(epoch FROM clock_timestamp() - ts); slow_stmt := stmt;
            END IF;
            IF rj.disabled('sabotage') AND nstmts >= 5 AND NOT sabotaged THEN
                -- self-test (run_joins.sh --sabotage): corrupt a result table behind the engine's back
                -- (a view with a LATERAL subquery first, then one with window
                -- functions, when one has rows)
                ddl := oracle.sabotage(ARRAY(SELECT vnames[g] FROM generate_series(1, nlive) g
                                              ORDER BY (',' || vtags[g] || ',') NOT LIKE '%,lateral,%',
                                                       (',' || vtags[g] || ',') NOT LIKE '%,window,%', g));
                IF ddl IS NOT NULL THEN
                    sabotaged := true;
                    script := script || rj.note(ddl);
                END IF;
            END IF;
            SELECT * INTO chk FROM oracle.check_all(vnames[1:nlive], vqueries[1:nlive], vcols[1:nlive]);
            nchecks := nchecks + nlive; vchk := rj.addchk(vchk, nlive); vsecs := rj.addsecs(vsecs, chk.secs);
            IF chk.bad > 0 THEN
                f_kind := 'mismatch after statement'; f_chk := chk; f_stmt := stmt; f_script := script;
                EXIT main;
            END IF;
            COMMIT;
        ELSIF x < 0.80 THEN
            -- a transaction over several tables, then COMMIT or ROLLBACK;
            -- between the statements no read (the changes stay pending),
            -- reads of some views or of all, and (--apply mixed) SET LOCAL
            -- stepping.apply
            script := script || rj.note('BEGIN;');
            skinds := rj.count_kind(skinds, 'transaction');
            FOR j IN 1..rj.ri(2, 6) LOOP
                IF p_apply = 'mixed' AND rj.chance(0.15) THEN
                    line := oracle.set_apply(oracle.pick_apply(p_apply), true);
                    IF line <> '' THEN
                        script := script || rj.note(line);
                        skinds := rj.count_kind(skinds, 'set_local_apply');
                    END IF;
                END IF;
                t := CASE WHEN j = 1 THEN rj.pick_table(vmasks, vseen, nlive, p_nstmts) ELSE rj.other_table(t) END;
                SELECT * INTO dm FROM rj.gen_dml(t);
                stmt := dm.stmt;
                vseen := rj.bump(vseen, vmasks, nlive, dm.mask);
                skinds := rj.count_kind(skinds, dm.kind);
                nstmts := nstmts + 1;
                script := script || rj.note(stmt || ';');
                ts := clock_timestamp();
                EXECUTE stmt;
                IF extract(epoch FROM clock_timestamp() - ts) > slow_secs THEN
                    slow_secs := extract(epoch FROM clock_timestamp() - ts); slow_stmt := stmt;
                END IF;
                SELECT * INTO chk FROM oracle.between_check(vnames[1:nlive], vqueries[1:nlive], vcols[1:nlive], su);
                IF chk.script <> '' THEN
                    script := script || rj.note(chk.script);
                    skinds := rj.count_kind(skinds, 'read_in_transaction');
                    nchecks := nchecks + nlive; vchk := rj.addchk(vchk, nlive); vsecs := rj.addsecs(vsecs, chk.secs);
                END IF;
                IF chk.bad > 0 THEN
                    f_kind := 'mismatch inside a transaction'; f_chk := chk; f_stmt := stmt; f_script := script;
                    EXIT main;
                END IF;
            END LOOP;
            IF rj.chance(0.6) THEN
                script := script || rj.note('COMMIT;');
                stmt := 'COMMIT';
                skinds := rj.count_kind(skinds, 'commit');
                COMMIT;
            ELSE
                script := script || rj.note('ROLLBACK;');
                stmt := 'ROLLBACK';
                skinds := rj.count_kind(skinds, 'rollback');
                ROLLBACK;
            END IF;
            SELECT * INTO chk FROM oracle.check_all(vnames[1:nlive], vqueries[1:nlive], vcols[1:nlive]);
            nchecks := nchecks + nlive; vchk := rj.addchk(vchk, nlive); vsecs := rj.addsecs(vsecs, chk.secs);
            IF chk.bad > 0 THEN
                f_kind := 'mismatch after ' || stmt; f_chk := chk; f_stmt := stmt; f_script := script;
                EXIT main;
            END IF;
            COMMIT;
        ELSIF NOT rj.disabled('subxact') THEN
            -- BEGIN; [stmt;] SAVEPOINT s1; stmts (or one failing stmt);
            -- ROLLBACK TO / RELEASE; [stmt;] COMMIT or ROLLBACK
            script := script || rj.note('BEGIN;');
            skinds := rj.count_kind(skinds, 'exception_block');
            IF rj.chance(0.5) THEN
                t := rj.pick_table(vmasks, vseen, nlive, p_nstmts);
                SELECT * INTO dm FROM rj.gen_dml(t);
                stmt := dm.stmt;
                vseen := rj.bump(vseen, vmasks, nlive, dm.mask);
                skinds := rj.count_kind(skinds, dm.kind);
                nstmts := nstmts + 1;
                script := script || rj.note(stmt || ';');
                ts := clock_timestamp();
                EXECUTE stmt;
                IF extract(epoch FROM clock_timestamp() - ts) > slow_secs THEN
                    slow_secs := extract(epoch FROM clock_timestamp() - ts); slow_stmt := stmt;
                END IF;
                SELECT * INTO chk FROM oracle.between_check(vnames[1:nlive], vqueries[1:nlive], vcols[1:nlive], su);
                IF chk.script <> '' THEN
                    script := script || rj.note(chk.script);
                    skinds := rj.count_kind(skinds, 'read_in_transaction');
                    nchecks := nchecks + nlive; vchk := rj.addchk(vchk, nlive); vsecs := rj.addsecs(vsecs, chk.secs);
                END IF;
                IF chk.bad > 0 THEN
                    f_kind := 'mismatch inside a transaction'; f_chk := chk; f_stmt := stmt; f_script := script;
                    EXIT main;
                END IF;
            END IF;
            script := script || rj.note('SAVEPOINT s1;');
            x := random();
            endtx := NULL;
            BEGIN
                IF x < 0.3 THEN
                    t := rj.ri(1, ntab);
                    stmt := rj.gen_failing(t);
                    vseen := rj.bump(vseen, vmasks, nlive, rj.bit(t));
                    skinds := rj.count_kind(skinds, 'failing_statement');
                    nstmts := nstmts + 1;
                    script := script || rj.note(stmt || ';  -- may fail');
                    EXECUTE stmt;
                    SELECT * INTO chk FROM oracle.between_check(vnames[1:nlive], vqueries[1:nlive], vcols[1:nlive], su);
                    IF chk.script <> '' THEN
                        script := script || rj.note(chk.script);
                        skinds := rj.count_kind(skinds, 'read_in_savepoint');
                        nchecks := nchecks + nlive; vchk := rj.addchk(vchk, nlive); vsecs := rj.addsecs(vsecs, chk.secs);
                    END IF;
                    IF chk.bad > 0 THEN
                        f_kind := 'mismatch inside a savepoint'; f_chk := chk; f_stmt := stmt; f_script := script;
                        RAISE EXCEPTION USING ERRCODE = 'RB001';
                    END IF;
                ELSE
                    FOR j IN 1..rj.ri(1, 3) LOOP
                        t := CASE WHEN j = 1 THEN rj.pick_table(vmasks, vseen, nlive, p_nstmts) ELSE rj.other_table(t) END;
                        SELECT * INTO dm FROM rj.gen_dml(t);
                        stmt := dm.stmt;
                        vseen := rj.bump(vseen, vmasks, nlive, dm.mask);
                        skinds := rj.count_kind(skinds, dm.kind);
                        nstmts := nstmts + 1;
                        script := script || rj.note(stmt || ';');
                        ts := clock_timestamp();
                        EXECUTE stmt;
                        IF extract(epoch FROM clock_timestamp() - ts) > slow_secs THEN
                            slow_secs := extract(epoch FROM clock_timestamp() - ts); slow_stmt := stmt;
                        END IF;
                        IF p_apply = 'mixed' AND rj.chance(0.1) THEN
                            line := oracle.set_apply(oracle.pick_apply(p_apply), true);
                            IF line <> '' THEN
                                script := script || rj.note(line);
                            END IF;
                        END IF;
                        SELECT * INTO chk FROM oracle.between_check(vnames[1:nlive], vqueries[1:nlive], vcols[1:nlive], su);
                        IF chk.script <> '' THEN
                            script := script || rj.note(chk.script);
                            skinds := rj.count_kind(skinds, 'read_in_savepoint');
                            nchecks := nchecks + nlive; vchk := rj.addchk(vchk, nlive); vsecs := rj.addsecs(vsecs, chk.secs);
                        END IF;
                        IF chk.bad > 0 THEN
                            f_kind := 'mismatch inside a savepoint'; f_chk := chk; f_stmt := stmt; f_script := script;
                            RAISE EXCEPTION USING ERRCODE = 'RB001';
                        END IF;
                    END LOOP;
                END IF;
                IF rj.chance(0.65) THEN
                    endtx := 'ROLLBACK TO SAVEPOINT s1;';
                    RAISE EXCEPTION USING ERRCODE = 'RB001';   -- roll the block back
                END IF;
                endtx := 'RELEASE SAVEPOINT s1;';
            EXCEPTION
                WHEN SQLSTATE 'RB001' THEN
                    NULL;
                WHEN division_by_zero OR foreign_key_violation THEN
                    endtx := 'ROLLBACK TO SAVEPOINT s1;  -- the statement failed';
            END;
            EXIT main WHEN f_kind IS NOT NULL;
            skinds := rj.count_kind(skinds, CASE WHEN endtx LIKE 'ROLLBACK%' THEN 'savepoint_rollback' ELSE 'savepoint_release' END);
            script := script || rj.note(endtx);
            SELECT * INTO chk FROM oracle.check_all(vnames[1:nlive], vqueries[1:nlive], vcols[1:nlive]);
            nchecks := nchecks + nlive; vchk := rj.addchk(vchk, nlive); vsecs := rj.addsecs(vsecs, chk.secs);
            IF chk.bad > 0 THEN
                f_kind := 'mismatch after ' || endtx; f_chk := chk; f_stmt := endtx; f_script := script;
                EXIT main;
            END IF;
            IF rj.chance(0.5) AND NOT rj.done(vseen, nlive, p_nviews, p_nstmts) THEN
                t := rj.pick_table(vmasks, vseen, nlive, p_nstmts);
                SELECT * INTO dm FROM rj.gen_dml(t);
                stmt := dm.stmt;
                vseen := rj.bump(vseen, vmasks, nlive, dm.mask);
                skinds := rj.count_kind(skinds, dm.kind);
                nstmts := nstmts + 1;
                script := script || rj.note(stmt || ';');
                ts := clock_timestamp();
                EXECUTE stmt;
                IF extract(epoch FROM clock_timestamp() - ts) > slow_secs THEN
                    slow_secs := extract(epoch FROM clock_timestamp() - ts); slow_stmt := stmt;
                END IF;
                SELECT * INTO chk FROM oracle.between_check(vnames[1:nlive], vqueries[1:nlive], vcols[1:nlive], su);
                IF chk.script <> '' THEN
                    script := script || rj.note(chk.script);
                    skinds := rj.count_kind(skinds, 'read_in_transaction');
                    nchecks := nchecks + nlive; vchk := rj.addchk(vchk, nlive); vsecs := rj.addsecs(vsecs, chk.secs);
                END IF;
                IF chk.bad > 0 THEN
                    f_kind := 'mismatch inside a transaction'; f_chk := chk; f_stmt := stmt; f_script := script;
                    EXIT main;
                END IF;
            END IF;
            IF rj.chance(0.75) THEN
                script := script || rj.note('COMMIT;');
                stmt := 'COMMIT';
                COMMIT;
            ELSE
                script := script || rj.note('ROLLBACK;');
                stmt := 'ROLLBACK';
                ROLLBACK;
            END IF;
            SELECT * INTO chk FROM oracle.check_all(vnames[1:nlive], vqueries[1:nlive], vcols[1:nlive]);
            nchecks := nchecks + nlive; vchk := rj.addchk(vchk, nlive); vsecs := rj.addsecs(vsecs, chk.secs);
            IF chk.bad > 0 THEN
                f_kind := 'mismatch after ' || stmt; f_chk := chk; f_stmt := stmt; f_script := script;
                EXIT main;
            END IF;
            COMMIT;
        END IF;
    END LOOP main;

    IF f_kind IS NOT NULL THEN
        INSERT INTO rj.failure
        VALUES (p_seed, p_round, f_kind, f_chk.vname, f_chk.vquery, f_stmt, f_chk.detail,
                array_to_string(f_script, E'\n') || E'\n'
                || CASE WHEN f_chk.vname IS NULL OR f_kind LIKE 'create_view failed%' THEN ''
                        ELSE format(E'-- the failing view: %s\nSELECT * FROM stepping.check_view(%L);\n%s;',
                                    f_chk.vname, f_chk.vname,
                                    oracle.diff_query(f_chk.vname, f_chk.vquery, f_chk.vcol)) END);
        COMMIT;
        RETURN;
    END IF;

    IF p_phase = 1 THEN
        INSERT INTO rj.rstate
        VALUES (p_seed, p_round, vnames, vqueries, vcols, vmasks, vtags, nlive, nchecks, vchk, script,
                ARRAY[rj.setting('ntab'), rj.setting('roles'), rj.setting('parents')], t0);
        COMMIT;
        RETURN;
    END IF;

    -- the hidden state (counts, sums) must also be right: delete every base
    -- row in a rolled-back subtransaction; every view must follow
    SELECT * INTO chk FROM rj.drain_check(vnames[1:nlive], vqueries[1:nlive], vcols[1:nlive]);
    nchecks := nchecks + nlive; vchk := rj.addchk(vchk, nlive);
    IF chk.bad > 0 THEN
        INSERT INTO rj.failure
        VALUES (p_seed, p_round, 'mismatch after deleting every base row at the end of the round',
                chk.vname, chk.vquery, chk.stmt, chk.detail,
                array_to_string(script || chk.stmt, E'\n') || E'\n'
                || format(E'-- the failing view: %s (check it after the DELETEs, before the ROLLBACK)\n%s;',
                          chk.vname, oracle.diff_query(chk.vname, chk.vquery, chk.vcol)));
        COMMIT;
        RETURN;
    END IF;

    -- tear down: drop_view for some views (readers first), DROP SCHEMA ... CASCADE for the rest
    FOR i IN REVERSE p_nviews..1 LOOP
        IF rj.chance(0.5) THEN
            BEGIN
                PERFORM stepping.drop_view(vnames[i]::regclass);
            EXCEPTION WHEN dependent_objects_still_exist THEN
                NULL;   -- a view that kept a reader: refused, as documented
            END;
        END IF;
    END LOOP;
    IF rj.chance(0.5) THEN
        DROP SCHEMA jv CASCADE;
        DROP SCHEMA jt CASCADE;
    ELSE
        DROP SCHEMA jt CASCADE;
        DROP SCHEMA jv CASCADE;
    END IF;
    IF EXISTS (SELECT FROM stepping.catalog) OR EXISTS (SELECT FROM stepping.view_state) THEN
        INSERT INTO rj.failure
        VALUES (p_seed, p_round, 'stepping.catalog/view_state rows left after dropping every view and base table',
                NULL, NULL, 'DROP SCHEMA ... CASCADE',
                (SELECT string_agg(view_rel::text || ' ' || query, E'\n') FROM stepping.catalog), NULL);
        COMMIT;
        RETURN;
    END IF;
    DELETE FROM rj.rstate;
    INSERT INTO rj.stats
    SELECT p_seed, p_round, p_nviews, nstmts, nchecks, (SELECT min(u.n) FROM unnest(vseen) AS u(n)),
           round(extract(epoch FROM clock_timestamp() - t0)::numeric, 2),
           vnames[sv.n], round(sv.secs::numeric, 2), left(slow_stmt, 200), round(slow_secs::numeric, 2)
      FROM (SELECT n, secs FROM unnest(vsecs) WITH ORDINALITY AS u(secs, n) ORDER BY secs DESC LIMIT 1) AS sv;
    INSERT INTO rj.vstats
    SELECT p_seed, p_round, vnames[g.n], string_to_array(vtags[g.n], ','), vseen[g.n], vchk[g.n]
      FROM generate_series(1, p_nviews) AS g(n);
    INSERT INTO rj.sstats SELECT p_seed, p_round, key, value::int FROM jsonb_each_text(skinds);
    COMMIT;
END
$proc$;
