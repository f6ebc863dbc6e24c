#!/usr/bin/env bash
# scripts/demo.sh — the project's demo:  bash scripts/demo.sh
#
# Installs dependencies if missing (scripts/setup.sh), builds and installs the extension,
# starts a throwaway PostgreSQL 15 cluster in a temp dir, and runs a short psql session
# (statements echoed) showing a stepping view following INSERT/UPDATE/DELETE on its base
# table. The cluster is stopped and removed at the end.
set -euo pipefail

STEPPING_TAG="demo"
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$STEPPING_ROOT"

msg "== setup"
bash "$STEPPING_ROOT/scripts/setup.sh"

msg "== build"
build_and_install || die "build failed"

msg "== starting throwaway cluster"
cluster_start

msg "== demo"
echo
psql -X -q -a -v ON_ERROR_STOP=1 --pset=pager=off <<'SQL'
-- stepping keeps the result of a SELECT in an ordinary table, updated in the same
-- transaction as every change to the base table.
CREATE EXTENSION stepping;

CREATE TABLE orders (
    id          bigserial PRIMARY KEY,
    customer_id int,
    amount      numeric(12,2)
);
INSERT INTO orders (customer_id, amount) VALUES
    (1, 10.00), (1, 25.50), (2, 7.25), (3, 100.00), (3, 1.00);

SELECT stepping.create_view('customer_totals', $$SELECT customer_id, count(*) AS n, sum(amount) AS total FROM orders GROUP BY customer_id$$);

SELECT customer_id, n, total FROM customer_totals ORDER BY 1;

-- new orders: an existing customer changes, a new customer appears
INSERT INTO orders (customer_id, amount) VALUES (2, 12.75), (4, 42.00);
SELECT customer_id, n, total FROM customer_totals ORDER BY 1;

-- an order moves to another customer and another one changes its amount
UPDATE orders SET customer_id = 2 WHERE id = 1;
UPDATE orders SET amount = amount * 2 WHERE customer_id = 3;
SELECT customer_id, n, total FROM customer_totals ORDER BY 1;

-- deleting the last order of customer 4 removes its group
DELETE FROM orders WHERE customer_id = 4;
SELECT customer_id, n, total FROM customer_totals ORDER BY 1;

-- a rolled-back transaction leaves the result untouched
BEGIN;
DELETE FROM orders;
SELECT customer_id, n, total FROM customer_totals ORDER BY 1;
ROLLBACK;
SELECT customer_id, n, total FROM customer_totals ORDER BY 1;

-- the same query computed from scratch, for comparison
SELECT customer_id, count(*) AS n, sum(amount) AS total FROM orders GROUP BY customer_id ORDER BY 1;

-- check_view diffs the result table against a fresh run of the query: empty = correct
SELECT * FROM stepping.check_view('customer_totals');

-- the incremental circuit that maintains the view
SELECT * FROM stepping.explain_view('customer_totals');
SQL
echo

cluster_stop
cluster_check_crashes || die "the server log shows a crashed backend"
msg "demo finished; cluster stopped"
