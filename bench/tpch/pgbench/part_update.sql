-- trickle: a part UPDATE of its retail price or its type
\set pk random(1, :npart)
\set kind random(1, 2)
\set x random(0, 110000)
\set t1 random(1, 6)
\set t2 random(1, 5)
\set t3 random(1, 5)
\if :kind = 1
UPDATE part SET p_retailprice = 900 + :x::int / 100.0 WHERE p_partkey = :pk;
\else
UPDATE part SET p_type = (ARRAY['STANDARD', 'SMALL', 'MEDIUM', 'LARGE', 'ECONOMY', 'PROMO'])[:t1::int] || ' '
                      || (ARRAY['ANODIZED', 'BURNISHED', 'PLATED', 'POLISHED', 'BRUSHED'])[:t2::int] || ' '
                      || (ARRAY['TIN', 'NICKEL', 'BRASS', 'STEEL', 'COPPER'])[:t3::int]
 WHERE p_partkey = :pk;
\endif
