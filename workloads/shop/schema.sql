-- pg-index-advisor sample workload "shop": an e-commerce / SaaS application (see README.md).
-- Re-runnable: drops and recreates its tables. Then load data.sql, which also adds the foreign
-- keys (after the bulk load, as pg_dump does).
--
-- Secondary indexes present on purpose (the advisor must not propose them again):
--   products(sku) UNIQUE, reviews(product_id), plus every primary key.
-- Indexes missing on purpose: customers(email), customers(lower(email)), orders(customer_id)
--   and order_items(order_id) (foreign keys without an index), "Audit Log"("userId"), ...

CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
CREATE EXTENSION IF NOT EXISTS pg_trgm;

DROP TABLE IF EXISTS order_items, orders, reviews, events, products, categories, customers,
  "Audit Log" CASCADE;

CREATE TABLE customers (
  id          integer PRIMARY KEY,
  email       text        NOT NULL,
  name        text        NOT NULL,
  country     char(2)     NOT NULL,
  created_at  timestamptz NOT NULL,
  is_vip      boolean     NOT NULL DEFAULT false
);

CREATE TABLE categories (
  id         integer PRIMARY KEY,
  name       text    NOT NULL,
  parent_id  integer REFERENCES categories (id)
);

CREATE TABLE products (
  id           integer PRIMARY KEY,
  sku          text          NOT NULL,
  name         text          NOT NULL,
  category_id  integer       NOT NULL,                         -- FK (added by data.sql)
  price        numeric(10,2) NOT NULL,
  attributes   jsonb         NOT NULL DEFAULT '{}',
  tags         text[]        NOT NULL DEFAULT '{}',
  description  text
);
-- Existing secondary index: SKU lookups are already covered.
CREATE UNIQUE INDEX products_sku_key ON products (sku);

CREATE TABLE orders (
  id           integer PRIMARY KEY,
  customer_id  integer       NOT NULL,                            -- FK (added by data.sql), no index
  status       text          NOT NULL,                            -- 5 values, uniform
  created_at   timestamptz   NOT NULL,                            -- random over 2 years
  shipped_at   timestamptz,                                       -- NULL for ~2 %
  total        numeric(12,2) NOT NULL,
  tenant_id    integer       NOT NULL
);

CREATE TABLE order_items (
  id          bigint        PRIMARY KEY,
  order_id    integer       NOT NULL,                             -- FK (added by data.sql), no index
  product_id  integer       NOT NULL,                             -- FK (added by data.sql)
  quantity    integer       NOT NULL,
  price       numeric(10,2) NOT NULL
);

-- Append-only log: created_at grows with id, so it follows the physical order.
CREATE TABLE events (
  id           bigserial   PRIMARY KEY,
  created_at   timestamptz NOT NULL DEFAULT now(),
  kind         text        NOT NULL,
  customer_id  integer,
  payload      jsonb       NOT NULL DEFAULT '{}'
);

CREATE TABLE reviews (
  id           integer     PRIMARY KEY,
  product_id   integer     NOT NULL,                              -- FK (added by data.sql)
  customer_id  integer     NOT NULL,                              -- FK (added by data.sql)
  rating       smallint    NOT NULL CHECK (rating BETWEEN 1 AND 5),
  body         text        NOT NULL,
  created_at   timestamptz NOT NULL
);
-- Existing secondary index: reviews of one product are already covered.
CREATE INDEX reviews_product_id_idx ON reviews (product_id);

-- Identifiers that need quoting (capital letters, a space).
CREATE TABLE "Audit Log" (
  id           bigserial   PRIMARY KEY,
  "userId"     integer     NOT NULL,
  action       text        NOT NULL,
  "createdAt"  timestamptz NOT NULL DEFAULT now(),
  details      jsonb
);
