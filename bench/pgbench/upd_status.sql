-- W4b: UPDATE of one order's status (open -> shipped, anything else -> open),
-- so the row leaves or enters the view.
\set id random(1, :nord)
UPDATE orders SET status = CASE WHEN status = 'open' THEN 'shipped' ELSE 'open' END WHERE id = :id;
