-- trickle: a single-row lineitem UPDATE of line 1 of a random order: its
-- quantity (and price with it), its extended price, its discount, or its
-- return flag (R <-> A; N stays N)
\set ok random(1, :nord)
\set kind random(1, 4)
\set x random(0, 50)
\if :kind = 1
UPDATE lineitem SET l_quantity = greatest(:x::int, 1), l_extendedprice = round(l_extendedprice / l_quantity * greatest(:x::int, 1), 2)
 WHERE l_orderkey = :ok AND l_linenumber = 1;
\elif :kind = 2
UPDATE lineitem SET l_extendedprice = l_extendedprice + (:x::int - 25)
 WHERE l_orderkey = :ok AND l_linenumber = 1;
\elif :kind = 3
UPDATE lineitem SET l_discount = (:x::int % 11) / 100.0
 WHERE l_orderkey = :ok AND l_linenumber = 1;
\else
UPDATE lineitem SET l_returnflag = CASE l_returnflag WHEN 'R' THEN 'A' WHEN 'A' THEN 'R' ELSE l_returnflag END
 WHERE l_orderkey = :ok AND l_linenumber = 1;
\endif
