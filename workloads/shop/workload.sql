-- pg-index-advisor sample workload "shop" as plain SQL (offline use: pg-index-advisor reads a
-- workload file instead of pg_stat_statements). Generated from queries.json: the same statements
-- with representative constants in place of $n; "calls" is the per-round count of queries.json.
-- Load schema.sql and data.sql first. The writes change data: run inside BEGIN ... ROLLBACK.

-- name: customer_by_id calls: 400
-- already-indexed: nothing: customers_pkey already serves the primary-key lookup
SELECT id, email, name, country, is_vip FROM customers WHERE id = 42549;

-- name: customer_by_email calls: 300
-- btree-needed: btree customers(email): equality on a unique-valued column of a 100k-row table
SELECT id, name, country FROM customers WHERE email = 'cust61395@example.com';

-- name: customer_login calls: 250
-- expression: expression btree customers(lower(email)); a plain (email) index cannot serve lower(email)
SELECT id, name FROM customers WHERE lower(email) = lower('Cust20616@Example.com');

-- name: customers_by_region calls: 4
-- no-index: nothing: five of the 10 countries (estimated 50 % of the rows, on every page); a sequential scan is right and a hypothetical (country) index is not even used
SELECT id, email, name, created_at FROM customers WHERE country IN ('US', 'NL', 'SE', 'FR', 'AU');

-- name: vip_customers calls: 30
-- partial: partial btree customers(created_at DESC) WHERE is_vip (1 % of the rows) or (is_vip, created_at); a plain (created_at) index also helps (scan backwards, filter) but is 100x larger and 3x costlier
SELECT id, email, name, created_at FROM customers WHERE is_vip ORDER BY created_at DESC LIMIT 50;

-- name: product_by_sku calls: 300
-- already-indexed: nothing: the existing unique index products_sku_key serves it
SELECT id, name, price, attributes FROM products WHERE sku = 'SKU-015733';

-- name: products_by_category_price calls: 200
-- btree-needed: btree products(category_id, price): equality column first, then the range/sort column
SELECT id, name, price FROM products WHERE category_id = 67 AND price BETWEEN 40 AND 423 ORDER BY price LIMIT 24;

-- name: products_by_attributes calls: 80
-- gin: GIN products(attributes jsonb_path_ops) (or default jsonb_ops); hypopg cannot simulate GIN, so it can only be proposed unverified or checked with a real index
SELECT id, name, price FROM products WHERE attributes @> '{"brand":"brand12","warranty_years":3}'::jsonb;

-- name: products_by_tags calls: 60
-- gin: GIN products(tags) (array_ops) for the && overlap operator; not verifiable with hypopg
SELECT id, name, tags FROM products WHERE tags && '{"tag17","tag42"}'::text[];

-- name: products_name_search calls: 40
-- gin: GIN products(name gin_trgm_ops) (pg_trgm is installed by schema.sql); a leading-% ILIKE cannot use a btree. The pattern is a literal here, but pg_stat_statements shows it as $1
SELECT id, name, price FROM products WHERE name ILIKE '%walnut desk%';

-- name: order_detail calls: 300
-- already-indexed: nothing: both sides are reached through primary keys (orders_pkey, then customers_pkey)
SELECT o.id, o.status, o.total, o.created_at, c.name, c.email FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.id = 424429;

-- name: orders_by_customer calls: 300
-- btree-needed: btree orders(customer_id, created_at DESC) (or just (customer_id): ~5 orders per customer); the foreign key has no index
SELECT id, status, total, created_at FROM orders WHERE customer_id = 63865 ORDER BY created_at DESC LIMIT 20;

-- name: orders_by_status calls: 10
-- no-index: nothing: three of the 5 uniform statuses (60 % of 500k rows, on every page); a sequential scan is right and a hypothetical (status) index is not even used. (A single status = $1, 20 %, is NOT such a case for the planner: a bitmap scan on (status) costs 24 % less.)
SELECT count(*) AS orders, sum(total) AS value, avg(total) AS average FROM orders WHERE status IN ('paid', 'shipped', 'delivered');

-- name: orders_unshipped calls: 60
-- partial: partial btree orders(created_at) WHERE shipped_at IS NULL (~2 % of the rows: tiny, returns them in order); a plain (created_at) index nearly as good in cost but 50x larger; (shipped_at) alone saves only ~30 %
SELECT id, customer_id, status, created_at FROM orders WHERE shipped_at IS NULL ORDER BY created_at LIMIT 100;

-- name: order_items_by_order calls: 300
-- btree-needed: btree order_items(order_id): join/foreign-key column of a 1.2M-row table without an index
SELECT product_id, quantity, price FROM order_items WHERE order_id = 82942;

-- name: customer_order_summary calls: 40
-- btree-needed: btree orders(customer_id) and btree order_items(order_id): the same two indexes as orders_by_customer and order_items_by_order (a nested loop then replaces two big hash joins)
SELECT c.id, c.name, count(DISTINCT o.id) AS orders, sum(oi.quantity * oi.price) AS spent FROM customers c JOIN orders o ON o.customer_id = c.id JOIN order_items oi ON oi.order_id = o.id WHERE c.id = 53382 GROUP BY c.id, c.name;

-- name: revenue_by_category_month calls: 3
-- no-index: nothing: a report over the last year joins about half of the orders with their ~560k order lines; parallel sequential scans and hash joins are right, and neither a hypothetical orders(created_at) nor order_items(order_id) changes its plan
SELECT p.category_id, date_trunc('month', o.created_at) AS month, count(DISTINCT o.id) AS orders, sum(oi.quantity * oi.price) AS revenue FROM orders o JOIN order_items oi ON oi.order_id = o.id JOIN products p ON p.id = oi.product_id WHERE o.created_at >= '2024-06-23T09:44:01.262Z' GROUP BY p.category_id, month ORDER BY month, p.category_id;

-- name: product_rating_summary calls: 150
-- already-indexed: nothing: the existing reviews_product_id_idx finds the few (~2.5) reviews of a product
SELECT count(*) AS reviews, avg(rating) AS rating FROM reviews WHERE product_id = 5292;

-- name: reviews_search calls: 15
-- gin: GIN reviews(to_tsvector('english', body)); pg_stat_statements shows to_tsvector($2, body), which hides the configuration the index must use; not verifiable with hypopg
SELECT id, product_id, rating, created_at FROM reviews WHERE to_tsvector('english', body) @@ plainto_tsquery('english', 'battery life') LIMIT 50;

-- name: events_recent_day calls: 20
-- brin: BRIN events(created_at): append-only, created_at follows the physical order (correlation 1); a btree (created_at) also works but is ~100x larger
SELECT kind, count(*) AS n FROM events WHERE created_at >= '2025-05-26T14:53:50.291Z' AND created_at < '2025-05-26T14:53:50.291Z'::timestamptz + '1 day'::interval GROUP BY kind ORDER BY n DESC;

-- name: event_insert calls: 300
-- write: nothing (write): every new index on events slows this hot insert down
INSERT INTO events (kind, customer_id, payload) VALUES ('page_view', 28846, '{"path":"/cart","ms":80}'::jsonb);

-- name: order_mark_shipped calls: 100
-- write: nothing (write, primary-key lookup): it changes shipped_at and status, so indexes on those columns (the partial unshipped index) make these updates non-HOT
UPDATE orders SET shipped_at = now(), status = 'shipped' WHERE id = 3669;

-- name: order_item_remove calls: 20
-- write: served by order_items(order_id) (recommended for order_items_by_order); nothing of its own
DELETE FROM order_items WHERE order_id = 241939 AND product_id = 177;

-- name: audit_by_user calls: 100
-- btree-needed: btree "Audit Log"("userId", "createdAt" DESC) (or just ("userId")): identifiers must stay quoted in the CREATE INDEX
SELECT id, action, "createdAt" FROM "Audit Log" WHERE "userId" = 701 ORDER BY "createdAt" DESC LIMIT 50;

-- name: audit_insert calls: 50
-- write: nothing (write)
INSERT INTO "Audit Log" ("userId", action, details) VALUES (15777, 'login', '{"ip":"10.0.3.7"}'::jsonb);
