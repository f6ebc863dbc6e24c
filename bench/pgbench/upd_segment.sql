-- W2b: UPDATE of one customer's segment (always to a different segment).
-- Customers are drawn from all :ncust; orders reference the first :ncust_ord,
-- so on average nord/ncust orders move between groups per update.
\set cid random(1, :ncust)
\set k random(1, 4)
UPDATE customers SET segment = 'seg' || ((substr(segment, 4)::int + :k) % 5) WHERE id = :cid;
