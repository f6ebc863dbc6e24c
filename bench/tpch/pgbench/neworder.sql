-- trickle: a new order with 1-7 lineitems (keys :base + 1, :base + 2, ...).
-- The lines' values are hashes of (order key, line number), like gen.sql's;
-- the order's status and total price are computed from its lines.
\set cnt :cnt + 1
\set ok :base + :cnt
\set ck random(1, :ncust)
\set od random(0, 2405)
\set nl random(1, 7)
\set pri random(1, 5)
BEGIN;
INSERT INTO lineitem
SELECT :ok, p_partkey, (p_partkey + si * (:nsupp::int / 4 + (p_partkey - 1) / :nsupp::int)) % :nsupp::int + 1, ln,
       qty, qty * p_retailprice, disc, tax,
       CASE WHEN rd <= date '1995-06-17' THEN CASE WHEN ln % 2 = 0 THEN 'R' ELSE 'A' END ELSE 'N' END,
       CASE WHEN sd > date '1995-06-17' THEN 'O' ELSE 'F' END,
       sd, cd, rd,
       (ARRAY['DELIVER IN PERSON', 'COLLECT COD', 'NONE', 'TAKE BACK RETURN'])[1 + (h % 4)::int],
       (ARRAY['REG AIR', 'AIR', 'RAIL', 'SHIP', 'TRUCK', 'MAIL', 'FOB'])[1 + (h / 4 % 7)::int],
       'trickle order line'
FROM (SELECT ln, h,
             1 + (h / 28 % :npart::int)::int AS pk,
             (hashint8extended(:ok::bigint * 8 + ln, 2) & 2147483647) % 4 AS si,
             (1 + (hashint8extended(:ok::bigint * 8 + ln, 3) & 2147483647) % 50)::numeric(15,2) AS qty,
             ((hashint8extended(:ok::bigint * 8 + ln, 5) & 2147483647) % 11) / 100.0 AS disc,
             ((hashint8extended(:ok::bigint * 8 + ln, 6) & 2147483647) % 9) / 100.0 AS tax,
             date '1992-01-01' + :od::int + 1 + ((hashint8extended(:ok::bigint * 8 + ln, 4) & 2147483647) % 121)::int AS sd,
             date '1992-01-01' + :od::int + 30 + ((hashint8extended(:ok::bigint * 8 + ln, 8) & 2147483647) % 61)::int AS cd,
             ((hashint8extended(:ok::bigint * 8 + ln, 12) & 2147483647) % 30)::int AS rdays
        FROM generate_series(1, :nl::int) ln,
             LATERAL (SELECT hashint8extended(:ok::bigint * 8 + ln, 1) & 2147483647 AS h) hh) g
CROSS JOIN LATERAL (SELECT sd + 1 + rdays AS rd) r
JOIN part ON p_partkey = g.pk;
INSERT INTO orders
SELECT :ok, :ck::int,
       CASE WHEN bool_and(l_linestatus = 'F') THEN 'F' WHEN bool_and(l_linestatus = 'O') THEN 'O' ELSE 'P' END,
       sum(l_extendedprice * (1 + l_tax) * (1 - l_discount)), date '1992-01-01' + :od::int,
       (ARRAY['1-URGENT', '2-HIGH', '3-MEDIUM', '4-NOT SPECIFIED', '5-LOW'])[:pri::int],
       'Clerk#000000001', 0, 'trickle order'
FROM lineitem WHERE l_orderkey = :ok;
END;
