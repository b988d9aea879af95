-- pg-index-advisor audit: up migration, generated 2026-12-01T06:17:12.723Z
-- Target: postgresql://postgres@127.0.0.1:39145/advisor_demo (PostgreSQL 15)
-- Run it with psql, outside a transaction block (psql -v ON_ERROR_STOP=1 -f <this file>):
-- DROP/CREATE INDEX CONCURRENTLY and REINDEX CONCURRENTLY cannot run inside one, so most migration
-- tools need their "no transaction" mode for it. Each statement commits on its own.
-- A busy table makes a statement fail after lock_timeout instead of queueing every other session
-- behind it: rerun the file later (every statement can be rerun: IF EXISTS / IF NOT EXISTS).
-- Where a new index replaces an old one, a DO block checks that the new one is valid before the old one
-- is dropped (a failed CONCURRENTLY build leaves an INVALID index that IF NOT EXISTS would skip on a rerun).
SET lock_timeout = '5s';
-- CONCURRENTLY builds and REINDEX take as long as the index is big: a role or database
-- statement_timeout must not cancel them half-way (that leaves an INVALID index behind).
SET statement_timeout = 0;

-- 1. missing-fk-index: public.categories (create)
--    Foreign key categories_parent_id_fkey on public.categories (parent_id) → public.categories has no index whose leading columns are its columns: every DELETE or key UPDATE on public.categories (and joins on the key) scans public.categories. Create categories_parent_id_idx.
CREATE INDEX CONCURRENTLY IF NOT EXISTS categories_parent_id_idx ON public.categories (parent_id);

-- 2. missing-fk-index: public.order_items (create)
--    Foreign key order_items_product_id_fkey on public.order_items (product_id) → public.products has no index whose leading columns are its columns: every DELETE or key UPDATE on public.products (and joins on the key) scans public.order_items. Create order_items_product_id_idx.
CREATE INDEX CONCURRENTLY IF NOT EXISTS order_items_product_id_idx ON public.order_items (product_id);

-- 3. missing-fk-index: public.reviews (create)
--    Foreign key reviews_customer_id_fkey on public.reviews (customer_id) → public.customers has no index whose leading columns are its columns: every DELETE or key UPDATE on public.customers (and joins on the key) scans public.reviews. Create reviews_customer_id_idx.
CREATE INDEX CONCURRENTLY IF NOT EXISTS reviews_customer_id_idx ON public.reviews (customer_id);

-- Check afterwards that no build failed: SELECT indexrelid::regclass FROM pg_index WHERE NOT indisvalid;

