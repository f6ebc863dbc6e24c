-- trickle: a customer UPDATE of its account balance or its market segment
\set ck random(1, :ncust)
\set kind random(1, 2)
\set x random(0, 1099998)
\set s random(1, 5)
\if :kind = 1
UPDATE customer SET c_acctbal = (:x::int - 99999) / 100.0 WHERE c_custkey = :ck;
\else
UPDATE customer SET c_mktsegment = (ARRAY['AUTOMOBILE', 'BUILDING', 'FURNITURE', 'MACHINERY', 'HOUSEHOLD'])[:s::int]
 WHERE c_custkey = :ck;
\endif
