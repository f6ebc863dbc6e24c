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

-- ------------------------------------------------------------------
-- concurrency (run.sh / run_joins.sh --concurrency W): between phase 1 and
-- phase 2 of a round, W workers run random transactions on the round's
-- tables at the same time, at mixed isolation levels, without checking
-- (other sessions' work is in flight); phase 2 starts by checking every view.
-- A generator (schema gen: rnd or rj) provides
--   gen.worker_setup(seed bigint, round int, worker int, disable text):
--       the round's settings (from its phase-1 state) for this session
--   gen.worker_stmt(seed bigint, round int) RETURNS text:
--       one random statement on the round's tables (or a refresh_view)
-- ------------------------------------------------------------------

CREATE TABLE oracle.wlog (
    seed    bigint,
    round   int,
    worker  int,
    seq     int,
    iso     text,
    outcome text,
    stmts   text
);

-- Transactions p_from .. p_ntx of worker p_worker.  A transaction that fails
-- with a serialization failure, a deadlock, an FK violation (a concurrent
-- delete of the parent) or a unique violation in the base tables' schema
-- p_tabschema (concurrent moves of the same key) is rolled back and logged;
-- any other error is a bug and ends the CALL.  A SERIALIZABLE transaction
-- can also fail at COMMIT, which PL/pgSQL cannot catch: that ends the CALL
-- with 40001, and the driver (options.sh run_workers) logs it and calls
-- again from the next transaction.
CREATE PROCEDURE oracle.worker(p_gen text, p_seed bigint, p_round int, p_worker int, p_ntx int,
                               p_from int DEFAULT 1, p_disable text DEFAULT '',
                               p_tabschema text DEFAULT NULL)
LANGUAGE plpgsql AS $proc$
DECLARE
    i int;
    j int;
    stmt text;
    stmts text[];
    iso text := 'read committed';
    outcome text;
    errschema text;
BEGIN
    EXECUTE format('CALL %I.worker_setup($1, $2, $3, $4)', p_gen) USING p_seed, p_round, p_worker, p_disable;
    PERFORM set_config('deadlock_timeout', '20ms', false);   -- deadlocks are expected: detect them fast
    PERFORM setseed(hashint8(p_seed * 100003 + p_round * 101 + p_worker + p_from * 7919)::float8 / 2147483648.0);
    PERFORM set_config('default_transaction_isolation', iso, false);
    COMMIT;
    FOR i IN p_from..p_ntx LOOP
        stmts := '{}';
        outcome := 'commit';
        BEGIN
            FOR j IN 1..1 + floor(random() * 3)::int LOOP
                EXECUTE format('SELECT %I.worker_stmt($1, $2)', p_gen) INTO stmt USING p_seed, p_round;
                stmts := stmts || stmt;
                EXECUTE stmt;
            END LOOP;
            IF random() < 0.2 THEN
                outcome := 'rollback';
                RAISE EXCEPTION USING ERRCODE = 'RB001';
            END IF;
        EXCEPTION
            WHEN SQLSTATE 'RB001' THEN
                NULL;
            WHEN serialization_failure OR deadlock_detected OR foreign_key_violation THEN
                outcome := SQLSTATE || ' ' || SQLERRM;
            WHEN unique_violation THEN
                -- concurrent moves of the same key (id + 1000000, -id) and
                -- re-inserts of the same ids can collide in a base table; a
                -- violation anywhere else is a bug
                GET STACKED DIAGNOSTICS errschema = SCHEMA_NAME;
                IF errschema IS DISTINCT FROM p_tabschema THEN
                    RAISE;
                END IF;
                outcome := SQLSTATE || ' ' || SQLERRM;
        END;
        INSERT INTO oracle.wlog VALUES (p_seed, p_round, p_worker, i, iso, outcome, array_to_string(stmts, E';\n'));
        -- the isolation level of the next transaction
        iso := CASE WHEN random() < 0.6 THEN 'read committed'
                    WHEN random() < 0.6 THEN 'repeatable read' ELSE 'serializable' END;
        PERFORM set_config('default_transaction_isolation', iso, false);
        COMMIT;
    END LOOP;
    PERFORM set_config('default_transaction_isolation', 'read committed', false);
    COMMIT;
END
$proc$;
