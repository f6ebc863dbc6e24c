-- bench/sql/load.sql — deterministic data for every workload.
-- psql variables: nord (orders), ncust_ord (customers that have orders),
-- ncust (customers), nreg (regions).  Loaded once into a template database
-- and cloned per system, so every system starts from byte-identical data.
\set ON_ERROR_STOP 1
SELECT setseed(0.4242);

CREATE TABLE regions (id int PRIMARY KEY, name text NOT NULL);
INSERT INTO regions SELECT g, 'region-' || g FROM generate_series(1, :nreg) g;

CREATE TABLE customers (id int PRIMARY KEY, region_id int NOT NULL, segment text NOT NULL);
INSERT INTO customers
SELECT g, 1 + floor(random() * :nreg)::int, 'seg' || floor(random() * 5)::int
FROM generate_series(1, :ncust) g;
CREATE INDEX customers_region_id_idx ON customers (region_id);

CREATE TABLE orders (
    id          bigserial PRIMARY KEY,
    customer_id int,
    amount      numeric(12,2),
    status      text,
    created_at  timestamptz
);
INSERT INTO orders (customer_id, amount, status, created_at)
SELECT 1 + floor(random() * :ncust_ord)::int,
       round((1 + random() * 999)::numeric, 2),
       CASE WHEN r < 0.2 THEN 'open' WHEN r < 0.7 THEN 'shipped' ELSE 'closed' END,
       timestamptz '2024-01-01 00:00:00+00' + g * interval '10 seconds'
FROM (SELECT g, random() AS r FROM generate_series(1, :nord) g) s
ORDER BY g;
CREATE INDEX orders_customer_id_idx ON orders (customer_id);

VACUUM (FREEZE, ANALYZE) regions, customers, orders;
