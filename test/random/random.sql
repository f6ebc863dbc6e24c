-- test/random/random.sql: randomized differential test of stepping views.
--
-- Loaded by test/random/run.sh into a scratch database; everything lives in
-- schema rnd.  One round = CALL rnd.run_round(seed, round, nviews, nstmts,
-- trace, disable, phase):
--   phase 1 (one session): base tables in schema rt (1-2, sometimes without a
--     primary key, with a dropped column, columns re-added with a DEFAULT
--     after the first rows, an FK with ON DELETE CASCADE/SET NULL
--     between them, user row triggers that skip/modify rows or run nested DML),
--     initial rows, and ~70% of the views (schema rv);
--   phase 2 (a NEW session, so stored view definitions are re-read): random
--     DML - autocommit statements, transactions that COMMIT or ROLLBACK,
--     savepoints released or rolled back, statements failing half-way,
--     TRUNCATE, ON CONFLICT, MERGE, COPY, data-modifying CTEs, UPDATE FROM,
--     refresh_view, drop_view/create_view inside transactions - and the
--     remaining views; then everything is dropped.
--   phase 0 = both phases in one session.
-- After EVERY statement every live view is checked twice:
--   * SELECT count(*) FROM stepping.check_view(v) must be 0, and
--   * an independent oracle: the result table's visible columns vs. a fresh
--     run of the ORIGINAL query text, as multisets of row text (so neither a
--     broken check_view nor a badly stored query can hide a wrong result).
-- Generation only uses random() after setseed(), so (seed, round) always
-- replays the same statements.  On a mismatch the round stores the view, the
-- statement, the diff rows and a psql-replayable script in rnd.failure and
-- run.sh prints them.  Unexpected errors abort the CALL; run.sh then reruns
-- the round with tracing to show the statements.

DROP SCHEMA IF EXISTS rnd CASCADE;
CREATE SCHEMA rnd;

CREATE TABLE rnd.stats (
    seed       bigint,
    round      int,
    views      int,
    statements int,
    checks     bigint,
    min_seen   int,
    seconds    numeric
);

CREATE TABLE rnd.failure (
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
CREATE TABLE rnd.rstate (
    seed     bigint,
    round    int,
    tabs     text[],
    pks      bool[],
    vnames   text[],
    vqueries text[],
    vcols    text[],
    vtabs    int[],
    nlive    int,
    nchecks  bigint,
    script   text[],
    settings text[],
    t0       timestamptz
);

-- ------------------------------------------------------------------
-- random helpers
-- ------------------------------------------------------------------

CREATE FUNCTION rnd.ri(lo int, hi int) RETURNS int
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    RETURN lo + floor(random() * (hi - lo + 1))::int;
END $$;

CREATE FUNCTION rnd.chance(p float8) RETURNS bool
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    RETURN random() < p;
END $$;

CREATE FUNCTION rnd.pick(arr text[]) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    RETURN arr[1 + floor(random() * array_length(arr, 1))::int];
END $$;

CREATE FUNCTION rnd.setting(name text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT coalesce(current_setting('rnd.' || name, true), '')
$$;

-- feature switches: run.sh --disable a,b,c (for hunting bugs behind a known one)
CREATE FUNCTION rnd.disabled(feature text) RETURNS bool
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN position(',' || feature || ',' IN ',' || rnd.setting('disable') || ',') > 0;
END $$;

-- may this expression be used, given the disabled column families?
CREATE FUNCTION rnd.allowed(expr text) RETURNS bool
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF rnd.setting('disable') = '' THEN RETURN true; END IF;
    IF rnd.disabled('float') AND expr ~ '\m(e|r)\M' THEN RETURN false; END IF;
    IF rnd.disabled('float4') AND expr ~ '\mr\M' THEN RETURN false; END IF;
    IF rnd.disabled('numeric') AND expr ~ '\m(c|g)\M' THEN RETURN false; END IF;
    IF rnd.disabled('g') AND expr ~ '\mg\M' THEN RETURN false; END IF;
    IF rnd.disabled('int8') AND expr ~ '\mh\M' THEN RETURN false; END IF;
    IF rnd.disabled('int2') AND expr ~ '\ms\M' THEN RETURN false; END IF;
    IF rnd.disabled('text') AND expr ~ '\m(d|u)\M' THEN RETURN false; END IF;
    IF rnd.disabled('avg') AND expr ~ '\mavg\(' THEN RETURN false; END IF;
    IF rnd.disabled('minmax') AND expr ~ '\m(min|max)\(' THEN RETURN false; END IF;
    IF rnd.disabled('quoted') AND expr ~ '"' THEN RETURN false; END IF;
    IF rnd.disabled('udf') AND expr ~ '\mrnd\.' THEN RETURN false; END IF;
    IF rnd.disabled('fk') AND expr ~ '\mref\M' THEN RETURN false; END IF;
    RETURN true;
END $$;

-- pick among the allowed candidates (falls back to the first candidate)
CREATE FUNCTION rnd.pickf(arr text[]) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    ok text[];
BEGIN
    SELECT array_agg(x ORDER BY n) INTO ok
      FROM unnest(arr) WITH ORDINALITY AS u(x, n)
     WHERE rnd.allowed(x);
    IF ok IS NULL THEN
        RETURN arr[1];
    END IF;
    RETURN rnd.pick(ok);
END $$;

CREATE FUNCTION rnd.note(s text) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    IF rnd.setting('trace') = 'on' THEN
        RAISE NOTICE '%', s;
    END IF;
    RETURN s;
END $$;

-- user-defined IMMUTABLE functions used in view queries
CREATE FUNCTION rnd.twice(x int) RETURNS int
LANGUAGE sql IMMUTABLE AS $$ SELECT x * 2 $$;

CREATE FUNCTION rnd.label(x text) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    RETURN 'L:' || coalesce(x, '-');
END $$;

-- ------------------------------------------------------------------
-- values
-- ------------------------------------------------------------------

-- data columns of every base table, as SQL identifiers (id is separate:
-- serial PK or plain int)
CREATE FUNCTION rnd.datacols() RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
    SELECT ARRAY['a', 'b', 'c', 'd', 'e', 'f', 'g', 's', 'h', 'r', 'u', '"Q q"', 'ref', 'pad']
$$;

-- text values: commas, quotes, parentheses, a backslash, '' and 'NULL' all
-- need care in record text
CREATE FUNCTION rnd.texts() RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
    SELECT ARRAY['x', 'y', 'z', 'ab', '', 'x y', 'x,y', 'y,z', '(x)', '"q"', 'a\b', 'NULL']
$$;

-- a literal (or scalar expression) for a column of table tbl, in its small domain
CREATE FUNCTION rnd.lit(col text, tbl text DEFAULT NULL) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    IF col NOT IN ('pad', 'id') AND random() < 0.15 THEN
        RETURN 'NULL';
    END IF;
    CASE col
    WHEN 'a', 'b' THEN
        RETURN rnd.ri(0, 5)::text;
    WHEN 'c' THEN
        RETURN (rnd.ri(-4, 20) * 0.25)::numeric(10, 2)::text;
    WHEN 'd', 'u' THEN
        IF NOT rnd.disabled('toast') AND rnd.chance(0.03) THEN
            -- a long value, stored compressed (keys stay far below the btree limit)
            RETURN 'repeat(''ab'', 1500)';
        END IF;
        IF col = 'd' AND rnd.chance(0.5) THEN
            RETURN rnd.pick(ARRAY['''x''', '''y''', '''z''']);
        END IF;
        RETURN quote_literal(rnd.pick(rnd.texts()));
    WHEN 'e' THEN
        IF NOT rnd.disabled('special') AND rnd.chance(0.05) THEN
            RETURN rnd.pick(ARRAY['''Infinity''', '''-Infinity''', '''NaN''']);
        END IF;
        RETURN (rnd.ri(-6, 10) * 0.5)::text;
    WHEN 'f' THEN
        RETURN rnd.pick(ARRAY['true', 'false']);
    WHEN 'g' THEN
        IF NOT rnd.disabled('special') AND rnd.chance(0.04) THEN
            RETURN rnd.pick(ARRAY['''Infinity''', '''-Infinity''', '''NaN''']);
        END IF;
        IF rnd.setting('mixed') = 'on' THEN
            RETURN rnd.pick(ARRAY['1.5', '2.25', '3', '0.125', '10', '2.50', '-1.75', '0', '4.000', '0.1']);
        END IF;
        RETURN (rnd.ri(-4, 12) * 0.5)::numeric(10, 2)::text;
    WHEN 's' THEN
        RETURN rnd.ri(-3, 3)::text;
    WHEN 'h' THEN
        RETURN rnd.pick(ARRAY['0', '1', '-1', '1000000000000', '3000000000', '-7']);
    WHEN 'r' THEN
        IF NOT rnd.disabled('special') AND rnd.chance(0.04) THEN
            RETURN rnd.pick(ARRAY['''Infinity''', '''NaN''']);
        END IF;
        RETURN (rnd.ri(-4, 8) * 0.25)::text;
    WHEN '"Q q"' THEN
        RETURN rnd.ri(0, 3)::text;
    WHEN 'ref' THEN
        IF tbl IS NOT NULL AND tbl = rnd.setting('fkchild') THEN
            RETURN format('(SELECT id FROM %s ORDER BY id OFFSET %s LIMIT 1)', rnd.setting('fkparent'), rnd.ri(0, 15));
        END IF;
        RETURN rnd.ri(1, 6)::text;
    WHEN 'pad' THEN
        IF NOT rnd.disabled('toast') AND rnd.chance(0.03) THEN
            -- incompressible and long: stored out of line (TOAST).  Only in pad,
            -- which is never a group or DISTINCT key (README: keys over 2704 bytes fail)
            RETURN '(SELECT string_agg(md5(g::text), '''') FROM generate_series(1, 80) AS g)';
        END IF;
        RETURN quote_literal('p' || rnd.ri(0, 20));
    WHEN 'id' THEN
        RETURN rnd.ri(1, 6)::text;
    END CASE;
END $$;

-- an expression over the series variable i for INSERT ... SELECT
CREATE FUNCTION rnd.series_expr(col text, tbl text, failing_at int DEFAULT NULL) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    m int := rnd.ri(1, 7);
    o int := rnd.ri(0, 9);
    k int := rnd.ri(3, 9);
    v text := format('(i * %s + %s)', m, o);
    x text;
BEGIN
    CASE col
    WHEN 'a', 'b' THEN
        x := format('CASE WHEN i %% %s = 0 THEN NULL ELSE %s %% 6 END', k, v);
        IF failing_at IS NOT NULL THEN
            -- division by zero on the last row, evaluated at run time
            x := format('CASE WHEN i = %s THEN 1 / (i - i) ELSE %s %% 6 END', failing_at, v);
        END IF;
    WHEN 'c' THEN
        x := format('CASE WHEN i %% %s = 0 THEN NULL ELSE (%s %% 24) * 0.25 - 1 END', k, v);
    WHEN 'd' THEN
        x := format('(ARRAY[''x'', ''y'', ''z'', ''ab'', NULL, '''', ''x,y''])[1 + %s %% 7]', v);
    WHEN 'u' THEN
        x := format('(ARRAY[''y,z'', ''x'', NULL, ''(x)'', ''y'', ''NULL''])[1 + %s %% 6]', v);
    WHEN 'e' THEN
        x := format('CASE WHEN i %% %s = 0 THEN NULL ELSE (%s %% 16) * 0.5 - 2 END', k, v);
    WHEN 'f' THEN
        x := format('CASE %s %% 3 WHEN 0 THEN true WHEN 1 THEN false END', v);
    WHEN 'g' THEN
        IF rnd.setting('mixed') = 'on' THEN
            x := format('(ARRAY[1.5, 2.25, 3, 0.125, 10, 2.50, NULL, -1.75])[1 + %s %% 8]', v);
        ELSE
            x := format('CASE WHEN i %% %s = 0 THEN NULL ELSE (%s %% 10) * 0.50 END', k, v);
        END IF;
    WHEN 's' THEN
        x := format('(%s %% 7) - 3', v);
    WHEN 'h' THEN
        x := format('(ARRAY[0, 1, -1, 1000000000000, 3000000000, NULL])[1 + %s %% 6]', v);
    WHEN 'r' THEN
        x := format('CASE WHEN i %% %s = 0 THEN NULL ELSE (%s %% 12) * 0.25 - 1 END', k, v);
    WHEN '"Q q"' THEN
        x := format('%s %% 4', v);
    WHEN 'ref' THEN
        IF tbl = rnd.setting('fkchild') THEN
            x := format('(SELECT id FROM %s ORDER BY id OFFSET %s %% 12 LIMIT 1)', rnd.setting('fkparent'), v);
        ELSE
            x := format('CASE WHEN i %% %s = 0 THEN NULL ELSE 1 + %s %% 6 END', k, v);
        END IF;
    WHEN 'pad' THEN
        x := format('''p'' || (%s %% 14)', v);
    WHEN 'id' THEN
        x := format('1 + %s %% 5', v);
    END CASE;
    RETURN x;
END $$;

-- ------------------------------------------------------------------
-- predicates
-- ------------------------------------------------------------------

CREATE FUNCTION rnd.pred_atom() RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    k int := rnd.ri(0, 5);
    cv text := (rnd.ri(-4, 20) * 0.25)::numeric(10, 2)::text;
    gv text := rnd.pick(ARRAY['1.5', '2', '2.25', '0', '3']);
    dv text := quote_literal(rnd.pick(rnd.texts()));
BEGIN
    RETURN rnd.pickf(ARRAY[
        format('a = %s', k),
        format('a <> %s', k),
        format('b < %s', k),
        format('b >= %s', k),
        'a < b',
        'a IS NULL',
        'b IS NOT NULL',
        format('c > %s', cv),
        format('c <= %s', cv),
        format('d = %s', dv),
        format('u = %s', dv),
        'd IN (''x'', ''y'')',
        'd IS NULL',
        'u IS NOT NULL',
        'd < u',
        'f',
        'NOT f',
        'f IS NOT TRUE',
        '(a + b) % 2 = 0',
        'e * 2 > c',
        'e > 100',
        format('coalesce(a, 0) + coalesce(b, 0) > %s', k),
        'a BETWEEN 1 AND 3',
        'd LIKE ''x%''',
        'length(d) > 1',
        format('g > %s', gv),
        's < 0',
        'h > 0',
        'r <> 0.5',
        'a IN (1, 3, NULL)',
        '(e IS NULL OR e < 1)',
        'id % 2 = 0',
        'upper(d) = ''Y''',
        'c = round(c)',
        'a IS DISTINCT FROM b',
        'f IS UNKNOWN',
        '"Q q" > 1',
        'ref IS NULL',
        'ref % 2 = 1',
        'rnd.twice(a) > 4',
        'gen > 20',
        rnd.pick(ARRAY['false', '1 = 1', 'NULL::bool'])
    ]);
END $$;

CREATE FUNCTION rnd.pred(depth int) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    x float8 := random();
    l text;
    r text;
BEGIN
    IF depth <= 0 OR x < 0.5 THEN
        RETURN rnd.pred_atom();
    ELSIF x < 0.72 THEN
        l := rnd.pred(depth - 1);
        r := rnd.pred(depth - 1);
        RETURN format('(%s AND %s)', l, r);
    ELSIF x < 0.92 THEN
        l := rnd.pred(depth - 1);
        r := rnd.pred(depth - 1);
        RETURN format('(%s OR %s)', l, r);
    ELSE
        RETURN format('NOT (%s)', rnd.pred(depth - 1));
    END IF;
END $$;

-- ------------------------------------------------------------------
-- views
-- ------------------------------------------------------------------

-- projection items for bag / DISTINCT views.  DISTINCT and GROUP BY never use
-- g (unconstrained numeric with mixed scales): 2.5 and 2.50 are equal, so
-- which text a group shows is up to PostgreSQL's scan order.
CREATE FUNCTION rnd.proj_items(for_distinct bool) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    items text[] := ARRAY[
        'a', 'b', 'c', 'd', 'e', 'f', 's', 'h', 'r', 'u', 'id', '"Q q"', 'ref',
        'a + b', 'coalesce(d, ''x'')', 'coalesce(u, d)', 'd || u',
        'CASE WHEN a > 2 THEN ''hi'' WHEN a IS NULL THEN NULL ELSE ''lo'' END',
        'c::int', 'b * 2 - 1', 'abs(a - b)', 'upper(d)', 'a % 2', 'e * 2', 'c + 1',
        'coalesce(a, 0) + coalesce(b, 0)', 'd || ''!''', 'f AND a > 1', 'NOT f',
        'round(c)', 'nullif(a, 0)', 'length(d)', 'e::numeric', 'c * a', 'a::text',
        'greatest(a, b)', 's + 1', 'h * 2', 'r * 2', 'id % 3', '(c * 2)::numeric(12,3)',
        'e + r', '1', '"Q q" + a', 'rnd.twice(a)', 'rnd.label(d)',
        'gen', 'gen % 7', 'a::numeric(5,1)', 'd::varchar(2)', 'c::text', 'e::real', 'f::int',
        'd COLLATE "C"', 's::int8 * h', 'e::text', 'r::text', '(e * 3)::text'];
BEGIN
    IF NOT for_distinct THEN
        items := items || ARRAY['g', 'g * 2', 'g + c', 'coalesce(g, 0)', 'pad'];
    END IF;
    RETURN items;
END $$;

CREATE FUNCTION rnd.group_keys() RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
    SELECT ARRAY['a', 'b', 'd', 'f', 's', 'u', 'a % 2', 'coalesce(b, 0) > 2', 'c::int',
                 'upper(d)', 'e > 1', 'id % 3', 'c', 'e', 'r', 'h', 'length(d)',
                 '"Q q"', 'ref', 'rnd.label(d)', 'gen % 3', 'lower(d) COLLATE "C"', 'd::varchar(2)',
                 -- key types whose equal values may be spelled differently
                 -- (numeric without a typmod, bpchar without a length), over
                 -- data with one spelling per value: the look for the stored
                 -- spelling on deletes runs, and the text comparison stays
                 -- exact (g, with mixed scales, is no key: which spelling a
                 -- group shows is up to the scan order; an interval key is
                 -- no key either: views print keys as text, and interval's
                 -- text follows IntervalStyle, which stepping refuses)
                 'c::numeric', 'd::bpchar']
$$;

CREATE FUNCTION rnd.aggregates() RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
    SELECT ARRAY[
        'count(*)', 'count(a)', 'count(d)', 'count(e)', 'count(g)', 'count(f)', 'count(u)',
        'count(ref)', 'sum(a)', 'sum(b)', 'sum(c)', 'sum(e)', 'sum(g)', 'sum(s)', 'sum(h)',
        'sum(r)', 'sum("Q q")', 'avg(a)', 'avg(b)', 'avg(c)', 'avg(e)', 'avg(g)', 'avg(s)',
        'avg(h)', 'avg(r)', 'avg("Q q")', 'sum(a + b)', 'sum(a * 2)',
        'sum(CASE WHEN f THEN 1 ELSE 0 END)', 'sum(coalesce(c, 0))', 'count(*) * 10 + count(b)',
        'coalesce(sum(a), 0) * 2', 'sum(c)::int', 'CASE WHEN count(*) > 1 THEN 1 ELSE 0 END',
        'sum(a) + sum(b)', 'avg(e) * 2', 'round(avg(c), 1)', 'coalesce(avg(a), -1)', 'sum(id)',
        'count(*) - count(a)', 'sum(e * 2)', 'avg(a)::numeric(10,3)', 'sum(g) * 2',
        'sum(c::float8)', 'sum(c) / 4', 'avg(g + c)', 'sum(s)::int + 1', 'sum(rnd.twice(b))',
        'sum(gen)', 'avg(gen)', 'sum(s::int8 * h)',
        -- min/max (never over g: 2.5 and 2.50 tie, and which one wins depends on order)
        'min(a)', 'max(b)', 'min(c)', 'max(c)', 'min(d)', 'max(u)', 'min(e)', 'max(e)',
        'min(s)', 'max(h)', 'min(r)', 'max(id)', 'max(a + b)', 'min(coalesce(d, ''-''))',
        'coalesce(max(a), 0) - coalesce(min(a), 0)',
        -- computed by PostgreSQL per touched group (no inverse)
        'string_agg(d, '','' ORDER BY d)', 'array_agg(a ORDER BY a)', 'bool_and(f)', 'bool_or(f)',
        'every(a > 1)', 'stddev(a)', 'variance(b)', 'stddev_pop(c)', 'var_samp(a)',
        'count(DISTINCT d)', 'sum(DISTINCT a)', 'avg(DISTINCT b)',
        'count(*) FILTER (WHERE a > 2)', 'sum(c) FILTER (WHERE f)',
        'jsonb_agg(a ORDER BY a)', 'json_agg(d ORDER BY d)']
$$;

CREATE FUNCTION rnd.having() RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    RETURN rnd.pickf(ARRAY['count(*) > 1', 'sum(a) > 3', 'max(c) IS NOT NULL', 'avg(e) < 2',
                           'min(d) <> ''x''', 'count(b) = count(*)', 'sum(id) % 2 = 0']);
END $$;

-- an output column name: usually xN/kN, sometimes one that needs quoting
CREATE FUNCTION rnd.out_name(prefix text, i int) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    IF NOT rnd.disabled('quoted') AND rnd.chance(0.08) THEN
        RETURN upper(prefix) || ' ' || i;
    END IF;
    RETURN prefix || i;
END $$;

-- A random supported view query over tbl.  cols = its output column names,
-- quoted and comma separated, for the independent oracle.
CREATE FUNCTION rnd.gen_view(tbl text, OUT q text, OUT cols text, OUT kind text)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    x float8 := random();
    items text[] := '{}';
    names text[] := '{}';
    keys text[] := '{}';
    n int;
    i int;
    it text;
    nm text;
    w text := '';
    dis text := '';
    exprs text[] := '{}';   -- bag: the output expressions, for a top-k's ties
    tie text;
    rk text;                -- window: the key of the outer rank filter
BEGIN
    IF rnd.chance(0.65) THEN
        w := ' WHERE ' || rnd.pred(2);
    END IF;
    -- the FROM item: plain, aliased, or ONLY
    x := random();
    IF x < 0.1 THEN
        tbl := 'ONLY ' || tbl;
    ELSIF x < 0.25 THEN
        tbl := tbl || ' AS src';
    END IF;
    x := random();

    IF x < 0.06 AND NOT rnd.disabled('bag') THEN
        kind := 'star';
        q := format('SELECT * FROM %s%s', tbl, w);
        -- the table's columns in its order (fastdefault moves h and u last)
        SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO cols
          FROM pg_attribute
         WHERE attrelid = regexp_replace(tbl, '^ONLY | AS src$', '', 'g')::regclass
           AND attnum > 0 AND NOT attisdropped;
        RETURN;
    ELSIF (x < 0.30 AND NOT rnd.disabled('bag')) OR (x < 0.45 AND NOT rnd.disabled('distinct')) THEN
        kind := CASE WHEN x < 0.30 THEN 'bag' ELSE 'distinct' END;
        IF kind = 'distinct' THEN
            dis := 'DISTINCT ';
        END IF;
        IF NOT rnd.disabled('text') AND rnd.chance(0.12) THEN
            -- two text columns: ('x,y','z') and ('x','y,z') must stay apart
            items := ARRAY['d', 'u'];
            names := ARRAY['d', 'u'];
            exprs := ARRAY['d', 'u'];
        END IF;
        n := rnd.ri(1, 4);
        FOR i IN 1..n LOOP
            it := rnd.pickf(rnd.proj_items(kind = 'distinct'));
            exprs := exprs || it;
            IF it ~ '^([a-z]+|"[^"]+")$' AND NOT btrim(it, '"') = ANY (names) THEN
                nm := btrim(it, '"');
                items := items || it;
            ELSE
                nm := rnd.out_name('x', i);
                items := items || format('%s AS %s', it, quote_ident(nm));
            END IF;
            names := names || nm;
        END LOOP;
        IF kind = 'bag' AND NOT ('id' = ANY (names)) AND rnd.chance(0.25) THEN
            items := items || 'id'::text;
            names := names || 'id'::text;
            exprs := exprs || 'id'::text;
        END IF;
        q := format('SELECT %s%s FROM %s%s', dis, array_to_string(items, ', '), tbl, w);
        IF kind = 'bag' AND NOT rnd.disabled('topk') AND w = '' AND rnd.chance(0.25) THEN
            -- row_number() <= k per group (k = 1 becomes a DISTINCT ON),
            -- ordered by an expression, then every output expression's text
            kind := 'row_number';
            it := rnd.pickf(rnd.proj_items(false));
            SELECT string_agg(format('(%s)::text COLLATE "C"', e), ', ') INTO tie FROM unnest(exprs) e;
            q := format('SELECT * FROM (SELECT %s, row_number() OVER (PARTITION BY %s ORDER BY %s%s, %s) AS rn_ FROM %s) s WHERE rn_ <= %s',
                        array_to_string(items, ', '), it, rnd.pickf(rnd.proj_items(false)),
                        rnd.pick(ARRAY['', ' DESC', ' NULLS FIRST']), tie,
                        regexp_replace(tbl, '^ONLY ', ''), rnd.ri(1, 3));
            names := names || 'rn_'::text;
        ELSIF kind = 'bag' AND NOT rnd.disabled('window') AND rnd.chance(0.2) THEN
            -- window functions over a partition (or the whole view), some
            -- ordered by an expression then the text of every column they
            -- and the output read (the query as written has one answer; all
            -- in one direction: rows equal in every column they read may
            -- pair their values from windows of opposite orders either way),
            -- ranks over ties; sometimes filtered on a rank by an outer query
            kind := 'window';
            -- (the key of the outer rank filter below is in the tie text
            -- too: rows tied on the rest but not on it would pair it with
            -- their order-sensitive values either way)
            rk := rnd.pickf(rnd.proj_items(false));
            SELECT string_agg(format('(%s)::text COLLATE "C"', e), ', ') INTO tie
              FROM unnest(exprs || ARRAY['a', 'b', 'c', 'id', rk]) e;
            it := CASE WHEN rnd.chance(0.8) THEN 'PARTITION BY ' || rnd.pickf(rnd.proj_items(true)) ELSE '' END;
            nm := rnd.pickf(rnd.proj_items(false));
            n := rnd.ri(1, 3);
            IF rnd.chance(0.35) THEN
                -- the append path (operators/window_append.c): running
                -- sums and counts sharing one ORDER BY of plain columns
                -- (RANGE frames: rows tied on it are peers, one answer)
                nm := rnd.pick(ARRAY['id', 'id DESC', 'a, id', 'id NULLS FIRST', 'b DESC NULLS LAST, id']);
                FOR i IN 1..n LOOP
                    items := items || format('%s AS %s', format(rnd.pick(ARRAY[
                        'sum(a) OVER (%1$s ORDER BY %2$s)',
                        'count(*) OVER (%1$s ORDER BY %2$s)',
                        'count(b) OVER (%1$s ORDER BY %2$s)',
                        'sum(c) OVER (%1$s ORDER BY %2$s RANGE UNBOUNDED PRECEDING)']), it, nm),
                        'w' || i || '_');
                    names := names || ('w' || i || '_');
                END LOOP;
                q := format('SELECT %s FROM %s%s', array_to_string(items, ', '), tbl, w);
            ELSE
            FOR i IN 1..n LOOP
                items := items || format('%s AS %s', format(rnd.pick(ARRAY[
                    'sum(a) OVER (%1$s ORDER BY %2$s, %3$s)',
                    'count(*) OVER (%1$s)',
                    'sum(c) OVER (%1$s)',
                    'rank() OVER (%1$s ORDER BY %2$s)',
                    'dense_rank() OVER (%1$s ORDER BY %2$s DESC)',
                    'cume_dist() OVER (%1$s ORDER BY %2$s NULLS FIRST)',
                    'lag(b) OVER (%1$s ORDER BY %2$s, %3$s)',
                    'lead(c, 2, 0) OVER (%1$s ORDER BY %2$s, %3$s)',
                    'first_value(b) OVER (%1$s ORDER BY %2$s, %3$s)',
                    'row_number() OVER (%1$s ORDER BY %2$s, %3$s)',
                    'ntile(3) OVER (%1$s ORDER BY %2$s, %3$s)',
                    'sum(c) OVER (%1$s ORDER BY %2$s, %3$s ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING)',
                    'max(a) OVER (%1$s ORDER BY %2$s)',
                    'count(b) FILTER (WHERE a > 1) OVER (%1$s ORDER BY %2$s)']), it, nm, tie),
                    'w' || i || '_');
                names := names || ('w' || i || '_');
            END LOOP;
            q := format('SELECT %s FROM %s%s', array_to_string(items, ', '), tbl, w);
            IF rnd.chance(0.3) THEN
                q := format('SELECT * FROM (SELECT %s, rank() OVER (%s ORDER BY %s DESC) AS r_ FROM %s%s) s WHERE r_ <= %s',
                            array_to_string(items, ', '), it, rk,
                            regexp_replace(tbl, '^ONLY ', ''), w, rnd.ri(1, 3));
                names := names || 'r_'::text;
            END IF;
            END IF;
        ELSIF kind = 'bag' AND NOT rnd.disabled('topk') AND rnd.chance(0.12) THEN
            -- DISTINCT ON (key): the first row of each group by another
            -- expression, then every output expression's text (one answer)
            kind := 'distinct_on';
            it := rnd.pickf(rnd.proj_items(false));
            SELECT string_agg(format('(%s)::text COLLATE "C"', e), ', ') INTO tie FROM unnest(exprs) e;
            q := format('SELECT DISTINCT ON (%s) %s FROM %s%s ORDER BY %s, %s%s, %s',
                        it, array_to_string(items, ', '), tbl, w, it,
                        rnd.pickf(rnd.proj_items(false)),
                        rnd.pick(ARRAY['', ' DESC', ' NULLS FIRST', ' DESC NULLS LAST']), tie);
        ELSIF kind = 'bag' AND NOT rnd.disabled('topk') AND rnd.chance(0.25) THEN
            -- ORDER BY ... LIMIT (top-k): a random key, then every output
            -- expression's text, so rows tied on all of it print the same
            -- and the query as written has one answer to compare with
            kind := 'topk';
            SELECT string_agg(format('(%s)::text COLLATE "C"', e), ', ') INTO tie FROM unnest(exprs) e;
            q := q || format(' ORDER BY %s%s%s, %s LIMIT %s%s',
                             rnd.pickf(rnd.proj_items(false)),
                             rnd.pick(ARRAY['', ' DESC', ' ASC']),
                             rnd.pick(ARRAY['', '', ' NULLS FIRST', ' NULLS LAST']),
                             tie, rnd.ri(0, 6),
                             CASE WHEN rnd.chance(0.3) THEN ' OFFSET ' || rnd.ri(1, 4) ELSE '' END);
        ELSIF kind = 'bag' AND NOT rnd.disabled('topk') AND rnd.chance(0.1) THEN
            -- FETCH FIRST n ROWS WITH TIES: a random key alone, no tie
            -- text (every row tied with the n-th is in, one answer)
            kind := 'topk';
            q := q || format(' ORDER BY %s%s%s FETCH FIRST %s ROWS WITH TIES',
                             rnd.pickf(rnd.proj_items(false)),
                             rnd.pick(ARRAY['', ' DESC', ' ASC']),
                             rnd.pick(ARRAY['', '', ' NULLS FIRST', ' NULLS LAST']),
                             rnd.ri(0, 6));
        END IF;
    ELSIF (x < 0.85 AND NOT rnd.disabled('groupby')) OR rnd.disabled('global') THEN
        kind := 'groupby';
        n := rnd.ri(1, 2);
        FOR i IN 1..n LOOP
            it := rnd.pickf(rnd.group_keys());
            IF it = ANY (keys) THEN
                CONTINUE;
            END IF;
            keys := keys || it;
            IF rnd.chance(0.85) THEN
                IF it ~ '^([a-z]+|"[^"]+")$' THEN
                    nm := btrim(it, '"');
                    items := items || it;
                ELSE
                    nm := rnd.out_name('k', i);
                    items := items || format('%s AS %s', it, quote_ident(nm));
                END IF;
                names := names || nm;
            END IF;
        END LOOP;
        IF rnd.chance(0.2) THEN
            -- an expression over a group key and an aggregate
            nm := rnd.out_name('y', 1);
            items := items || format('coalesce((%s)::text, ''-'') || '':'' || count(*)::text AS %s', keys[1], quote_ident(nm));
            names := names || nm;
        END IF;
        n := rnd.ri(1, 3);
        FOR i IN 1..n LOOP
            it := rnd.pickf(rnd.aggregates());
            nm := rnd.out_name('x', i);
            items := items || format('%s AS %s', it, quote_ident(nm));
            names := names || nm;
        END LOOP;
        q := format('SELECT %s FROM %s%s GROUP BY %s',
                    array_to_string(items, ', '), tbl, w, array_to_string(keys, ', '));
        IF NOT rnd.disabled('having') AND rnd.chance(0.15) THEN
            q := q || ' HAVING ' || rnd.having();
        END IF;
    ELSE
        kind := 'global';
        n := rnd.ri(1, 3);
        FOR i IN 1..n LOOP
            it := rnd.pickf(rnd.aggregates());
            nm := rnd.out_name('x', i);
            items := items || format('%s AS %s', it, quote_ident(nm));
            names := names || nm;
        END LOOP;
        q := format('SELECT %s FROM %s%s', array_to_string(items, ', '), tbl, w);
        IF NOT rnd.disabled('having') AND rnd.chance(0.05) THEN
            q := q || ' HAVING ' || rnd.having();   -- zero or one row
        END IF;
    END IF;
    SELECT string_agg(quote_ident(z.col_name), ', ' ORDER BY z.ord) INTO cols
      FROM unnest(names) WITH ORDINALITY AS z(col_name, ord);
END $$;

-- ------------------------------------------------------------------
-- DML
-- ------------------------------------------------------------------

CREATE FUNCTION rnd.insert_cols(pk bool) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    IF pk THEN
        RETURN rnd.datacols();
    END IF;
    RETURN ARRAY['id'] || rnd.datacols();
END $$;

CREATE FUNCTION rnd.gen_insert_values(tbl text, pk bool) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    cols text[] := rnd.insert_cols(pk);
    rows text[] := '{}';
    vals text[];
    c text;
    n int := rnd.ri(1, 5);
    i int;
BEGIN
    FOR i IN 1..n LOOP
        IF i > 1 AND rnd.chance(0.3) THEN
            rows := rows || rows[rnd.ri(1, i - 1)];   -- an exact duplicate
            CONTINUE;
        END IF;
        vals := '{}';
        FOREACH c IN ARRAY cols LOOP
            vals := vals || rnd.lit(c, tbl);
        END LOOP;
        rows := rows || ('(' || array_to_string(vals, ', ') || ')');
    END LOOP;
    RETURN format('INSERT INTO %s (%s) VALUES %s', tbl, array_to_string(cols, ', '),
                  array_to_string(rows, ', '));
END $$;

CREATE FUNCTION rnd.gen_insert_select(tbl text, pk bool, n int, failing bool DEFAULT false) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    cols text[] := rnd.insert_cols(pk);
    exprs text[] := '{}';
    c text;
BEGIN
    FOREACH c IN ARRAY cols LOOP
        exprs := exprs || rnd.series_expr(c, tbl, CASE WHEN failing AND c = 'a' THEN n END);
    END LOOP;
    RETURN format('INSERT INTO %s (%s) SELECT %s FROM generate_series(1, %s) AS i',
                  tbl, array_to_string(cols, ', '), array_to_string(exprs, ', '), n);
END $$;

CREATE FUNCTION rnd.gen_assignment(tbl text) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    col text := rnd.pick(ARRAY['a', 'a', 'b', 'b', 'c', 'd', 'd', 'e', 'f', 'g', 's', 'h', 'r',
                               'u', '"Q q"', 'ref', 'pad', 'pad']);
BEGIN
    IF rnd.chance(0.15) THEN
        RETURN format('%s = %s', col, col);          -- no-op
    END IF;
    CASE col
    WHEN 'a' THEN
        RETURN rnd.pick(ARRAY['a = ' || rnd.lit('a'), 'a = (coalesce(a, 0) + 1) % 6', 'a = b']);
    WHEN 'b' THEN
        RETURN rnd.pick(ARRAY['b = ' || rnd.lit('b'), 'b = NULL', 'b = coalesce(b, a)']);
    WHEN 'c' THEN
        RETURN rnd.pick(ARRAY['c = ' || rnd.lit('c'), 'c = c + 0.25']);
    WHEN 'd' THEN
        RETURN rnd.pick(ARRAY['d = ' || rnd.lit('d'), 'd = coalesce(d, ''z'')', 'd = u']);
    WHEN 'u' THEN
        RETURN rnd.pick(ARRAY['u = ' || rnd.lit('u'), 'u = d']);
    WHEN 'e' THEN
        RETURN rnd.pick(ARRAY['e = ' || rnd.lit('e'), 'e = e + 0.5']);
    WHEN 'f' THEN
        RETURN rnd.pick(ARRAY['f = ' || rnd.lit('f'), 'f = NOT f']);
    WHEN 'g' THEN
        RETURN rnd.pick(ARRAY['g = ' || rnd.lit('g'), 'g = g + 0.5', 'g = g * 2']);
    WHEN 's' THEN
        RETURN rnd.pick(ARRAY['s = ' || rnd.lit('s'), 's = (s + 1) % 4']);
    WHEN 'h' THEN
        RETURN rnd.pick(ARRAY['h = ' || rnd.lit('h'), 'h = -h']);
    WHEN 'r' THEN
        RETURN rnd.pick(ARRAY['r = ' || rnd.lit('r'), 'r = r + 0.25']);
    WHEN '"Q q"' THEN
        RETURN '"Q q" = ' || rnd.lit('"Q q"');
    WHEN 'ref' THEN
        RETURN 'ref = ' || rnd.lit('ref', tbl);
    WHEN 'pad' THEN
        RETURN 'pad = ' || rnd.lit('pad');
    END CASE;
END $$;

CREATE FUNCTION rnd.gen_sets(tbl text, nmax int) RETURNS text[]
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    sets text[] := '{}';
    c text;
    i int;
BEGIN
    FOR i IN 1..rnd.ri(1, nmax) LOOP
        c := rnd.gen_assignment(tbl);
        CONTINUE WHEN split_part(c, ' = ', 1) IN (SELECT split_part(z, ' = ', 1) FROM unnest(sets) z);
        sets := sets || c;
    END LOOP;
    RETURN sets;
END $$;

-- one random DML statement on tbl (COPY: two statements separated by ";\n");
-- other = the round's other base table or NULL
CREATE FUNCTION rnd.gen_dml(tbl text, pk bool, other text, other_pk bool) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    n bigint;
    x float8;
    sets text[];
    cols text[] := rnd.insert_cols(pk);
    i int;
    w text;
    ids int[];
    rows text[];
    vals text[];
    c text;
BEGIN
    EXECUTE format('SELECT count(*) FROM %s', tbl) INTO n;
    x := random();
    IF n > 250 THEN
        x := 0.50 + random() * 0.18;                -- shrink: deletes
    ELSIF n < 8 AND x > 0.4 THEN
        x := random() * 0.25;                       -- grow: inserts
    END IF;

    IF x < 0.006 AND n < 100 AND NOT rnd.disabled('bulk') THEN
        -- a big statement: transition tables spill past work_mem
        RETURN replace(rnd.gen_insert_select(tbl, pk, rnd.ri(800, 1500)),
                       '''p'' ||', 'repeat(''p'', 200) ||');
    END IF;
    IF x < 0.15 THEN
        RETURN rnd.gen_insert_values(tbl, pk);
    ELSIF x < 0.25 THEN
        RETURN rnd.gen_insert_select(tbl, pk, rnd.ri(1, 30));
    ELSIF x < 0.50 THEN
        sets := rnd.gen_sets(tbl, 3);
        IF rnd.chance(0.06) THEN
            IF pk THEN
                -- move rows to new keys; one-way so keys never collide
                RETURN format('UPDATE %s SET id = id + 1000000, %s WHERE id BETWEEN 1 AND 999999 AND %s',
                              tbl, array_to_string(sets, ', '), rnd.pred(1));
            END IF;
            sets := sets || ('id = ' || rnd.lit('id'));
        END IF;
        IF rnd.chance(0.15) THEN
            RETURN format('UPDATE %s SET %s', tbl, array_to_string(sets, ', '));
        END IF;
        RETURN format('UPDATE %s SET %s WHERE %s', tbl, array_to_string(sets, ', '), rnd.pred(2));
    ELSIF x < 0.68 THEN
        IF n > 250 THEN
            RETURN format('DELETE FROM %s WHERE (id %% 3 <> 0 OR %s)', tbl, rnd.pred(1));
        END IF;
        IF rnd.chance(0.03) THEN
            RETURN format('DELETE FROM %s', tbl);
        END IF;
        RETURN format('DELETE FROM %s WHERE %s', tbl, rnd.pred(2));
    ELSIF x < 0.70 AND NOT rnd.disabled('truncate') THEN
        IF tbl = rnd.setting('fkparent') THEN
            RETURN format('TRUNCATE %s CASCADE', tbl);
        ELSIF other IS NOT NULL AND rnd.chance(0.25) THEN
            RETURN format('TRUNCATE %s, %s', tbl, other);
        END IF;
        RETURN format('TRUNCATE %s', tbl);
    ELSIF x < 0.78 AND pk AND NOT rnd.disabled('upsert') THEN
        IF rnd.chance(0.4) THEN
            -- re-insert existing rows: all conflict
            w := rnd.pred(1);
            RETURN format('INSERT INTO %1$s AS tt (id, a, b, d, g) SELECT id, %2$s, %3$s, %4$s, %5$s FROM %1$s WHERE %6$s '
                          'ON CONFLICT (id) DO UPDATE SET a = EXCLUDED.a, b = (coalesce(tt.b, 0) + 1) %% 6, '
                          'd = EXCLUDED.d, g = EXCLUDED.g',
                          tbl, rnd.lit('a'), rnd.lit('b'), rnd.lit('d'), rnd.lit('g'), w);
        END IF;
        -- ids -1..-12: a key range of their own (serial ids are positive)
        ids := '{}';
        rows := '{}';
        FOR i IN 1..rnd.ri(1, 4) LOOP
            n := -rnd.ri(1, 12);
            CONTINUE WHEN n = ANY (ids);
            ids := ids || n::int;
            vals := ARRAY[n::text];
            FOREACH c IN ARRAY rnd.datacols() LOOP
                vals := vals || rnd.lit(c, tbl);
            END LOOP;
            rows := rows || ('(' || array_to_string(vals, ', ') || ')');
        END LOOP;
        IF rnd.chance(0.25) THEN
            RETURN format('INSERT INTO %s (id, %s) VALUES %s ON CONFLICT (id) DO NOTHING',
                          tbl, array_to_string(rnd.datacols(), ', '), array_to_string(rows, ', '));
        END IF;
        RETURN format('INSERT INTO %1$s AS tt (id, %2$s) VALUES %3$s ON CONFLICT (id) DO UPDATE SET '
                      'a = EXCLUDED.a, c = EXCLUDED.c, d = EXCLUDED.d, e = EXCLUDED.e, g = tt.g, pad = EXCLUDED.pad%4$s',
                      tbl, array_to_string(rnd.datacols(), ', '), array_to_string(rows, ', '),
                      CASE WHEN rnd.chance(0.3) THEN ' WHERE tt.b IS DISTINCT FROM 2' ELSE '' END);
    ELSIF x < 0.84 AND NOT rnd.disabled('merge') THEN
        -- MERGE with distinct source ids: some existing, some new
        ids := '{}';
        rows := '{}';
        FOR i IN 1..rnd.ri(1, 5) LOOP
            IF pk THEN
                IF rnd.chance(0.5) THEN
                    EXECUTE format('SELECT coalesce((SELECT id FROM %s ORDER BY id OFFSET %s LIMIT 1), -1)',
                                   tbl, rnd.ri(0, 20)) INTO n;
                ELSE
                    n := -rnd.ri(1, 12);
                END IF;
            ELSE
                n := rnd.ri(1, 7);
            END IF;
            CONTINUE WHEN n = ANY (ids);
            ids := ids || n::int;
            rows := rows || format('(%s, %s::int, %s::text, %s::numeric)', n, rnd.lit('a'), rnd.lit('d'), rnd.lit('g'));
        END LOOP;
        RETURN format('MERGE INTO %1$s t USING (VALUES %2$s) AS src(id, a, d, g) ON t.id = src.id '
                      'WHEN MATCHED AND src.a IS NULL THEN DELETE '
                      'WHEN MATCHED THEN UPDATE SET a = src.a, d = src.d, b = coalesce(t.b, 0) %% 5 + 1 '
                      'WHEN NOT MATCHED THEN INSERT (%3$sa, d, g) VALUES (%4$ssrc.a, src.d, src.g)',
                      tbl, array_to_string(rows, ', '),
                      CASE WHEN pk THEN '' ELSE 'id, ' END, CASE WHEN pk THEN '' ELSE 'src.id, ' END);
    ELSIF x < 0.88 AND NOT rnd.disabled('copy') THEN
        -- COPY FROM a file holding copies of some existing rows.  Floats go
        -- out as numeric: float text follows extra_float_digits (a writer's
        -- odd setting prints 0.25 as 0.2), and a float sum over inputs that
        -- are not multiples of 0.25 depends on the order rows are added,
        -- for the query as for the view (README, exactness notes)
        RETURN format('COPY (SELECT %6$s FROM %1$s WHERE %3$s ORDER BY id LIMIT %4$s) TO %5$L;' || chr(10)
                      || 'COPY %1$s (%2$s) FROM %5$L',
                      tbl, array_to_string(cols, ', '), rnd.pred(1), rnd.ri(1, 20),
                      current_setting('data_directory') || '/' || current_database() || rnd.setting('copytag') || '_copy.data',
                      array_to_string(ARRAY(SELECT CASE WHEN col IN ('e', 'r') THEN col || '::numeric' ELSE col END
                                            FROM unnest(cols) AS u(col)), ', '));
    ELSIF x < 0.95 AND NOT rnd.disabled('cte') THEN
        -- data-modifying CTEs: two modifications in one statement
        i := rnd.ri(1, CASE WHEN other IS NULL THEN 3 ELSE 5 END);
        IF i = 1 THEN
            RETURN format('WITH del AS (DELETE FROM %1$s WHERE %2$s RETURNING a, b, d, g) '
                          'INSERT INTO %1$s (a, b, d, g, pad) SELECT b, a, d, g, ''moved'' FROM del',
                          tbl, rnd.pred(1));
        ELSIF i = 2 THEN
            RETURN format('WITH up AS (UPDATE %1$s SET %2$s WHERE %3$s RETURNING id) DELETE FROM %1$s WHERE %4$s',
                          tbl, array_to_string(rnd.gen_sets(tbl, 2), ', '), rnd.pred(1), rnd.pred(1));
        ELSIF i = 3 THEN
            RETURN format('WITH ins AS (%2$s RETURNING id) UPDATE %1$s SET %3$s WHERE %4$s',
                          tbl, rnd.gen_insert_values(tbl, pk), array_to_string(rnd.gen_sets(tbl, 2), ', '),
                          rnd.pred(1));
        ELSIF i = 4 THEN
            RETURN format('WITH del AS (DELETE FROM %1$s WHERE %3$s RETURNING a, b, d) '
                          'INSERT INTO %2$s (a, b, d, pad) SELECT a, b, d, ''moved'' FROM del',
                          tbl, other, rnd.pred(1));
        ELSIF ARRAY[tbl, other] <@ ARRAY[rnd.setting('fkchild'), rnd.setting('fkparent')] THEN
            -- not both ends of the foreign key in one statement: PostgreSQL's
            -- own check of a child row updated in the CTE fails (23503) when
            -- the main query updates the parent row it references (the check
            -- meets the row "already updated by self")
            RETURN format('WITH up AS (UPDATE %1$s SET %2$s WHERE %3$s RETURNING id) DELETE FROM %1$s WHERE %4$s',
                          tbl, array_to_string(rnd.gen_sets(tbl, 2), ', '), rnd.pred(1), rnd.pred(1));
        ELSE
            RETURN format('WITH up AS (UPDATE %1$s SET %3$s WHERE %4$s RETURNING a) '
                          'UPDATE %2$s SET b = coalesce(b, 0) %% 5 + 1 WHERE a IN (SELECT a FROM up)',
                          tbl, other, array_to_string(rnd.gen_sets(tbl, 2), ', '), rnd.pred(1));
        END IF;
    ELSIF other IS NOT NULL AND NOT rnd.disabled('join') THEN
        IF rnd.chance(0.5) THEN
            RETURN format('UPDATE %1$s AS tt SET a = s.a, pad = ''joined'' FROM (SELECT id, max(a) AS a FROM %2$s GROUP BY id) AS s '
                          'WHERE tt.id = s.id', tbl, other);
        END IF;
        RETURN format('DELETE FROM %1$s AS tt USING %2$s AS oo WHERE tt.id = oo.id AND oo.b > %3$s',
                      tbl, other, rnd.ri(0, 4));
    END IF;
    RETURN rnd.gen_insert_values(tbl, pk);
END $$;

-- a statement that fails with division_by_zero after touching some rows
CREATE FUNCTION rnd.gen_failing(tbl text, pk bool) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    IF rnd.chance(0.5) THEN
        RETURN rnd.gen_insert_select(tbl, pk, rnd.ri(2, 20), true);
    ELSIF rnd.chance(0.5) THEN
        RETURN format('UPDATE %s SET b = CASE WHEN a = %s THEN 1 / (coalesce(b, 0) - coalesce(b, 0)) ELSE (coalesce(b, 0) + 1) %% 6 END',
                      tbl, rnd.ri(0, 5));
    END IF;
    RETURN format('DELETE FROM %s WHERE a IS NULL OR b / (coalesce(a, 0) * 0) > 0', tbl);
END $$;

-- user row triggers on a base table: a BEFORE trigger that skips some rows
-- and rewrites others, and (on t1) an AFTER trigger running nested DML on
-- the same table and on the other one
CREATE FUNCTION rnd.user_trigger_ddl(tbl text, idx int, other text) RETURNS text[]
LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
    ddl text[] := '{}';
BEGIN
    IF rnd.chance(0.5) THEN
        ddl := ddl || format($f$CREATE FUNCTION rt.user_before_%1$s() RETURNS trigger LANGUAGE plpgsql AS $b$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.pad = 'p7' AND %2$s THEN RETURN NULL; END IF;
        RETURN OLD;
    END IF;
    IF NEW.pad = 'p13' AND %2$s THEN RETURN NULL; END IF;
    IF NEW.a = 5 THEN NEW.b := 5 - coalesce(NEW.b, 0); END IF;
    RETURN NEW;
END $b$$f$, idx, CASE WHEN tbl = rnd.setting('fkchild') THEN 'false' ELSE 'true' END);
        ddl := ddl || format('CREATE TRIGGER %s BEFORE INSERT OR UPDATE OR DELETE ON %s FOR EACH ROW EXECUTE FUNCTION rt.user_before_%s()',
                             rnd.pick(ARRAY['aa_user_before', 'zz_user_before']), tbl, idx);
    END IF;
    IF idx = 1 AND rnd.chance(0.6) THEN
        ddl := ddl || format($f$CREATE FUNCTION rt.user_after_%1$s() RETURNS trigger LANGUAGE plpgsql AS $b$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.a = 4 AND NEW.pad <> 'fromtrig' THEN
            INSERT INTO %2$s (a, b, d, pad) VALUES (NEW.a, NEW.b, NEW.d, 'fromtrig');
        END IF;
    ELSIF TG_OP = 'UPDATE' THEN
        IF NEW.a = 0 AND OLD.a IS DISTINCT FROM 0 THEN
            UPDATE %3$s SET pad = 'trig' WHERE id = NEW.id;
        END IF;
    ELSIF OLD.b = 3 THEN
        DELETE FROM %2$s WHERE a = OLD.a AND b = 2;
    END IF;
    RETURN NULL;
END $b$$f$, idx, coalesce(other, tbl), tbl);
        ddl := ddl || format('CREATE TRIGGER %s AFTER INSERT OR UPDATE OR DELETE ON %s FOR EACH ROW EXECUTE FUNCTION rt.user_after_%s()',
                             rnd.pick(ARRAY['aa_user_after', 'zz_user_after']), tbl, idx);
    END IF;
    RETURN ddl;
END $fn$;

-- ------------------------------------------------------------------
-- checking
-- ------------------------------------------------------------------

-- rows where the result table (visible columns, by name) and a fresh run of
-- the original query differ, compared as text multisets

-- Check the given views; bad = index of the first wrong one (0 = all fine)
-- Writers' odd settings: a view is a function of its tables, not of the
-- writer's session.  rnd.odd_settings() gives the session (the writer) odd
-- output and parse styles for the rest of a round; rnd.check_all compares
-- under the defaults (the oracle's query text must mean what it meant at
-- creation) and gives the odd ones back.
CREATE FUNCTION rnd.odd_settings() RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    names text[] := ARRAY['extra_float_digits', 'bytea_output', 'DateStyle',
                          'IntervalStyle', 'TimeZone'];
    vals text[] := ARRAY[(ARRAY['0', '-15', '-3', '3'])[rnd.ri(1, 4)], 'escape', 'SQL, DMY',
                         'sql_standard', (ARRAY['Pacific/Chatham', 'America/St_Johns'])[rnd.ri(1, 2)]];
    i int;
    out text := '';
BEGIN
    FOR i IN 1..array_length(names, 1) LOOP
        CONTINUE WHEN rnd.chance(0.3);
        PERFORM set_config(names[i], vals[i], false);
        out := out || format('SET %s = %L; ', names[i], vals[i]);
    END LOOP;
    RETURN out;
END $$;

CREATE FUNCTION rnd.odd_names() RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
    SELECT ARRAY['extra_float_digits', 'bytea_output', 'DateStyle', 'IntervalStyle', 'TimeZone']
$$;

-- how: 'all' (oracle.check_all: every view) or 'between' (between the
-- statements of a transaction: oracle.between_check, no check, some views
-- read in various forms, or all; script: its reads for the replay script)
CREATE FUNCTION rnd.check_all(vnames text[], vqueries text[], vcols text[], how text DEFAULT 'all',
                              OUT bad int, OUT vname text, OUT vquery text, OUT vcol text,
                              OUT detail text, OUT script text)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    i int;
    saved text[] := '{}';
BEGIN
    bad := 0;
    script := '';
    -- the oracle runs under the defaults; the writer's odd settings come back after
    FOR i IN 1..array_length(rnd.odd_names(), 1) LOOP
        saved := saved || current_setting((rnd.odd_names())[i]);
        PERFORM set_config((rnd.odd_names())[i],
                           (SELECT reset_val FROM pg_settings WHERE name = (rnd.odd_names())[i]), false);
    END LOOP;
    IF how = 'between' THEN
        SELECT o.bad, o.vname, o.vquery, o.vcol, o.detail, o.script INTO bad, vname, vquery, vcol, detail, script
          FROM oracle.between_check(vnames, vqueries, vcols, NOT rnd.disabled('copy')) o;
    ELSE
        SELECT o.bad, o.vname, o.vquery, o.vcol, o.detail INTO bad, vname, vquery, vcol, detail
          FROM oracle.check_all(vnames, vqueries, vcols) o;
    END IF;
    FOR i IN 1..array_length(rnd.odd_names(), 1) LOOP
        PERFORM set_config((rnd.odd_names())[i], saved[i], false);
    END LOOP;
END $$;



-- statement accounting: vseen[i] = DML statements run on view i's base table while it was live
CREATE FUNCTION rnd.bump(vseen int[], vtabs int[], nlive int, t int) RETURNS int[]
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    i int;
BEGIN
    FOR i IN 1..nlive LOOP
        IF vtabs[i] = t THEN
            vseen[i] := vseen[i] + 1;
        END IF;
    END LOOP;
    RETURN vseen;
END $$;

-- does a view on table t still need statements (not yet created, or seen < s)?
CREATE FUNCTION rnd.need(t int, vtabs int[], vseen int[], nlive int, s int) RETURNS bool
LANGUAGE sql IMMUTABLE AS $$
    SELECT EXISTS (SELECT FROM generate_subscripts(vtabs, 1) i
                    WHERE vtabs[i] = t AND (i > nlive OR vseen[i] < s))
$$;

CREATE FUNCTION rnd.done(vseen int[], nlive int, nviews int, s int) RETURNS bool
LANGUAGE sql IMMUTABLE AS $$
    SELECT nlive = nviews AND (SELECT min(u.n) FROM unnest(vseen) AS u(n)) >= s
$$;

-- the base table for the next statement: random, preferring one whose views still need statements
CREATE FUNCTION rnd.pick_table(ntab int, vtabs int[], vseen int[], nlive int, s int) RETURNS int
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    t int := rnd.ri(1, ntab);
BEGIN
    IF ntab = 2 AND NOT rnd.need(t, vtabs, vseen, nlive, s) THEN
        t := 3 - t;
    END IF;
    RETURN t;
END $$;

CREATE FUNCTION rnd.dml_for(tabs text[], pks bool[], t int) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    IF array_length(tabs, 1) = 2 THEN
        RETURN rnd.gen_dml(tabs[t], pks[t], tabs[3 - t], pks[3 - t]);
    END IF;
    RETURN rnd.gen_dml(tabs[t], pks[t], NULL, NULL);
END $$;

-- delete every row of every base table, check every view, roll back
CREATE FUNCTION rnd.drain_check(tabs text[], vnames text[], vqueries text[], vcols text[],
                                OUT bad int, OUT vname text, OUT vquery text, OUT vcol text,
                                OUT detail text, OUT stmt text)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    i int;
    chk record;
BEGIN
    stmt := 'BEGIN;';
    FOR i IN REVERSE array_length(tabs, 1)..1 LOOP
        stmt := stmt || format(' DELETE FROM %s;', tabs[i]);
    END LOOP;
    BEGIN
        FOR i IN REVERSE array_length(tabs, 1)..1 LOOP
            EXECUTE format('DELETE FROM %s', tabs[i]);
        END LOOP;
        SELECT * INTO chk FROM rnd.check_all(vnames, vqueries, vcols);
        RAISE EXCEPTION USING ERRCODE = 'RB001';
    EXCEPTION WHEN SQLSTATE 'RB001' THEN
        NULL;
    END;
    bad := chk.bad;
    vname := chk.vname;
    vquery := chk.vquery;
    vcol := chk.vcol;
    detail := chk.detail;
END $$;

CREATE PROCEDURE rnd.cleanup()
LANGUAGE plpgsql AS $$
DECLARE
    v regclass;
BEGIN
    PERFORM set_config('client_min_messages', 'warning', true);
    FOR v IN SELECT name FROM stepping.views
              WHERE name::text LIKE 'rv.%' OR name::text LIKE 'rt.%' LOOP
        PERFORM stepping.drop_view(v);
    END LOOP;
    DROP SCHEMA IF EXISTS rv CASCADE;
    DROP SCHEMA IF EXISTS rt CASCADE;
END $$;

-- ------------------------------------------------------------------
-- one round
-- ------------------------------------------------------------------

CREATE PROCEDURE rnd.run_round(p_seed bigint, p_round int, p_nviews int, p_nstmts int,
                               p_trace bool DEFAULT false, p_disable text DEFAULT '',
                               p_phase int DEFAULT 0, p_apply text DEFAULT 'mixed')
LANGUAGE plpgsql AS $proc$
DECLARE
    line text;
    t0 timestamptz := clock_timestamp();
    ntab int;
    tabs text[] := '{}';
    pks bool[] := '{}';
    vnames text[] := '{}';
    vqueries text[] := '{}';
    vcols text[] := '{}';
    vtabs int[] := '{}';
    vseen int[];
    nlive int := 0;
    nearly int;
    total int;
    i int;
    j int;
    k int;
    t int;
    nst int;
    stmt text;
    ddl text;
    fkc text;
    x float8;
    gv record;
    chk record;
    f_chk record;
    st record;
    script text[] := '{}';
    nstmts int := 0;
    nchecks bigint := 0;
    f_kind text;
    f_stmt text;
    f_script text[];
    endtx text;
    sabotaged bool := false;
    ln text[];
    lq text[];
    lc text[];
BEGIN
    PERFORM set_config('rnd.disable', coalesce(p_disable, ''), false);
    PERFORM set_config('rnd.trace', CASE WHEN p_trace THEN 'on' ELSE 'off' END, false);

    IF p_phase IN (0, 1) THEN
        PERFORM setseed(hashint8(p_seed * 100003 + p_round)::float8 / 2147483648.0);
        PERFORM set_config('rnd.mixed',
                           CASE WHEN NOT rnd.disabled('mixed') AND rnd.chance(0.5) THEN 'on' ELSE 'off' END, false);
        PERFORM set_config('rnd.fkchild', '', false);
        PERFORM set_config('rnd.fkparent', '', false);
        CALL rnd.cleanup();
        DELETE FROM rnd.rstate;
        COMMIT;

        script := script || rnd.note(format('-- stepping random test: seed %s round %s (g mixed-scale: %s)',
                                            p_seed, p_round, rnd.setting('mixed')))
                         || rnd.note('CREATE EXTENSION IF NOT EXISTS stepping;')
                         || rnd.note('CREATE SCHEMA IF NOT EXISTS rnd;')
                         || rnd.note('CREATE OR REPLACE FUNCTION rnd.twice(x int) RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT x * 2 $$;')
                         || rnd.note('CREATE OR REPLACE FUNCTION rnd.label(x text) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $$ BEGIN RETURN ''L:'' || coalesce(x, ''-''); END $$;')
                         || rnd.note('DROP SCHEMA IF EXISTS rv, rt CASCADE;')
                         || rnd.note('CREATE SCHEMA rt;')
                         || rnd.note('CREATE SCHEMA rv;');
        CREATE SCHEMA rt;
        CREATE SCHEMA rv;

        -- base tables
        ntab := rnd.ri(1, 2);
        FOR i IN 1..ntab LOOP
            tabs := tabs || CASE WHEN i = 2 AND NOT rnd.disabled('quoted') AND rnd.chance(0.3)
                                 THEN 'rt."T 2"' ELSE 'rt.t' || i END;
            pks := pks || (rnd.disabled('nopk') OR rnd.chance(0.7));
            fkc := '';
            IF i = 2 AND pks[1] AND NOT rnd.disabled('fk') AND rnd.chance(0.5) THEN
                fkc := format(' REFERENCES %s (id) ON DELETE %s ON UPDATE CASCADE',
                              tabs[1], rnd.pick(ARRAY['CASCADE', 'SET NULL']));
                PERFORM set_config('rnd.fkchild', tabs[2], false);
                PERFORM set_config('rnd.fkparent', tabs[1], false);
            END IF;
            ddl := format('CREATE TABLE %s (id %s, a int, b int, c numeric(10,2), d text, e float8, f bool, '
                          'g numeric, s int2, h int8, r float4, u text, "Q q" int, ref int%s, pad text, gen int GENERATED ALWAYS AS (coalesce(a, 0) * 10 + coalesce(b, 0)) STORED%s)',
                          tabs[i], CASE WHEN pks[i] THEN 'serial PRIMARY KEY' ELSE 'int' END, fkc,
                          CASE WHEN NOT rnd.disabled('dropcol') AND rnd.chance(0.3) THEN ', junk int' ELSE '' END);
            EXECUTE ddl;
            script := script || rnd.note(ddl || ';');
            IF ddl LIKE '%junk%' THEN
                -- a dropped column: attribute numbers no longer match positions
                ddl := format('ALTER TABLE %s DROP COLUMN junk', tabs[i]);
                EXECUTE ddl;
                script := script || rnd.note(ddl || ';');
            END IF;
        END LOOP;
        IF NOT rnd.disabled('triggers') THEN
            FOR i IN 1..ntab LOOP
                CONTINUE WHEN NOT rnd.chance(0.3);
                FOREACH ddl IN ARRAY rnd.user_trigger_ddl(tabs[i], i, tabs[2]) LOOP
                    EXECUTE ddl;
                    script := script || rnd.note(ddl || ';');
                END LOOP;
            END LOOP;
        END IF;
        FOR i IN 1..ntab LOOP
            nst := rnd.ri(0, 40);
            IF nst > 0 THEN
                stmt := rnd.gen_insert_select(tabs[i], pks[i], nst);
                EXECUTE stmt;
                script := script || rnd.note(stmt || ';');
            END IF;
            IF nst > 0 AND NOT rnd.disabled('fastdefault') AND rnd.chance(0.3) THEN
                -- h and u again, with a DEFAULT: the rows so far keep their
                -- shorter tuples and read them from attmissingval
                FOREACH ddl IN ARRAY ARRAY[
                    format('ALTER TABLE %s DROP COLUMN h, DROP COLUMN u', tabs[i]),
                    format('ALTER TABLE %s ADD COLUMN h int8 DEFAULT %s', tabs[i],
                           rnd.pick(ARRAY['0', '1', '-7', '3000000000'])),
                    format('ALTER TABLE %s ADD COLUMN u text DEFAULT %s', tabs[i],
                           rnd.pick(ARRAY['''x''', '''x,y''', '''''']))] LOOP
                    EXECUTE ddl;
                    script := script || rnd.note(ddl || ';');
                END LOOP;
            END IF;
        END LOOP;

        -- view definitions; the first ones are created now, the rest after a third of the statements
        FOR i IN 1..p_nviews LOOP
            t := CASE WHEN i <= ntab THEN i ELSE rnd.ri(1, ntab) END;
            SELECT * INTO gv FROM rnd.gen_view(tabs[t]);
            vnames := vnames || CASE WHEN NOT rnd.disabled('quoted') AND rnd.chance(0.05)
                                     THEN 'rv."V ' || i || '"' ELSE 'rv.v' || i END;
            vqueries := vqueries || gv.q;
            vcols := vcols || gv.cols;
            vtabs := vtabs || t;
        END LOOP;
    ELSE
        -- phase 2: a new session continues the round
        SELECT * INTO st FROM rnd.rstate WHERE seed = p_seed AND round = p_round;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'rnd: no phase-1 state for seed % round %', p_seed, p_round;
        END IF;
        tabs := st.tabs; pks := st.pks; vnames := st.vnames; vqueries := st.vqueries;
        vcols := st.vcols; vtabs := st.vtabs; nlive := st.nlive; nchecks := st.nchecks;
        script := st.script; t0 := st.t0;
        PERFORM set_config('rnd.mixed', st.settings[1], false);
        PERFORM set_config('rnd.fkchild', st.settings[2], false);
        PERFORM set_config('rnd.fkparent', st.settings[3], false);
        PERFORM setseed(hashint8(p_seed * 100003 + p_round + 77777)::float8 / 2147483648.0);
        script := script || rnd.note('\c');
        IF NOT rnd.disabled('workmem') AND rnd.chance(0.3) THEN
            -- tiny work_mem: captured deltas and transition tables spill to disk
            EXECUTE 'SET work_mem = ''64kB''';
            script := script || rnd.note('SET work_mem = ''64kB'';');
        END IF;
        COMMIT;   -- the settings above must survive a ROLLBACK of the first transaction
    END IF;

    ntab := array_length(tabs, 1);
    vseen := array_fill(0, ARRAY[p_nviews]);
    nearly := greatest(1, ceil(p_nviews * 0.7)::int);
    total := p_nstmts * ntab;

    IF p_phase = 2 THEN
        -- concurrent workers (run.sh --concurrency) may have run since phase 1
        SELECT * INTO chk FROM rnd.check_all(vnames[1:nlive], vqueries[1:nlive], vcols[1:nlive]);
        nchecks := nchecks + nlive;
        IF chk.bad > 0 THEN
            f_kind := 'mismatch at the start of phase 2 (after the concurrent workers, see oracle.wlog)';
            f_chk := chk; f_stmt := '(start of phase 2)'; f_script := script;
        END IF;
        IF f_kind IS NULL THEN
            SELECT * INTO chk FROM rnd.drain_check(tabs, vnames[1:nlive], vqueries[1:nlive], vcols[1:nlive]);
            nchecks := nchecks + nlive;
            IF chk.bad > 0 THEN
                f_kind := 'hidden state wrong at the start of phase 2 (after the concurrent workers, see oracle.wlog): mismatch after deleting every base row';
                f_chk := chk; f_stmt := chk.stmt; f_script := script || chk.stmt;
            END IF;
        END IF;
    END IF;

    -- half the rounds write (and create their late views) under odd settings
    IF p_phase <> 1 AND NOT rnd.disabled('settings') AND rnd.chance(0.5) THEN
        stmt := rnd.odd_settings();
        script := script || rnd.note(stmt);
    END IF;
    -- the round's stepping.apply (--apply; 'mixed': either), when the server has it
    IF p_phase <> 1 THEN
        line := oracle.set_apply(oracle.pick_apply(p_apply), false);
        IF line <> '' THEN
            script := script || rnd.note(line);
        END IF;
        -- the round's large-step mode, from its number
        line := oracle.set_large_steps(p_round, false);
        IF line <> '' THEN
            script := script || rnd.note(line);
        END IF;
        COMMIT;
    END IF;

    <<main>>
    LOOP
        EXIT main WHEN f_kind IS NOT NULL;
        -- create pending views
        IF nlive < p_nviews AND (nlive < nearly OR (p_phase <> 1 AND nstmts >= total / 3)) THEN
            FOR i IN nlive + 1 .. CASE WHEN nlive < nearly THEN nearly ELSE p_nviews END LOOP
                stmt := format('SELECT stepping.create_view(%L, %L)', vnames[i], vqueries[i]);
                script := script || rnd.note(stmt || ';');
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
            END LOOP;
            SELECT * INTO chk FROM rnd.check_all(vnames[1:nlive], vqueries[1:nlive], vcols[1:nlive]);
            nchecks := nchecks + nlive;
            IF chk.bad > 0 THEN
                f_kind := 'mismatch right after create_view'; f_chk := chk; f_stmt := stmt; f_script := script;
                EXIT main;
            END IF;
            COMMIT;
        END IF;

        EXIT main WHEN p_phase = 1;
        EXIT main WHEN rnd.done(vseen, nlive, p_nviews, p_nstmts);

        x := random();
        IF x < 0.03 AND NOT rnd.disabled('refresh') THEN
            -- full recompute in place, then keep going incrementally
            stmt := format('SELECT stepping.refresh_view(%L)', vnames[rnd.ri(1, nlive)]);
            script := script || rnd.note(stmt || ';');
            EXECUTE stmt;
            SELECT * INTO chk FROM rnd.check_all(vnames[1:nlive], vqueries[1:nlive], vcols[1:nlive]);
            nchecks := nchecks + nlive;
            IF chk.bad > 0 THEN
                f_kind := 'mismatch after refresh_view'; f_chk := chk; f_stmt := stmt; f_script := script;
                EXIT main;
            END IF;
            COMMIT;
        ELSIF x < 0.07 AND NOT rnd.disabled('lifecycle') THEN
            -- view DDL inside transactions
            k := rnd.ri(1, 4);
            IF k = 1 THEN
                -- drop_view, statements, ROLLBACK: the view must be back and maintained
                j := rnd.ri(1, nlive);
                script := script || rnd.note('BEGIN;');
                stmt := format('SELECT stepping.drop_view(%L)', vnames[j]);
                script := script || rnd.note(stmt || ';');
                EXECUTE stmt;
                ln := vnames[1:j - 1] || vnames[j + 1:nlive];
                lq := vqueries[1:j - 1] || vqueries[j + 1:nlive];
                lc := vcols[1:j - 1] || vcols[j + 1:nlive];
                FOR i IN 1..rnd.ri(1, 2) LOOP
                    t := rnd.pick_table(ntab, vtabs, vseen, nlive, p_nstmts);
                    stmt := rnd.dml_for(tabs, pks, t);
                    nstmts := nstmts + 1;
                    script := script || rnd.note(stmt || ';');
                    EXECUTE stmt;
                    SELECT * INTO chk FROM rnd.check_all(ln, lq, lc);
                    nchecks := nchecks + nlive - 1;
                    IF chk.bad > 0 THEN
                        f_kind := 'mismatch in a transaction that dropped a view'; f_chk := chk; f_stmt := stmt; f_script := script;
                        EXIT main;
                    END IF;
                END LOOP;
                script := script || rnd.note('ROLLBACK;');
                stmt := 'ROLLBACK (of a transaction that dropped a view)';
                ROLLBACK;
            ELSIF k = 2 THEN
                -- a view created inside a transaction, then rolled back or dropped
                t := rnd.ri(1, ntab);
                SELECT * INTO gv FROM rnd.gen_view(tabs[t]);
                script := script || rnd.note('BEGIN;');
                stmt := format('SELECT stepping.create_view(%L, %L)', 'rv.tmp', gv.q);
                script := script || rnd.note(stmt || ';');
                EXECUTE stmt;
                ln := vnames[1:nlive] || 'rv.tmp'::text;
                lq := vqueries[1:nlive] || gv.q;
                lc := vcols[1:nlive] || gv.cols;
                SELECT * INTO chk FROM rnd.check_all(ln, lq, lc);
                nchecks := nchecks + nlive + 1;
                IF chk.bad > 0 THEN
                    f_kind := 'mismatch right after create_view in a transaction'; f_chk := chk; f_stmt := stmt; f_script := script;
                    EXIT main;
                END IF;
                FOR i IN 1..rnd.ri(1, 2) LOOP
                    stmt := rnd.dml_for(tabs, pks, t);
                    nstmts := nstmts + 1;
                    vseen := rnd.bump(vseen, vtabs, nlive, t);
                    script := script || rnd.note(stmt || ';');
                    EXECUTE stmt;
                    SELECT * INTO chk FROM rnd.check_all(ln, lq, lc);
                    nchecks := nchecks + nlive + 1;
                    IF chk.bad > 0 THEN
                        f_kind := 'mismatch in a transaction that created a view'; f_chk := chk; f_stmt := stmt; f_script := script;
                        EXIT main;
                    END IF;
                END LOOP;
                IF rnd.chance(0.5) THEN
                    script := script || rnd.note('ROLLBACK;');
                    stmt := 'ROLLBACK (of a transaction that created a view)';
                    ROLLBACK;
                ELSE
                    stmt := 'SELECT stepping.drop_view(''rv.tmp'')';
                    script := script || rnd.note(stmt || ';') || rnd.note('COMMIT;');
                    EXECUTE stmt;
                    stmt := 'COMMIT (of a transaction that created and dropped a view)';
                    COMMIT;
                END IF;
            ELSIF k = 3 THEN
                -- drop a view (drop_view or DROP TABLE) and create it again under the same name
                j := rnd.ri(1, nlive);
                IF rnd.chance(0.5) THEN
                    stmt := format('SELECT stepping.drop_view(%L)', vnames[j]);
                ELSE
                    stmt := format('DROP TABLE %s', vnames[j]);
                END IF;
                script := script || rnd.note(stmt || ';');
                EXECUTE stmt;
                COMMIT;
                stmt := format('SELECT stepping.create_view(%L, %L)', vnames[j], vqueries[j]);
                script := script || rnd.note(stmt || ';');
                EXECUTE stmt;
            ELSE
                -- refresh_view inside a transaction
                script := script || rnd.note('BEGIN;');
                FOR i IN 1..3 LOOP
                    IF i = 2 THEN
                        stmt := format('SELECT stepping.refresh_view(%L)', vnames[rnd.ri(1, nlive)]);
                    ELSE
                        t := rnd.pick_table(ntab, vtabs, vseen, nlive, p_nstmts);
                        stmt := rnd.dml_for(tabs, pks, t);
                        vseen := rnd.bump(vseen, vtabs, nlive, t);
                        nstmts := nstmts + 1;
                    END IF;
                    script := script || rnd.note(stmt || ';');
                    EXECUTE stmt;
                    SELECT * INTO chk FROM rnd.check_all(vnames[1:nlive], vqueries[1:nlive], vcols[1:nlive]);
                    nchecks := nchecks + nlive;
                    IF chk.bad > 0 THEN
                        f_kind := 'mismatch in a transaction with refresh_view'; f_chk := chk; f_stmt := stmt; f_script := script;
                        EXIT main;
                    END IF;
                END LOOP;
                IF rnd.chance(0.5) THEN
                    script := script || rnd.note('ROLLBACK;');
                    stmt := 'ROLLBACK';
                    ROLLBACK;
                ELSE
                    script := script || rnd.note('COMMIT;');
                    stmt := 'COMMIT';
                    COMMIT;
                END IF;
            END IF;
            SELECT * INTO chk FROM rnd.check_all(vnames[1:nlive], vqueries[1:nlive], vcols[1:nlive]);
            nchecks := nchecks + nlive;
            IF chk.bad > 0 THEN
                f_kind := 'mismatch after ' || stmt; f_chk := chk; f_script := script;
                f_stmt := stmt;
                EXIT main;
            END IF;
            COMMIT;
        ELSIF x < 0.09 AND NOT rnd.disabled('trigger_ddl') THEN
            -- the DISABLE/ENABLE TRIGGER ALL round trip of data-only restores:
            -- DISABLE is refused, ENABLE leaves the capture triggers firing
            -- ALWAYS, so a write under session_replication_role = replica
            -- (FK actions and user triggers off) is still maintained
            t := rnd.pick_table(ntab, vtabs, vseen, nlive, p_nstmts);
            BEGIN
                EXECUTE format('ALTER TABLE %s DISABLE TRIGGER %s', tabs[t],
                               (ARRAY['ALL', 'USER', 'stepping_before', 'stepping_after_update'])[rnd.ri(1, 4)]);
                f_kind := 'DISABLE TRIGGER on a base table was accepted';
                f_stmt := 'ALTER TABLE ' || tabs[t] || ' DISABLE TRIGGER ...'; f_script := script;
                EXIT main;
            EXCEPTION WHEN object_not_in_prerequisite_state THEN
                NULL;
            END;
            stmt := format('ALTER TABLE %s ENABLE TRIGGER ALL', tabs[t]);
            script := script || rnd.note(stmt || ';') || rnd.note('SET session_replication_role = replica;');
            EXECUTE stmt;
            stmt := rnd.dml_for(tabs, pks, t);
            vseen := rnd.bump(vseen, vtabs, nlive, t);
            nstmts := nstmts + 1;
            script := script || rnd.note(stmt || ';') || rnd.note('RESET session_replication_role;');
            PERFORM set_config('session_replication_role', 'replica', false);
            BEGIN
                EXECUTE stmt;
            EXCEPTION WHEN OTHERS THEN
                PERFORM set_config('session_replication_role', 'origin', false);
                RAISE;
            END;
            PERFORM set_config('session_replication_role', 'origin', false);
            -- a replica fires no foreign-key triggers: references the write
            -- left dangling (a parent row gone or renumbered without its ON
            -- DELETE SET NULL / ON UPDATE CASCADE, a child row pointing
            -- nowhere) would fail PostgreSQL's own checks later; set them
            -- NULL, as the actions would have (a maintained statement too)
            IF rnd.setting('fkchild') <> '' THEN
                stmt := format('UPDATE %1$s SET ref = NULL WHERE ref IS NOT NULL AND NOT EXISTS (SELECT 1 FROM %2$s p WHERE p.id = %1$s.ref)',
                               rnd.setting('fkchild'), rnd.setting('fkparent'));
                script := script || rnd.note(stmt || ';');
                EXECUTE stmt;
            END IF;
            SELECT * INTO chk FROM rnd.check_all(vnames[1:nlive], vqueries[1:nlive], vcols[1:nlive]);
            nchecks := nchecks + nlive;
            IF chk.bad > 0 THEN
                f_kind := 'mismatch after ENABLE TRIGGER ALL and a write as a replica'; f_chk := chk;
                f_stmt := stmt; f_script := script;
                EXIT main;
            END IF;
            COMMIT;
        ELSIF x < 0.60 OR rnd.disabled('txn') THEN
            -- one autocommit statement
            t := rnd.pick_table(ntab, vtabs, vseen, nlive, p_nstmts);
            stmt := rnd.dml_for(tabs, pks, t);
            vseen := rnd.bump(vseen, vtabs, nlive, t);
            nstmts := nstmts + 1;
            script := script || rnd.note(stmt || ';');
            EXECUTE stmt;
            IF rnd.disabled('sabotage') AND nstmts >= 5 AND NOT sabotaged THEN
                -- self-test (run.sh --sabotage): corrupt a result table behind the engine's back
                ddl := oracle.sabotage(vnames[1:nlive]);
                IF ddl IS NOT NULL THEN
                    sabotaged := true;
                    script := script || rnd.note(ddl);
                END IF;
            END IF;
            SELECT * INTO chk FROM rnd.check_all(vnames[1:nlive], vqueries[1:nlive], vcols[1:nlive]);
            nchecks := nchecks + nlive;
            IF chk.bad > 0 THEN
                f_kind := 'mismatch after statement'; f_chk := chk; f_stmt := stmt; f_script := script;
                EXIT main;
            END IF;
            COMMIT;
        ELSIF x < 0.80 THEN
            -- a transaction of several statements, then COMMIT or ROLLBACK;
            -- between them no read (the changes stay pending), reads of some
            -- views or of all, and (--apply mixed) SET LOCAL stepping.apply
            script := script || rnd.note('BEGIN;');
            FOR j IN 1..rnd.ri(2, 6) LOOP
                EXIT WHEN rnd.done(vseen, nlive, p_nviews, p_nstmts);
                IF p_apply = 'mixed' AND rnd.chance(0.15) THEN
                    line := oracle.set_apply(oracle.pick_apply(p_apply), true);
                    IF line <> '' THEN
                        script := script || rnd.note(line);
                    END IF;
                END IF;
                t := rnd.pick_table(ntab, vtabs, vseen, nlive, p_nstmts);
                stmt := rnd.dml_for(tabs, pks, t);
                vseen := rnd.bump(vseen, vtabs, nlive, t);
                nstmts := nstmts + 1;
                script := script || rnd.note(stmt || ';');
                EXECUTE stmt;
                SELECT * INTO chk FROM rnd.check_all(vnames[1:nlive], vqueries[1:nlive], vcols[1:nlive], 'between');
                IF chk.script <> '' THEN
                    script := script || rnd.note(chk.script);
                    nchecks := nchecks + nlive;
                END IF;
                IF chk.bad > 0 THEN
                    f_kind := 'mismatch inside a transaction'; f_chk := chk; f_stmt := stmt; f_script := script;
                    EXIT main;
                END IF;
            END LOOP;
            IF rnd.chance(0.6) THEN
                script := script || rnd.note('COMMIT;');
                stmt := 'COMMIT';
                COMMIT;
            ELSE
                script := script || rnd.note('ROLLBACK;');
                stmt := 'ROLLBACK';
                ROLLBACK;
            END IF;
            SELECT * INTO chk FROM rnd.check_all(vnames[1:nlive], vqueries[1:nlive], vcols[1:nlive]);
            nchecks := nchecks + nlive;
            IF chk.bad > 0 THEN
                f_kind := 'mismatch after ' || stmt; f_chk := chk; f_stmt := stmt; f_script := script;
                EXIT main;
            END IF;
            COMMIT;
        ELSIF NOT rnd.disabled('subxact') THEN
            -- BEGIN; [stmt;] SAVEPOINT s1; stmts (or one failing stmt);
            -- ROLLBACK TO / RELEASE; [stmt;] COMMIT or ROLLBACK
            script := script || rnd.note('BEGIN;');
            IF rnd.chance(0.5) THEN
                t := rnd.pick_table(ntab, vtabs, vseen, nlive, p_nstmts);
                stmt := rnd.dml_for(tabs, pks, t);
                vseen := rnd.bump(vseen, vtabs, nlive, t);
                nstmts := nstmts + 1;
                script := script || rnd.note(stmt || ';');
                EXECUTE stmt;
                SELECT * INTO chk FROM rnd.check_all(vnames[1:nlive], vqueries[1:nlive], vcols[1:nlive], 'between');
                IF chk.script <> '' THEN
                    script := script || rnd.note(chk.script);
                    nchecks := nchecks + nlive;
                END IF;
                IF chk.bad > 0 THEN
                    f_kind := 'mismatch inside a transaction'; f_chk := chk; f_stmt := stmt; f_script := script;
                    EXIT main;
                END IF;
            END IF;
            script := script || rnd.note('SAVEPOINT s1;');
            x := random();
            endtx := NULL;
            BEGIN
                IF x < 0.3 THEN
                    t := rnd.ri(1, ntab);
                    stmt := rnd.gen_failing(tabs[t], pks[t]);
                    vseen := rnd.bump(vseen, vtabs, nlive, t);
                    nstmts := nstmts + 1;
                    script := script || rnd.note(stmt || ';  -- fails: division by zero');
                    EXECUTE stmt;
                ELSE
                    FOR j IN 1..rnd.ri(1, 3) LOOP
                        t := rnd.pick_table(ntab, vtabs, vseen, nlive, p_nstmts);
                        stmt := rnd.dml_for(tabs, pks, t);
                        vseen := rnd.bump(vseen, vtabs, nlive, t);
                        nstmts := nstmts + 1;
                        script := script || rnd.note(stmt || ';');
                        EXECUTE stmt;
                        IF p_apply = 'mixed' AND rnd.chance(0.1) THEN
                            line := oracle.set_apply(oracle.pick_apply(p_apply), true);
                            IF line <> '' THEN
                                script := script || rnd.note(line);
                            END IF;
                        END IF;
                        SELECT * INTO chk FROM rnd.check_all(vnames[1:nlive], vqueries[1:nlive], vcols[1:nlive], 'between');
                        IF chk.script <> '' THEN
                            script := script || rnd.note(chk.script);
                            nchecks := nchecks + nlive;
                        END IF;
                        IF chk.bad > 0 THEN
                            f_kind := 'mismatch inside a savepoint'; f_chk := chk; f_stmt := stmt; f_script := script;
                            RAISE EXCEPTION USING ERRCODE = 'RB001';
                        END IF;
                    END LOOP;
                    IF rnd.chance(0.65) THEN
                        endtx := 'ROLLBACK TO SAVEPOINT s1;';
                        RAISE EXCEPTION USING ERRCODE = 'RB001';   -- roll the block back
                    END IF;
                END IF;
                endtx := 'RELEASE SAVEPOINT s1;';
            EXCEPTION
                WHEN SQLSTATE 'RB001' THEN
                    NULL;
                WHEN division_by_zero THEN
                    endtx := 'ROLLBACK TO SAVEPOINT s1;';
            END;
            EXIT main WHEN f_kind IS NOT NULL;
            script := script || rnd.note(endtx);
            SELECT * INTO chk FROM rnd.check_all(vnames[1:nlive], vqueries[1:nlive], vcols[1:nlive]);
            nchecks := nchecks + nlive;
            IF chk.bad > 0 THEN
                f_kind := 'mismatch after ' || endtx; f_chk := chk; f_stmt := endtx; f_script := script;
                EXIT main;
            END IF;
            IF rnd.chance(0.5) AND NOT rnd.done(vseen, nlive, p_nviews, p_nstmts) THEN
                t := rnd.pick_table(ntab, vtabs, vseen, nlive, p_nstmts);
                stmt := rnd.dml_for(tabs, pks, t);
                vseen := rnd.bump(vseen, vtabs, nlive, t);
                nstmts := nstmts + 1;
                script := script || rnd.note(stmt || ';');
                EXECUTE stmt;
                SELECT * INTO chk FROM rnd.check_all(vnames[1:nlive], vqueries[1:nlive], vcols[1:nlive], 'between');
                IF chk.script <> '' THEN
                    script := script || rnd.note(chk.script);
                    nchecks := nchecks + nlive;
                END IF;
                IF chk.bad > 0 THEN
                    f_kind := 'mismatch inside a transaction'; f_chk := chk; f_stmt := stmt; f_script := script;
                    EXIT main;
                END IF;
            END IF;
            IF rnd.chance(0.75) THEN
                script := script || rnd.note('COMMIT;');
                stmt := 'COMMIT';
                COMMIT;
            ELSE
                script := script || rnd.note('ROLLBACK;');
                stmt := 'ROLLBACK';
                ROLLBACK;
            END IF;
            SELECT * INTO chk FROM rnd.check_all(vnames[1:nlive], vqueries[1:nlive], vcols[1:nlive]);
            nchecks := nchecks + nlive;
            IF chk.bad > 0 THEN
                f_kind := 'mismatch after ' || stmt; f_chk := chk; f_stmt := stmt; f_script := script;
                EXIT main;
            END IF;
            COMMIT;
        END IF;
    END LOOP main;

    IF f_kind IS NOT NULL THEN
        INSERT INTO rnd.failure
        VALUES (p_seed, p_round, f_kind, f_chk.vname, f_chk.vquery, f_stmt, f_chk.detail,
                array_to_string(f_script, E'\n') || E'\n'
                || format(E'-- the failing view: %s\nSELECT * FROM stepping.check_view(%L);\n%s;',
                          f_chk.vname, f_chk.vname,
                          oracle.diff_query(f_chk.vname, f_chk.vquery, f_chk.vcol)));
        COMMIT;
        RETURN;
    END IF;

    IF p_phase = 1 THEN
        INSERT INTO rnd.rstate
        VALUES (p_seed, p_round, tabs, pks, vnames, vqueries, vcols, vtabs, nlive, nchecks, script,
                ARRAY[rnd.setting('mixed'), rnd.setting('fkchild'), rnd.setting('fkparent')], t0);
        COMMIT;
        RETURN;
    END IF;

    -- the hidden state (counts, sums) must also be right: delete every base
    -- row in a rolled-back subtransaction; every view must follow
    SELECT * INTO chk FROM rnd.drain_check(tabs, vnames[1:nlive], vqueries[1:nlive], vcols[1:nlive]);
    nchecks := nchecks + nlive;
    IF chk.bad > 0 THEN
        INSERT INTO rnd.failure
        VALUES (p_seed, p_round, 'mismatch after deleting every base row at the end of the round',
                chk.vname, chk.vquery, chk.stmt, chk.detail,
                array_to_string(script || chk.stmt, E'\n') || E'\n'
                || format(E'-- the failing view: %s\nSELECT * FROM stepping.check_view(%L);\n%s;',
                          chk.vname, chk.vname, oracle.diff_query(chk.vname, chk.vquery, chk.vcol)));
        COMMIT;
        RETURN;
    END IF;

    -- tear down: drop_view for some views, DROP SCHEMA ... CASCADE for the rest
    PERFORM set_config('client_min_messages', 'warning', true);
    FOR i IN 1..p_nviews LOOP
        IF rnd.chance(0.5) THEN
            PERFORM stepping.drop_view(vnames[i]::regclass);
        END IF;
    END LOOP;
    IF rnd.chance(0.5) THEN
        DROP SCHEMA rv CASCADE;
        DROP SCHEMA rt CASCADE;
    ELSE
        DROP SCHEMA rt CASCADE;
        DROP SCHEMA rv CASCADE;
    END IF;
    IF EXISTS (SELECT FROM stepping.catalog) OR EXISTS (SELECT FROM stepping.view_state) THEN
        INSERT INTO rnd.failure
        VALUES (p_seed, p_round, 'stepping.catalog/view_state rows left after dropping every view and base table',
                NULL, NULL, 'DROP SCHEMA ... CASCADE',
                (SELECT string_agg(view_rel::text || ' ' || query, E'\n') FROM stepping.catalog), NULL);
        COMMIT;
        RETURN;
    END IF;
    DELETE FROM rnd.rstate;
    INSERT INTO rnd.stats
    VALUES (p_seed, p_round, p_nviews, nstmts, nchecks, (SELECT min(u.n) FROM unnest(vseen) AS u(n)),
            round(extract(epoch FROM clock_timestamp() - t0)::numeric, 2));
    COMMIT;
END
$proc$;

-- ------------------------------------------------------------------
-- concurrency (run.sh --concurrency W): the hooks of oracle.worker
-- (oracle.sql), which runs the workers' random transactions
-- ------------------------------------------------------------------

-- the round's settings for a worker session
CREATE PROCEDURE rnd.worker_setup(p_seed bigint, p_round int, p_worker int, p_disable text)
LANGUAGE plpgsql AS $proc$
DECLARE
    st record;
BEGIN
    PERFORM set_config('rnd.disable', coalesce(p_disable, ''), false);
    PERFORM set_config('rnd.trace', 'off', false);
    SELECT * INTO st FROM rnd.rstate WHERE seed = p_seed AND round = p_round;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'rnd: no phase-1 state for seed % round %', p_seed, p_round;
    END IF;
    PERFORM set_config('rnd.mixed', st.settings[1], false);
    PERFORM set_config('rnd.fkchild', st.settings[2], false);
    PERFORM set_config('rnd.fkparent', st.settings[3], false);
    PERFORM set_config('rnd.copytag', '_w' || p_worker, false);
END
$proc$;

-- one random statement of a worker: DML on one of the round's tables, or a refresh
CREATE FUNCTION rnd.worker_stmt(p_seed bigint, p_round int) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    st record;
BEGIN
    SELECT * INTO st FROM rnd.rstate WHERE seed = p_seed AND round = p_round;
    IF rnd.chance(0.04) AND NOT rnd.disabled('refresh') THEN
        RETURN format('SELECT stepping.refresh_view(%L)', st.vnames[rnd.ri(1, st.nlive)]);
    END IF;
    RETURN rnd.dml_for(st.tabs, st.pks, rnd.ri(1, array_length(st.tabs, 1)));
END $$;
