-- bench/tpch/gen.sql — a deterministic TPC-H-like data generator in plain SQL
-- (no dbgen, nothing downloaded).
--
--   psql -v sf=0.05 -f bench/tpch/gen.sql DB        (sf defaults to 0.05)
--
-- Creates the 8 TPC-H tables with the spec's column names and types, their
-- primary keys and the indexes a user adds on foreign-key columns, and fills
-- them for scale factor sf (1 = 6M lineitems): region 5, nation 25, supplier
-- 10000*sf, part 200000*sf, partsupp 4 per part, customer 150000*sf, orders
-- 1500000*sf (only customers whose key is not a multiple of 3 have orders),
-- lineitem 1-7 per order.  Also the refresh data of the schema tpch_rf:
-- rf1_orders / rf1_lineitem (0.1% new orders, keys after the last order, with
-- their lineitems) and rf2_keys (0.1% of the existing orders, to delete).
--
-- Every random value is a hash of the row's key and a per-column salt
-- (hashint8extended), not random(): the data does not depend on the order in
-- which rows are generated, the plan, or the PostgreSQL build, and is the
-- same on every run.
--
-- Distributions follow the TPC-H spec (4.2.3) closely enough that the 22
-- queries return rows at small scale factors: the spec's word lists for
-- p_name (92 colours), p_type, p_container, segments, priorities, ship modes
-- and instructions; p_retailprice by the spec's formula; ps_suppkey by the
-- spec's formula (the 4 suppliers of a part are distinct); o_orderdate
-- uniform in 1992-01-01 .. 1998-08-02; l_shipdate = orderdate + 1..121,
-- l_commitdate = orderdate + 30..90, l_receiptdate = shipdate + 1..30;
-- l_returnflag 'R'/'A' when receiptdate <= 1995-06-17, else 'N'; l_linestatus
-- 'O' when shipdate > 1995-06-17, else 'F'; o_orderstatus F/O/P from its
-- lineitems, o_totalprice their sum(extendedprice * (1 + tax) * (1 - discount));
-- phone numbers start with 10 + nationkey.  Comments are phrases of the spec's
-- grammar words (so '%special%requests%' matches some orders); about 1% of
-- suppliers say 'Customer ... Complaints' and 1% 'Customer ... Recommends'.
-- Deviations, deliberate: order keys are dense (1..orders, not 8 of every 32);
-- 0.1% of the orders (orderkey % 1000 = 7) have 7 lineitems of quantity 43-50,
-- so that Q18 (sum(l_quantity) > 300, 57 orders at sf 1) returns rows at any
-- scale factor; comments are shorter and simpler than dbgen's.
\set ON_ERROR_STOP 1
\if :{?sf}
\else
\set sf 0.05
\endif
SET client_min_messages = warning;
SET maintenance_work_mem = '256MB';

SELECT greatest(1, round(10000 * :sf))::int   AS nsupp,
       greatest(4, round(200000 * :sf))::int  AS npart,
       greatest(3, round(150000 * :sf))::int  AS ncust,
       greatest(1, round(1500000 * :sf))::int AS nord,
       greatest(1, round(1000 * :sf))::int    AS nclerk,
       greatest(1, round(1500 * :sf))::int    AS nrf
\gset

-- ---------------------------------------------------------------------------
-- generator helpers (session-local, gone when the load ends)
-- ---------------------------------------------------------------------------
-- a non-negative 63-bit hash of key k under salt s
CREATE FUNCTION pg_temp.h(k bigint, s int) RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT hashint8extended(k, s) & 9223372036854775807 $$;
-- an integer in lo..hi
CREATE FUNCTION pg_temp.ri(k bigint, s int, lo int, hi int) RETURNS int LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT lo + (pg_temp.h(k, s) % (hi - lo + 1))::int $$;
-- one element of a text array
CREATE FUNCTION pg_temp.pick(a text[], k bigint, s int) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT a[1 + (pg_temp.h(k, s) % array_length(a, 1))::int] $$;
-- a phrase of the spec's text grammar: adjective noun verb adverb
CREATE FUNCTION pg_temp.phrase(k bigint, s int) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT pg_temp.pick('{furious,sly,careful,blithe,quick,fluffy,slow,quiet,ruthless,thin,close,dogged,daring,brave,stealthy,permanent,enticing,idle,busy,regular,final,ironic,even,bold,silent,special,pending,unusual,express}'::text[], k, s)
   || ' ' || pg_temp.pick('{foxes,ideas,theodolites,"pinto beans",instructions,dependencies,excuses,platelets,asymptotes,courts,dolphins,multipliers,sauternes,warthogs,frets,dinos,attainments,somas,Tiresias,patterns,forges,braids,"hockey players",frays,warhorses,dugouts,notornis,epitaphs,pearls,tithes,waters,orbits,gifts,sheaves,depths,sentiments,decoys,realms,pains,grouches,escapades,packages,requests,accounts,deposits}'::text[], k, s + 1)
   || ' ' || pg_temp.pick('{sleep,wake,are,cajole,haggle,nag,use,boost,affix,detect,integrate,maintain,nod,was,lose,sublate,solve,thrash,promise,engage,hinder,print,x-ray,breach,eat,grow,impress,mold,poach,serve,run,dazzle,snooze,doze,unwind,kindle,play,hang,believe,doubt}'::text[], k, s + 2)
   || ' ' || pg_temp.pick('{sometimes,always,never,furiously,slyly,carefully,blithely,quickly,fluffily,slowly,quietly,ruthlessly,thinly,closely,doggedly,daringly,bravely,stealthily,permanently,enticingly,idly,busily,regularly,finally,ironically,evenly,boldly,silently}'::text[], k, s + 3) $$;
-- a comment of at most n characters
CREATE FUNCTION pg_temp.cmt(k bigint, s int, n int) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT left(pg_temp.phrase(k, s) || CASE WHEN n > 30 THEN ' ' || pg_temp.phrase(k, s + 10) ELSE '' END
                  || CASE WHEN n > 60 THEN ' ' || pg_temp.phrase(k, s + 20) ELSE '' END, n) $$;
-- an address: 10..40 characters of letters, digits, spaces
CREATE FUNCTION pg_temp.addr(k bigint, s int) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT left(md5(k::text || '/' || s) || md5(s::text || '/' || k), pg_temp.ri(k, s, 10, 40)) $$;
-- a phone number whose country code is 10 + nationkey
CREATE FUNCTION pg_temp.phone(k bigint, s int, nk int) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT (10 + nk) || '-' || pg_temp.ri(k, s, 100, 999) || '-' || pg_temp.ri(k, s + 1, 100, 999)
             || '-' || pg_temp.ri(k, s + 2, 1000, 9999) $$;
-- the spec's p_retailprice of part pk
CREATE FUNCTION pg_temp.price(pk int) RETURNS numeric LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT ((90000 + (pk / 10) % 20001 + 100 * (pk % 1000)) / 100.0)::numeric(15,2) $$;
-- the order date of order ok (uniform in 1992-01-01 .. 1998-08-02)
CREATE FUNCTION pg_temp.odate(ok int) RETURNS date LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT date '1992-01-01' + pg_temp.ri(ok, 40, 0, date '1998-08-02' - date '1992-01-01') $$;

-- ---------------------------------------------------------------------------
-- tables (TPC-H 1.4)
-- ---------------------------------------------------------------------------
CREATE TABLE region (
    r_regionkey integer NOT NULL,
    r_name      char(25) NOT NULL,
    r_comment   varchar(152)
);
CREATE TABLE nation (
    n_nationkey integer NOT NULL,
    n_name      char(25) NOT NULL,
    n_regionkey integer NOT NULL,
    n_comment   varchar(152)
);
CREATE TABLE supplier (
    s_suppkey   integer NOT NULL,
    s_name      char(25) NOT NULL,
    s_address   varchar(40) NOT NULL,
    s_nationkey integer NOT NULL,
    s_phone     char(15) NOT NULL,
    s_acctbal   numeric(15,2) NOT NULL,
    s_comment   varchar(101) NOT NULL
);
CREATE TABLE part (
    p_partkey     integer NOT NULL,
    p_name        varchar(55) NOT NULL,
    p_mfgr        char(25) NOT NULL,
    p_brand       char(10) NOT NULL,
    p_type        varchar(25) NOT NULL,
    p_size        integer NOT NULL,
    p_container   char(10) NOT NULL,
    p_retailprice numeric(15,2) NOT NULL,
    p_comment     varchar(23) NOT NULL
);
CREATE TABLE partsupp (
    ps_partkey    integer NOT NULL,
    ps_suppkey    integer NOT NULL,
    ps_availqty   integer NOT NULL,
    ps_supplycost numeric(15,2) NOT NULL,
    ps_comment    varchar(199) NOT NULL
);
CREATE TABLE customer (
    c_custkey    integer NOT NULL,
    c_name       varchar(25) NOT NULL,
    c_address    varchar(40) NOT NULL,
    c_nationkey  integer NOT NULL,
    c_phone      char(15) NOT NULL,
    c_acctbal    numeric(15,2) NOT NULL,
    c_mktsegment char(10) NOT NULL,
    c_comment    varchar(117) NOT NULL
);
CREATE TABLE orders (
    o_orderkey      integer NOT NULL,
    o_custkey       integer NOT NULL,
    o_orderstatus   char(1) NOT NULL,
    o_totalprice    numeric(15,2) NOT NULL,
    o_orderdate     date NOT NULL,
    o_orderpriority char(15) NOT NULL,
    o_clerk         char(15) NOT NULL,
    o_shippriority  integer NOT NULL,
    o_comment       varchar(79) NOT NULL
);
CREATE TABLE lineitem (
    l_orderkey      integer NOT NULL,
    l_partkey       integer NOT NULL,
    l_suppkey       integer NOT NULL,
    l_linenumber    integer NOT NULL,
    l_quantity      numeric(15,2) NOT NULL,
    l_extendedprice numeric(15,2) NOT NULL,
    l_discount      numeric(15,2) NOT NULL,
    l_tax           numeric(15,2) NOT NULL,
    l_returnflag    char(1) NOT NULL,
    l_linestatus    char(1) NOT NULL,
    l_shipdate      date NOT NULL,
    l_commitdate    date NOT NULL,
    l_receiptdate   date NOT NULL,
    l_shipinstruct  char(25) NOT NULL,
    l_shipmode      char(10) NOT NULL,
    l_comment       varchar(44) NOT NULL
);

-- ---------------------------------------------------------------------------
-- data
-- ---------------------------------------------------------------------------
INSERT INTO region VALUES
    (0, 'AFRICA', 'lar deposits. blithely final packages cajole'),
    (1, 'AMERICA', 'hs use ironic, even requests'),
    (2, 'ASIA', 'ges. thinly even pinto beans ca'),
    (3, 'EUROPE', 'ly final courts cajole furiously final excuse'),
    (4, 'MIDDLE EAST', 'uickly special accounts cajole carefully blithely close requests');

INSERT INTO nation (n_nationkey, n_name, n_regionkey, n_comment)
SELECT k, name, rk, pg_temp.cmt(k, 1, 100)
FROM (VALUES (0, 'ALGERIA', 0), (1, 'ARGENTINA', 1), (2, 'BRAZIL', 1), (3, 'CANADA', 1),
             (4, 'EGYPT', 4), (5, 'ETHIOPIA', 0), (6, 'FRANCE', 3), (7, 'GERMANY', 3),
             (8, 'INDIA', 2), (9, 'INDONESIA', 2), (10, 'IRAN', 4), (11, 'IRAQ', 4),
             (12, 'JAPAN', 2), (13, 'JORDAN', 4), (14, 'KENYA', 0), (15, 'MOROCCO', 0),
             (16, 'MOZAMBIQUE', 0), (17, 'PERU', 1), (18, 'CHINA', 2), (19, 'ROMANIA', 3),
             (20, 'SAUDI ARABIA', 4), (21, 'VIETNAM', 2), (22, 'RUSSIA', 3),
             (23, 'UNITED KINGDOM', 3), (24, 'UNITED STATES', 1)) n(k, name, rk);

INSERT INTO supplier
SELECT g, 'Supplier#' || lpad(g::text, 9, '0'), pg_temp.addr(g, 101), nk,
       pg_temp.phone(g, 103, nk), pg_temp.ri(g, 106, -99999, 999999) / 100.0,
       CASE pg_temp.ri(g, 107, 0, 99)
           WHEN 0 THEN left(pg_temp.phrase(g, 108) || ' Customer ' || pg_temp.phrase(g, 112) || ' Complaints', 101)
           WHEN 1 THEN left(pg_temp.phrase(g, 108) || ' Customer ' || pg_temp.phrase(g, 112) || ' Recommends', 101)
           ELSE pg_temp.cmt(g, 108, 80) END
FROM generate_series(1, :nsupp) g, LATERAL (SELECT pg_temp.ri(g, 102, 0, 24) AS nk) n;

INSERT INTO part
SELECT g,
       array_to_string(ARRAY(SELECT pg_temp.pick('{almond,antique,aquamarine,azure,beige,bisque,black,blanched,blue,blush,brown,burlywood,burnished,chartreuse,chiffon,chocolate,coral,cornflower,cornsilk,cream,cyan,dark,deep,dim,dodger,drab,firebrick,floral,forest,frosted,gainsboro,ghost,goldenrod,green,grey,honeydew,hot,indian,ivory,khaki,lace,lavender,lawn,lemon,light,lime,linen,magenta,maroon,medium,metallic,midnight,mint,misty,moccasin,navajo,navy,olive,orange,orchid,pale,papaya,peach,peru,pink,plum,powder,puff,purple,red,rose,rosy,royal,saddle,salmon,sandy,seashell,sienna,sky,slate,smoke,snow,spring,steel,tan,thistle,tomato,turquoise,violet,wheat,white,yellow}'::text[], g, 310 + i)
                             FROM generate_series(0, 4) i), ' '),
       'Manufacturer#' || m, 'Brand#' || m || pg_temp.ri(g, 302, 1, 5),
       pg_temp.pick('{STANDARD,SMALL,MEDIUM,LARGE,ECONOMY,PROMO}', g, 303) || ' '
           || pg_temp.pick('{ANODIZED,BURNISHED,PLATED,POLISHED,BRUSHED}', g, 304) || ' '
           || pg_temp.pick('{TIN,NICKEL,BRASS,STEEL,COPPER}', g, 305),
       pg_temp.ri(g, 306, 1, 50),
       pg_temp.pick('{SM,LG,MED,JUMBO,WRAP}', g, 307) || ' ' || pg_temp.pick('{CASE,BOX,BAG,JAR,PKG,PACK,CAN,DRUM}', g, 308),
       pg_temp.price(g), pg_temp.cmt(g, 330, 23)
FROM generate_series(1, :npart) g, LATERAL (SELECT pg_temp.ri(g, 301, 1, 5) AS m) mm;

INSERT INTO partsupp
SELECT g, (g + i * (:nsupp / 4 + (g - 1) / :nsupp)) % :nsupp + 1,
       pg_temp.ri(g * 4 + i, 401, 1, 9999), pg_temp.ri(g * 4 + i, 402, 100, 100000) / 100.0,
       pg_temp.cmt(g * 4 + i, 403, 199)
FROM generate_series(1, :npart) g, generate_series(0, 3) i;

INSERT INTO customer
SELECT g, 'Customer#' || lpad(g::text, 9, '0'), pg_temp.addr(g, 201), nk,
       pg_temp.phone(g, 203, nk), pg_temp.ri(g, 206, -99999, 999999) / 100.0,
       pg_temp.pick('{AUTOMOBILE,BUILDING,FURNITURE,MACHINERY,HOUSEHOLD}', g, 207),
       pg_temp.cmt(g, 208, 117)
FROM generate_series(1, :ncust) g, LATERAL (SELECT pg_temp.ri(g, 202, 0, 24) AS nk) n;

-- The lineitems of orders lo..hi: 1-7 per order (7 of quantity 43-50 for
-- orderkey % 1000 = 7); the supplier is one of the part's 4 partsupp
-- suppliers, by the spec's formula.
CREATE FUNCTION pg_temp.gen_lineitem(lo int, hi int, npart int, nsupp int) RETURNS SETOF lineitem
LANGUAGE sql STABLE AS $$
SELECT ok, pk, (pk + si * (nsupp / 4 + (pk - 1) / nsupp)) % nsupp + 1, ln,
       qty, qty * pg_temp.price(pk),
       pg_temp.ri(lk, 605, 0, 10) / 100.0, pg_temp.ri(lk, 606, 0, 8) / 100.0,
       CASE WHEN rd <= date '1995-06-17' THEN CASE WHEN pg_temp.ri(lk, 607, 0, 1) = 0 THEN 'R' ELSE 'A' END ELSE 'N' END,
       CASE WHEN sd > date '1995-06-17' THEN 'O' ELSE 'F' END,
       sd, od + pg_temp.ri(lk, 608, 30, 90), rd,
       pg_temp.pick('{DELIVER IN PERSON,COLLECT COD,NONE,TAKE BACK RETURN}', lk, 609),
       pg_temp.pick('{REG AIR,AIR,RAIL,SHIP,TRUCK,MAIL,FOB}', lk, 610),
       pg_temp.cmt(lk, 611, 44)
FROM generate_series(lo, hi) ok
CROSS JOIN LATERAL generate_series(1, CASE WHEN ok % 1000 = 7 THEN 7 ELSE pg_temp.ri(ok, 630, 1, 7) END) ln
CROSS JOIN LATERAL (SELECT ok::bigint * 8 + ln AS lk, pg_temp.odate(ok) AS od) a
CROSS JOIN LATERAL (SELECT pg_temp.ri(lk, 601, 1, npart) AS pk, pg_temp.ri(lk, 602, 0, 3) AS si,
                           (CASE WHEN ok % 1000 = 7 THEN pg_temp.ri(lk, 603, 43, 50)
                                 ELSE pg_temp.ri(lk, 603, 1, 50) END)::numeric(15,2) AS qty,
                           od + pg_temp.ri(lk, 604, 1, 121) AS sd) b
CROSS JOIN LATERAL (SELECT sd + pg_temp.ri(lk, 612, 1, 30) AS rd) c
$$;

-- The orders lo..hi, their status and total price from their lineitems in li.
CREATE FUNCTION pg_temp.gen_orders(lo int, hi int, ncust int, nclerk int, li regclass) RETURNS SETOF orders
LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY EXECUTE format($q$
    SELECT ok,
           x + (x - 1) / 2,   -- the x-th customer key that is not a multiple of 3
           (CASE WHEN l.nf = l.n THEN 'F' WHEN l.nf = 0 THEN 'O' ELSE 'P' END)::char(1),
           l.total::numeric(15,2), pg_temp.odate(ok),
           pg_temp.pick('{1-URGENT,2-HIGH,3-MEDIUM,4-NOT SPECIFIED,5-LOW}', ok, 502)::char(15),
           ('Clerk#' || lpad(pg_temp.ri(ok, 503, 1, $3)::text, 9, '0'))::char(15), 0,
           pg_temp.cmt(ok, 504, 79)::varchar(79)
    FROM generate_series($1, $2) ok
    CROSS JOIN LATERAL (SELECT pg_temp.ri(ok, 501, 1, $4 - $4 / 3) AS x) c
    JOIN (SELECT l_orderkey, count(*) AS n, count(*) FILTER (WHERE l_linestatus = 'F') AS nf,
                 sum(l_extendedprice * (1 + l_tax) * (1 - l_discount)) AS total
            FROM %s WHERE l_orderkey BETWEEN $1 AND $2 GROUP BY l_orderkey) l ON l.l_orderkey = ok
    $q$, li) USING lo, hi, nclerk, ncust;
END $$;

INSERT INTO lineitem SELECT * FROM pg_temp.gen_lineitem(1, :nord, :npart, :nsupp);
INSERT INTO orders SELECT * FROM pg_temp.gen_orders(1, :nord, :ncust, :nclerk, 'lineitem');

-- ---------------------------------------------------------------------------
-- keys and indexes
-- ---------------------------------------------------------------------------
ALTER TABLE region   ADD PRIMARY KEY (r_regionkey);
ALTER TABLE nation   ADD PRIMARY KEY (n_nationkey);
ALTER TABLE supplier ADD PRIMARY KEY (s_suppkey);
ALTER TABLE part     ADD PRIMARY KEY (p_partkey);
ALTER TABLE partsupp ADD PRIMARY KEY (ps_partkey, ps_suppkey);
ALTER TABLE customer ADD PRIMARY KEY (c_custkey);
ALTER TABLE orders   ADD PRIMARY KEY (o_orderkey);
ALTER TABLE lineitem ADD PRIMARY KEY (l_orderkey, l_linenumber);
-- foreign-key columns (l_orderkey and ps_partkey lead their primary keys)
CREATE INDEX lineitem_part_supp_idx ON lineitem (l_partkey, l_suppkey);
CREATE INDEX lineitem_suppkey_idx   ON lineitem (l_suppkey);
CREATE INDEX orders_custkey_idx     ON orders (o_custkey);
CREATE INDEX partsupp_suppkey_idx   ON partsupp (ps_suppkey);
CREATE INDEX customer_nationkey_idx ON customer (c_nationkey);
CREATE INDEX supplier_nationkey_idx ON supplier (s_nationkey);
CREATE INDEX nation_regionkey_idx   ON nation (n_regionkey);

-- ---------------------------------------------------------------------------
-- refresh data (TPC-H 2.5: RF1 inserts and RF2 deletes SF * 1500 orders)
-- ---------------------------------------------------------------------------
CREATE SCHEMA tpch_rf;
CREATE TABLE tpch_rf.rf1_lineitem AS
    SELECT * FROM pg_temp.gen_lineitem(:nord + 1, :nord + :nrf, :npart, :nsupp);
CREATE TABLE tpch_rf.rf1_orders AS
    SELECT * FROM pg_temp.gen_orders(:nord + 1, :nord + :nrf, :ncust, :nclerk, 'tpch_rf.rf1_lineitem');
-- nrf existing orders spread over the key range
CREATE TABLE tpch_rf.rf2_keys AS
    SELECT DISTINCT 1 + (g - 1) * :nord / :nrf + :nord / (2 * :nrf) AS orderkey
    FROM generate_series(1, :nrf) g;
-- the sizes the workload scripts need
CREATE TABLE tpch_rf.sizes AS
    SELECT :sf::numeric AS sf, :nsupp AS nsupp, :npart AS npart, :ncust AS ncust,
           :nord AS nord, :nclerk AS nclerk, :nrf AS nrf;

VACUUM (FREEZE, ANALYZE);
