-- trickle: a single-row lineitem DELETE (the last line of a random order)
\set ok random(1, :nord)
DELETE FROM lineitem
 WHERE l_orderkey = :ok
   AND l_linenumber = (SELECT max(l_linenumber) FROM lineitem WHERE l_orderkey = :ok);
