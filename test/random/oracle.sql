-- test/random/oracle.sql — the oracle both randomized generators check with
-- (run.sh loads it before random.sql, run_joins.sh before joins.sql).
--
-- A view is exact when stepping.check_view(v) is empty AND an independent
-- text-multiset comparison agrees: the result table's visible columns
-- against a fresh run of the query text as the user wrote it, row by row as
-- text, so a broken check_view or a wrongly stored definition cannot hide a
-- wrong result (numeric 4.5 vs 4.50 counts as a difference).
CREATE SCHEMA oracle;

-- rows in excess (+) or missing (-) in result table v against query q,
-- comparing the columns cols of v
CREATE FUNCTION oracle.diff_query(v text, q text, cols text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT format('SELECT r.row_text, sum(r.w)::int AS excess FROM ('
                  '(SELECT oracle_tab_row::text AS row_text, 1 AS w FROM (SELECT %3$s FROM %1$s) oracle_tab_row) '
                  'UNION ALL (SELECT oracle_query_row::text, -1 FROM (%2$s) oracle_query_row)) r '
                  'GROUP BY r.row_text HAVING sum(r.w) <> 0', v, q, cols)
$$;

-- Check every view; bad is the index of the first that differs (0: none),
-- with both oracles' differences in detail; secs is the time each check took.
CREATE FUNCTION oracle.check_all(vnames text[], vqueries text[], vcols text[],
                                 OUT bad int, OUT vname text, OUT vquery text, OUT vcol text,
                                 OUT detail text, OUT secs float8[])
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    i int;
    n1 bigint;
    n2 bigint;
    d1 text;
    d2 text;
    t1 timestamptz;
BEGIN
    bad := 0;
    secs := '{}';
    FOR i IN 1..coalesce(array_length(vnames, 1), 0) LOOP
        t1 := clock_timestamp();
        SELECT count(*) INTO n1 FROM stepping.check_view(vnames[i]::regclass);
        EXECUTE format('SELECT count(*) FROM (%s) z', oracle.diff_query(vnames[i], vqueries[i], vcols[i])) INTO n2;
        secs := secs || extract(epoch FROM clock_timestamp() - t1)::float8;
        IF n1 <> 0 OR n2 <> 0 THEN
            bad := i;
            vname := vnames[i];
            vquery := vqueries[i];
            vcol := vcols[i];
            SELECT string_agg(format('  %s %s', side, row_data), E'\n' ORDER BY side, row_data)
              INTO d1 FROM (SELECT * FROM stepping.check_view(vnames[i]::regclass) LIMIT 40) s;
            EXECUTE format('SELECT string_agg(format(''  %%s %%s%%s'', CASE WHEN excess > 0 THEN ''+'' ELSE ''-'' END, row_text, CASE WHEN abs(excess) > 1 THEN ''  (x'' || abs(excess) || '')'' ELSE '''' END), E''\n'' ORDER BY row_text) FROM (SELECT * FROM (%s) z LIMIT 40) z2',
                           oracle.diff_query(vnames[i], vqueries[i], vcols[i])) INTO d2;
            detail := format(E'stepping.check_view rows (%s):\n%s\nindependent text-multiset diff (%s rows; + = result table has it in excess, - = result table lacks it):\n%s',
                             n1, coalesce(d1, '  (none)'), n2, coalesce(d2, '  (none)'));
            RETURN;
        END IF;
    END LOOP;
END $$;

-- self-test: delete one row of the first non-empty result table, bypassing
-- the guard triggers; the next check must report it
CREATE FUNCTION oracle.sabotage(vnames text[]) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    i int;
    n bigint;
    s text;
BEGIN
    FOR i IN 1..coalesce(array_length(vnames, 1), 0) LOOP
        EXECUTE format('SELECT count(*) FROM %s', vnames[i]) INTO n;
        IF n > 0 THEN
            -- stepping refuses to disable its guard trigger unless its own
            -- event trigger is switched off first (superuser only)
            s := format('ALTER EVENT TRIGGER stepping_ddl_start DISABLE; '
                        'ALTER TABLE %1$s DISABLE TRIGGER ALL; '
                        'DELETE FROM %1$s WHERE ctid = (SELECT min(ctid) FROM %1$s); '
                        'ALTER TABLE %1$s ENABLE TRIGGER ALL; '
                        'ALTER EVENT TRIGGER stepping_ddl_start ENABLE ALWAYS;', vnames[i]);
            EXECUTE s;
            RETURN '-- deliberate corruption (--sabotage self-test):' || chr(10) || s;
        END IF;
    END LOOP;
    RETURN NULL;
END $$;
