-- pg-index-advisor down migration, generated 2026-12-01T06:17:12.722Z
-- Target: postgresql://postgres@127.0.0.1:39145/advisor_demo (PostgreSQL 15)
-- Run it with psql, outside a transaction block: CONCURRENTLY cannot run inside one
-- (psql -v ON_ERROR_STOP=1 -f <this file>; most migration tools need "no transaction" for it).

SET lock_timeout = '5s';

DROP INDEX CONCURRENTLY IF EXISTS public.products_name_gin_trgm_ops_gin_idx;
DROP INDEX CONCURRENTLY IF EXISTS public.products_tags_gin_idx;
DROP INDEX CONCURRENTLY IF EXISTS public.products_attributes_jsonb_path_ops_gin_idx;
DROP INDEX CONCURRENTLY IF EXISTS public.reviews_to_tsvector_english_body_gin_idx;
DROP INDEX CONCURRENTLY IF EXISTS public.customers_created_at_partial_idx;
DROP INDEX CONCURRENTLY IF EXISTS public.events_created_at_idx;
DROP INDEX CONCURRENTLY IF EXISTS public.audit_log_userid_idx;
DROP INDEX CONCURRENTLY IF EXISTS public.products_category_id_price_idx;
DROP INDEX CONCURRENTLY IF EXISTS public.orders_created_at_partial_idx;
DROP INDEX CONCURRENTLY IF EXISTS public.customers_lower_email_idx;
DROP INDEX CONCURRENTLY IF EXISTS public.customers_email_idx;
DROP INDEX CONCURRENTLY IF EXISTS public.orders_customer_id_idx;
DROP INDEX CONCURRENTLY IF EXISTS public.order_items_order_id_idx;
