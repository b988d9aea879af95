-- pg-index-advisor up migration, generated 2026-12-01T06:17:12.722Z
-- Target: postgresql://postgres@127.0.0.1:39145/advisor_demo (PostgreSQL 15)
-- Run it with psql, outside a transaction block: CONCURRENTLY cannot run inside one
-- (psql -v ON_ERROR_STOP=1 -f <this file>; most migration tools need "no transaction" for it).

-- If a build fails (lock timeout, deadlock, unique violation) it leaves an INVALID index behind,
-- which IF NOT EXISTS would then skip: drop it first with the down step's statement, then rerun.
-- Check afterwards: SELECT indexrelid::regclass FROM pg_index WHERE NOT indisvalid;
SET lock_timeout = '5s';
-- Building a large index takes long: do not let a role's statement_timeout cancel it.
SET statement_timeout = 0;

-- 1. equality on order_id; join key order_id; also indexes foreign key order_items_order_id_fkey (the audit found it unindexed)
--    saves 47.9 % of the workload's estimated cost; ~31.4 MB
CREATE INDEX CONCURRENTLY IF NOT EXISTS order_items_order_id_idx ON public.order_items (order_id);

-- 2. equality on customer_id; join key customer_id; also indexes foreign key orders_customer_id_fkey (the audit found it unindexed)
--    saves 23.6 % of the workload's estimated cost; ~13.1 MB
CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_customer_id_idx ON public.orders (customer_id);

-- 3. equality on email
--    saves 5.8 % of the workload's estimated cost; ~4.8 MB
CREATE INDEX CONCURRENTLY IF NOT EXISTS customers_email_idx ON public.customers (email);

-- 4. equality on lower(email)
--    saves 4.0 % of the workload's estimated cost; ~4.8 MB
CREATE INDEX CONCURRENTLY IF NOT EXISTS customers_lower_email_idx ON public.customers ((lower(email)));

-- 5. ORDER BY created_at LIMIT, only rows where shipped_at IS NULL
--    saves 3.9 % of the workload's estimated cost; ~295 kB
CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_created_at_partial_idx ON public.orders (created_at) WHERE shipped_at IS NULL;

-- 6. equality on category_id then range on price; equality on category_id then ORDER BY price LIMIT; also indexes foreign key products_category_id_fkey (the audit found it unindexed)
--    saves 2.0 % of the workload's estimated cost; ~885 kB
CREATE INDEX CONCURRENTLY IF NOT EXISTS products_category_id_price_idx ON public.products (category_id, price);

-- 7. equality on userId
--    saves 2.0 % of the workload's estimated cost; ~2.6 MB
CREATE INDEX CONCURRENTLY IF NOT EXISTS audit_log_userid_idx ON public."Audit Log" ("userId");

-- 8. range on created_at
--    saves 1.6 % of the workload's estimated cost; ~18.8 MB
CREATE INDEX CONCURRENTLY IF NOT EXISTS events_created_at_idx ON public.events (created_at);

-- 9. ORDER BY created_at DESC LIMIT, only rows where is_vip
--    saves 0.5 % of the workload's estimated cost; ~24.6 kB
CREATE INDEX CONCURRENTLY IF NOT EXISTS customers_created_at_partial_idx ON public.customers (created_at) WHERE is_vip;

-- 10. full text search on to_tsvector('english', body)
--    estimated (cost model): hypopg cannot simulate it; not built to check (--verify-real would)
--    saves 3.2 % of the workload's estimated cost; ~2.0 MB
CREATE INDEX CONCURRENTLY IF NOT EXISTS reviews_to_tsvector_english_body_gin_idx ON public.reviews USING gin ((to_tsvector('english', body)));

-- 11. jsonb @> on attributes (jsonb_path_ops: smaller, @> only)
--    estimated (cost model): hypopg cannot simulate it; not built to check (--verify-real would)
--    saves 0.4 % of the workload's estimated cost; ~557 kB
CREATE INDEX CONCURRENTLY IF NOT EXISTS products_attributes_jsonb_path_ops_gin_idx ON public.products USING gin (attributes jsonb_path_ops);

-- 12. array && on tags
--    estimated (cost model): hypopg cannot simulate it; not built to check (--verify-real would)
--    saves 0.3 % of the workload's estimated cost; ~106 kB
CREATE INDEX CONCURRENTLY IF NOT EXISTS products_tags_gin_idx ON public.products USING gin (tags);

-- 13. ILIKE a pattern unknown until run time on name (trigram)
--    estimated (cost model): hypopg cannot simulate it; not built to check (--verify-real would)
--    saves 0.3 % of the workload's estimated cost; ~1.5 MB
CREATE INDEX CONCURRENTLY IF NOT EXISTS products_name_gin_trgm_ops_gin_idx ON public.products USING gin (name gin_trgm_ops);
