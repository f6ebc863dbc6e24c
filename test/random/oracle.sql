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
        -- the plain read first: under stepping.apply = 'transaction' it must
        -- apply the pending changes itself (check_view, a stepping function,
        -- would apply them anyway)
        EXECUTE format('SELECT count(*) FROM (%s) z', oracle.diff_query(vnames[i], vqueries[i], vcols[i])) INTO n2;
        SELECT count(*) INTO n1 FROM stepping.check_view(vnames[i]::regclass);
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

-- ------------------------------------------------------------------
-- transaction-level maintenance (stepping.apply): the generators run each
-- round under 'transaction' or 'statement' (run.sh / run_joins.sh --apply
-- transaction|statement|mixed), switch it with SET LOCAL inside
-- transactions, and read result tables between the statements of a
-- transaction, where pending changes must be applied by the read itself.
-- ------------------------------------------------------------------

-- Does this server have the setting?  (An engine without it reserves the
-- stepping.* prefix: SET stepping.apply would fail.)  The library is loaded
-- first: the setting exists only once it is.
CREATE FUNCTION oracle.apply_available() RETURNS bool
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    IF current_setting('stepping.apply', true) IS NULL THEN
        BEGIN
            LOAD 'stepping';
        EXCEPTION WHEN insufficient_privilege OR undefined_file THEN
            NULL;
        END;
    END IF;
    RETURN current_setting('stepping.apply', true) IS NOT NULL;
END $$;

-- The mode for a round or a transaction under --apply p_apply
-- ('transaction', 'statement' or 'mixed': either, at random).
CREATE FUNCTION oracle.pick_apply(p_apply text) RETURNS text
LANGUAGE sql VOLATILE AS $$
    SELECT CASE WHEN p_apply IN ('transaction', 'statement') THEN p_apply
                WHEN random() < 0.5 THEN 'transaction' ELSE 'statement' END
$$;

-- SET [LOCAL] stepping.apply = mode, when the server has the setting; returns
-- the statement for the replay script ('' when it did nothing).  Draws no
-- random numbers, so a seed replays the same statements either way.
CREATE FUNCTION oracle.set_apply(mode text, is_local bool) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    IF mode IS NULL OR NOT oracle.apply_available() THEN
        RETURN '';
    END IF;
    PERFORM set_config('stepping.apply', mode, is_local);
    RETURN format('SET %sstepping.apply = %L;', CASE WHEN is_local THEN 'LOCAL ' ELSE '' END, mode);
END $$;

-- Large steps (stepping.debug_large_steps, a developer option): a step that
-- only inserts or deletes rows of a single-table view may be applied by
-- recomputing the view.  The random tables are far too small for the
-- estimate to choose that, so rounds and worker transactions take the mode
-- from their number (no random draw, so a seed replays the same
-- statements): 'recompute' (every such step recomputes), 'apply', or
-- 'estimate' (the default).  Returns the statement for the replay script
-- ('' when the server has no such setting).
CREATE FUNCTION oracle.set_large_steps(n bigint, is_local bool) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    mode text := (ARRAY['recompute', 'estimate', 'apply'])[1 + (n % 3)::int];
BEGIN
    IF NOT oracle.apply_available() OR current_setting('stepping.debug_large_steps', true) IS NULL THEN
        RETURN '';
    END IF;
    PERFORM set_config('stepping.debug_large_steps', mode, is_local);
    RETURN format('SET %sstepping.debug_large_steps = %L;', CASE WHEN is_local THEN 'LOCAL ' ELSE '' END, mode);
END $$;

-- A read between the statements of a transaction.  Some of the views
-- (all, or a random subset) are read in one of several forms, each read
-- comparing the result table with a fresh run of the query in the SAME
-- query (so the read itself must have applied what was pending):
--   diff      the text-multiset difference as a plain query
--   cursor    the same through a cursor (OPEN ... FOR EXECUTE; FETCH)
--   subquery  the result table read inside scalar subqueries
--   other     first a plain read of ANOTHER view's result table, then diff
--   copy      COPY result TO a server file first (p_copy: superuser), the
--             file loaded back into a temporary table and compared
-- then stepping.check_view of the same views.  Same OUT columns as
-- check_all (secs[i] is 0 for views not read), and script: the reads as
-- psql statements for the replay script (the difference as a query).
CREATE FUNCTION oracle.read_check(vnames text[], vqueries text[], vcols text[], p_copy bool DEFAULT false,
                                  OUT bad int, OUT vname text, OUT vquery text, OUT vcol text,
                                  OUT detail text, OUT secs float8[], OUT script text)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    n int := coalesce(array_length(vnames, 1), 0);
    idx int[] := '{}';
    i int;
    o int;
    form text;
    cnt bigint;
    txt text;
    c refcursor;
    r record;
    f text;
    t1 timestamptz;
    showrows text := 'SELECT count(*), string_agg(format(''  %%s %%s%%s'', CASE WHEN excess > 0 THEN ''+'' ELSE ''-'' END, row_text, '
                     'CASE WHEN abs(excess) > 1 THEN ''  (x'' || abs(excess) || '')'' ELSE '''' END), E''\n'' ORDER BY row_text) FROM (%s) z';
BEGIN
    bad := 0;
    secs := array_fill(0::float8, ARRAY[n]);
    IF n = 0 THEN
        RETURN;
    END IF;
    IF random() < 0.4 THEN
        idx := ARRAY(SELECT generate_series(1, n));
    ELSE
        FOR i IN 1..n LOOP
            IF random() < 0.3 THEN
                idx := idx || i;
            END IF;
        END LOOP;
        IF cardinality(idx) = 0 THEN
            idx := ARRAY[1 + floor(random() * n)::int];
        END IF;
    END IF;
    form := (ARRAY['diff', 'diff', 'cursor', 'subquery', 'other', 'copy'])[1 + floor(random() * 6)::int];
    IF (form = 'copy' AND NOT p_copy) OR (form = 'other' AND n < 2) THEN
        form := 'diff';
    END IF;
    FOREACH i IN ARRAY idx LOOP
        t1 := clock_timestamp();
        IF form = 'copy' THEN
            script := concat_ws(E'\n', script, format('COPY %s (%s) TO STDOUT;  -- read (form copy)', vnames[i], vcols[i]));
        ELSIF form = 'other' THEN
            o := 1 + floor(random() * n)::int;
            IF o = i THEN
                o := 1 + o % n;
            END IF;
            script := concat_ws(E'\n', script, format('SELECT count(*) FROM %s;', vnames[o]));
        END IF;
        script := concat_ws(E'\n', script, format('SELECT * FROM (%s) z;  -- read (form %s)',
                                                   oracle.diff_query(vnames[i], vqueries[i], vcols[i]), form));
        IF form = 'cursor' THEN
            OPEN c FOR EXECUTE oracle.diff_query(vnames[i], vqueries[i], vcols[i]);
            cnt := 0;
            txt := NULL;
            LOOP
                FETCH c INTO r;
                EXIT WHEN NOT FOUND;
                cnt := cnt + 1;
                txt := concat_ws(E'\n', txt, format('  %s %s  (x%s)', CASE WHEN r.excess > 0 THEN '+' ELSE '-' END,
                                                    r.row_text, abs(r.excess)));
            END LOOP;
            CLOSE c;
        ELSIF form = 'subquery' THEN
            EXECUTE format('SELECT (SELECT count(*) FROM (%1$s) z), '
                           '(SELECT string_agg(format(''  %%s (%%s)'', z2.row_text, z2.excess), E''\n'') FROM (%1$s) z2) '
                           'FROM (VALUES (1)) one(x)',
                           oracle.diff_query(vnames[i], vqueries[i], vcols[i])) INTO cnt, txt;
        ELSIF form = 'copy' THEN
            -- one file per database and server (several clusters may share /tmp)
            f := format('/tmp/stepping_oracle_copy_%s_%s.txt', current_setting('port'), current_database());
            EXECUTE format('COPY %s (%s) TO %L', vnames[i], vcols[i], f);
            EXECUTE format('CREATE TEMP TABLE oracle_copy AS SELECT %s FROM %s WITH NO DATA', vcols[i], vnames[i]);
            EXECUTE format('COPY oracle_copy FROM %L', f);
            EXECUTE format(showrows, oracle.diff_query('oracle_copy', vqueries[i], vcols[i])) INTO cnt, txt;
            DROP TABLE oracle_copy;
        ELSE
            IF form = 'other' THEN
                EXECUTE format('SELECT count(*) FROM %s', vnames[o]) INTO cnt;
            END IF;
            EXECUTE format(showrows, oracle.diff_query(vnames[i], vqueries[i], vcols[i])) INTO cnt, txt;
        END IF;
        secs[i] := extract(epoch FROM clock_timestamp() - t1)::float8;
        IF cnt <> 0 THEN
            bad := i;
            vname := vnames[i];
            vquery := vqueries[i];
            vcol := vcols[i];
            detail := format(E'a read inside the transaction (form %s%s) differs from the query: %s rows (+ = the result table has it in excess, - = lacks it):\n%s\n',
                             form, CASE WHEN form = 'other' THEN ', after reading ' || vnames[o] ELSE '' END,
                             cnt, coalesce(txt, '  (none)'))
                      || coalesce((SELECT 'read again: ' || ca.detail
                                     FROM oracle.check_all(vnames[i:i], vqueries[i:i], vcols[i:i]) ca WHERE ca.bad > 0),
                                  'read again: no difference');
            RETURN;
        END IF;
    END LOOP;
    FOREACH i IN ARRAY idx LOOP
        SELECT count(*) INTO cnt FROM stepping.check_view(vnames[i]::regclass);
        IF cnt <> 0 THEN
            bad := i;
            vname := vnames[i];
            vquery := vqueries[i];
            vcol := vcols[i];
            SELECT string_agg(format('  %s %s', side, row_data), E'\n' ORDER BY side, row_data)
              INTO txt FROM (SELECT * FROM stepping.check_view(vnames[i]::regclass) LIMIT 40) s;
            detail := format(E'stepping.check_view rows (%s) after a read (form %s):\n%s', cnt, form, txt);
            RETURN;
        END IF;
    END LOOP;
END $$;

-- A check between the statements of a transaction of the generators: none
-- (the changes stay pending into the next statement: 30%), a read_check (40%)
-- or a full check_all (30%); script: the reads for the replay script ('' for
-- none; for check_all the read of the first view, which applies what is
-- pending).
CREATE FUNCTION oracle.between_check(vnames text[], vqueries text[], vcols text[], p_copy bool DEFAULT false,
                                     OUT bad int, OUT vname text, OUT vquery text, OUT vcol text,
                                     OUT detail text, OUT secs float8[], OUT script text)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    x float8 := random();
BEGIN
    script := '';
    IF x < 0.3 OR coalesce(array_length(vnames, 1), 0) = 0 THEN
        bad := 0;
        secs := '{}';
    ELSIF x < 0.7 THEN
        SELECT * INTO bad, vname, vquery, vcol, detail, secs, script
          FROM oracle.read_check(vnames, vqueries, vcols, p_copy);
    ELSE
        SELECT * INTO bad, vname, vquery, vcol, detail, secs FROM oracle.check_all(vnames, vqueries, vcols);
        script := format('SELECT * FROM (%s) z;  -- check of every view', oracle.diff_query(vnames[1], vqueries[1], vcols[1]));
    END IF;
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
                               p_tabschema text DEFAULT NULL, p_apply text DEFAULT 'mixed')
LANGUAGE plpgsql AS $proc$
DECLARE
    i int;
    j int;
    k int;
    n bigint;
    txt text;
    line text;
    rewritten bool;
    vn text[];
    vq text[];
    vc text[];
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
    -- the views of the round, for the reads between statements
    EXECUTE format('SELECT vnames[1:nlive], vqueries[1:nlive], vcols[1:nlive] FROM %I.rstate WHERE seed = $1 AND round = $2', p_gen)
       INTO vn, vq, vc USING p_seed, p_round;
    COMMIT;
    FOR i IN p_from..p_ntx LOOP
        stmts := '{}';
        outcome := 'commit';
        -- this transaction's stepping.apply (SET LOCAL; --apply mixed: either)
        line := oracle.set_apply(oracle.pick_apply(p_apply), true);
        IF line <> '' THEN
            stmts := stmts || line;
        END IF;
        -- a forced recompute keeps the view's other writers waiting until
        -- commit (ShareLock on the result table): one transaction in eight
        line := oracle.set_large_steps(CASE WHEN i % 8 = 0 THEN 0 ELSE 1 + i % 2 END, true);
        IF line <> '' THEN
            stmts := stmts || line;
        END IF;
        BEGIN
            FOR j IN 1..1 + floor(random() * 5)::int LOOP
                EXECUTE format('SELECT %I.worker_stmt($1, $2)', p_gen) INTO stmt USING p_seed, p_round;
                stmts := stmts || stmt;
                EXECUTE stmt;
                IF p_apply = 'mixed' AND random() < 0.1 THEN
                    line := oracle.set_apply(oracle.pick_apply(p_apply), true);
                    IF line <> '' THEN
                        stmts := stmts || line;
                    END IF;
                END IF;
                IF random() < 0.3 AND coalesce(cardinality(vn), 0) > 0 THEN
                    -- read your writes under concurrency: the result table
                    -- against the query, in one query (one snapshot).  A
                    -- TRUNCATE is not MVCC-safe: a snapshot taken before
                    -- another session's TRUNCATE committed sees the table
                    -- empty; the same query tells (rewritten: a table's
                    -- relfilenode in this snapshot's pg_class differs from
                    -- the current one), and such a read is not compared.
                    k := 1 + floor(random() * cardinality(vn))::int;
                    stmts := stmts || format('SELECT * FROM (%s) z  -- read', oracle.diff_query(vn[k], vq[k], vc[k]));
                    EXECUTE format('SELECT count(*), string_agg(format(''  %%s %%s'', z.excess, z.row_text), E''\n''), '
                                   '(SELECT coalesce(bool_or(c.relfilenode <> pg_relation_filenode(c.oid)), false) FROM pg_class c '
                                   ' WHERE c.relkind = ''r'' AND (c.relnamespace = %L::regnamespace OR c.oid = ANY (%L::regclass[]))) '
                                   'FROM (%s) z',
                                   p_tabschema, vn, oracle.diff_query(vn[k], vq[k], vc[k])) INTO n, txt, rewritten;
                    IF n <> 0 AND rewritten THEN
                        stmts := stmts || '-- (the read differed, but a table was truncated after its snapshot: not compared)'::text;
                    ELSIF n <> 0 THEN
                        RAISE EXCEPTION USING ERRCODE = 'RD001',
                            MESSAGE = format('a read of view %s inside a worker transaction (%s) differs from its query', vn[k], iso),
                            DETAIL = format(E'rows (excess, row; + = the result table has it in excess):\n%s\nthe transaction so far:\n%s',
                                            txt, array_to_string(stmts, E';\n'));
                    END IF;
                END IF;
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
            WHEN SQLSTATE 'XX001' THEN
                -- a view found out of sync: say which transaction met it
                RAISE EXCEPTION USING ERRCODE = 'XX001', MESSAGE = SQLERRM,
                    DETAIL = format(E'in a worker transaction (%s); the transaction so far:\n%s',
                                    iso, array_to_string(stmts, E';\n'));
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
