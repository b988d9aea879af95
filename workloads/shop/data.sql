-- Deterministic data for the "shop" workload (run after schema.sql, in ONE session:
-- setseed() makes the random() sequence repeatable only within the session that set it).
--
-- Every timestamp is relative to the fixed anchor 2025-06-01 00:00:00+00 (the same anchor
-- queries.json gives its {"timestamp": {"daysAgo": [...]}} parameters), so the data and the
-- replayed parameters do not depend on the day the workload is loaded.
--
-- Shape (what the advice depends on):
--   customers    100,000  email unique per row; country: 10 values; is_vip ~1 %
--   categories       200
--   products      20,000  category_id: 200 values (~100 rows each); sku unique (indexed)
--   orders       500,000  customer_id ~5 orders per customer; status: 5 values, uniform;
--                         created_at random over 2 years (correlation ~0); shipped_at NULL ~2 %
--   order_items 1,200,000 1-4 lines per order, stored in order_id order
--   events       600,000  created_at grows with id over 60 days (correlation ~1)
--   reviews       50,000  body built from phrases for full-text search; product_id indexed
--   "Audit Log"  100,000  "userId": 20,000 values (~5 rows each)

SELECT setseed(0.42);

INSERT INTO customers (id, email, name, country, created_at, is_vip)
SELECT i,
       'cust' || i || '@example.com',
       (ARRAY['Alice','Bruno','Chloe','Dmitri','Emma','Farid','Greta','Hiro','Ines','Jonas',
              'Kofi','Lena','Mateo','Nora','Omar','Priya','Quinn','Rosa','Sven','Tariq'])[1 + i % 20]
         || ' ' ||
       (ARRAY['Smith','Müller','Dubois','Rossi','Garcia','Jansen','Nilsson','Kowalski','Silva',
              'Tanaka','Brown','Weber','Martin','Ricci','Lopez','Visser','Berg','Novak',
              'Costa','Sato','Clark','Koch','Bernard','Greco','Diaz'])[1 + (i / 20) % 25],
       (ARRAY['US','US','US','US','US','US','DE','DE','GB','GB','FR','FR','CA','NL','SE',
              'ES','IT','AU','DE','GB'])[1 + floor(random() * 20)::int],
       timestamptz '2025-06-01 00:00:00+00' - random() * interval '1095 days',
       random() < 0.01
FROM generate_series(1, 100000) AS i;

INSERT INTO categories (id, name, parent_id)
SELECT i, 'Category ' || i, CASE WHEN i > 20 THEN 1 + i % 20 END
FROM generate_series(1, 200) AS i;

INSERT INTO products (id, sku, name, category_id, price, attributes, tags, description)
SELECT i,
       'SKU-' || lpad(i::text, 6, '0'),
       name,
       1 + floor(random() * 200)::int,
       round((5 + random() * 495)::numeric, 2),
       jsonb_build_object(
         'color', (ARRAY['black','white','red','blue','green','grey','yellow','brown',
                         'orange','purple','pink','silver'])[1 + floor(random() * 12)::int],
         'size',  (ARRAY['XS','S','M','L','XL'])[1 + floor(random() * 5)::int],
         'brand', 'brand' || (1 + floor(random() * 40)::int),
         'warranty_years', 1 + floor(random() * 3)::int),
       ARRAY[(ARRAY['new','sale','eco','bestseller','gift','outdoor','kids','premium',
                    'bundle','refurbished','handmade','clearance','limited-edition',
                    'vegan','imported'])[1 + floor(random() * 15)::int]]
         || CASE WHEN random() < 0.5
                 THEN ARRAY['tag' || (1 + floor(random() * 200)::int)] ELSE '{}'::text[] END,
       'The ' || name || ' is ' || repeat('a dependable product for everyday use. ', 1 + i % 5)
FROM (
  SELECT i,
         (ARRAY['Classic','Modern','Compact','Deluxe','Rustic','Sleek','Vintage','Portable',
                'Ergonomic','Foldable','Smart','Heavy-duty','Minimal','Premium','Travel',
                'Outdoor','Kids','Pro','Eco','Urban','Nordic','Retro','Lightweight','Classic XL',
                'Studio','Signature','Everyday','Essential','Elite','Basic'])[1 + i % 30]
           || ' ' ||
         (ARRAY['Oak','Walnut','Steel','Aluminium','Bamboo','Leather','Cotton','Wool','Glass',
                'Ceramic','Marble','Linen','Copper','Rattan','Velvet'])[1 + (i / 30) % 15]
           || ' ' ||
         (ARRAY['Chair','Desk','Lamp','Shelf','Table','Sofa','Bench','Stool','Cabinet','Mirror',
                'Rug','Vase','Clock','Bed','Dresser','Wardrobe','Mug','Bowl','Plate','Kettle',
                'Backpack','Wallet','Jacket','Scarf','Hat','Blanket','Pillow','Curtain','Basket',
                'Tray','Frame','Candle','Speaker','Headphones','Keyboard','Mouse','Monitor Stand',
                'Notebook','Pen','Bottle'])[1 + (i / 450) % 40]
           || ' ' || (100 + i % 900) AS name
  FROM generate_series(1, 20000) AS i
) AS p;

INSERT INTO orders (id, customer_id, status, created_at, shipped_at, total, tenant_id)
SELECT i,
       customer_id,
       CASE WHEN unshipped THEN (ARRAY['pending','paid'])[1 + i % 2] ELSE status END,
       created_at,
       CASE WHEN unshipped THEN NULL ELSE created_at + random() * interval '4 days' END,
       round((10 + random() * 990)::numeric, 2),
       1 + i % 50
FROM (
  SELECT i,
         1 + floor(random() * 100000)::int AS customer_id,
         (ARRAY['pending','paid','shipped','delivered','cancelled'])[1 + floor(random() * 5)::int]
           AS status,
         timestamptz '2025-06-01 00:00:00+00' - random() * interval '730 days' AS created_at,
         random() < 0.02 AS unshipped
  FROM generate_series(1, 500000) AS i
) AS o;

-- 1-4 lines per order (average 2.4): lines of one order are stored together.
INSERT INTO order_items (id, order_id, product_id, quantity, price)
SELECT o * 4 + line,
       o,
       1 + floor(20000 * random() ^ 2)::int,
       1 + floor(random() * random() * 5)::int,
       round((5 + random() * 495)::numeric, 2)
FROM generate_series(1, 500000) AS o,
     generate_series(1, (ARRAY[1,1,1,2,2,3,3,3,4,4])[1 + (o * 7) % 10]) AS line;

-- Append-only log over the last 60 days before the anchor: created_at follows id.
INSERT INTO events (id, created_at, kind, customer_id, payload)
SELECT i,
       timestamptz '2025-06-01 00:00:00+00' - interval '60 days'
         + i * interval '8640 milliseconds' + random() * interval '2 seconds',
       (ARRAY['page_view','page_view','page_view','page_view','page_view','search','search',
              'add_to_cart','checkout','login'])[1 + floor(random() * 10)::int],
       CASE WHEN random() < 0.7 THEN 1 + floor(random() * 100000)::int END,
       jsonb_build_object('path', '/p/' || (1 + floor(random() * 20000)::int),
                          'ms', floor(random() * 900)::int)
FROM generate_series(1, 600000) AS i;
SELECT setval('events_id_seq', 600000);

INSERT INTO reviews (id, product_id, customer_id, rating, body, created_at)
SELECT i,
       1 + floor(20000 * random() ^ 2)::int,
       1 + floor(random() * 100000)::int,
       1 + floor(random() * 5)::int,
       (ARRAY['Great value for the price.','Arrived quickly and well packed.',
              'The colour is different from the photos.','Battery life is disappointing.',
              'Exactly as described.','Would buy again.','The zipper broke after two weeks.',
              'Customer service replaced it without questions.','Too small for my needs.',
              'Sturdy and beautifully made.','Assembly instructions were confusing.',
              'My kids love it.','Smells strange out of the box.','Perfect gift.',
              'Stopped working after a month.','Looks cheap in person.',
              'Comfortable for long hours.','The handle wobbles a little.',
              'Excellent craftsmanship, solid walnut.','Noisy motor.'])[1 + floor(random() * 20)::int]
         || ' ' ||
       (ARRAY['Five stars.','Not bad overall.','Returned it.','Recommended.','Meh.',
              'Shipping took forever.','Will order the matching set.','Fair enough.',
              'Better than expected.','Had to contact support twice.'])[1 + floor(random() * 10)::int],
       timestamptz '2025-06-01 00:00:00+00' - random() * interval '730 days'
FROM generate_series(1, 50000) AS i;

INSERT INTO "Audit Log" (id, "userId", action, "createdAt", details)
SELECT i,
       1 + floor(random() * 20000)::int,
       (ARRAY['login','logout','update_profile','change_password','export_data',
              'invite_user','delete_item','view_invoice'])[1 + floor(random() * 8)::int],
       timestamptz '2025-06-01 00:00:00+00' - (100000 - i) * interval '5 minutes',
       jsonb_build_object('ip', '10.0.' || (i % 256) || '.' || (i / 256 % 256))
FROM generate_series(1, 100000) AS i;
SELECT setval(pg_get_serial_sequence('"Audit Log"', 'id'), 100000);

-- Foreign keys after the bulk load (as pg_dump does): one validating join per constraint
-- instead of one trigger call per row. None of the referencing columns gets an index.
ALTER TABLE products    ADD CONSTRAINT products_category_id_fkey  FOREIGN KEY (category_id) REFERENCES categories (id);
ALTER TABLE orders      ADD CONSTRAINT orders_customer_id_fkey    FOREIGN KEY (customer_id) REFERENCES customers (id);
ALTER TABLE order_items ADD CONSTRAINT order_items_order_id_fkey  FOREIGN KEY (order_id)    REFERENCES orders (id);
ALTER TABLE order_items ADD CONSTRAINT order_items_product_id_fkey FOREIGN KEY (product_id) REFERENCES products (id);
ALTER TABLE reviews     ADD CONSTRAINT reviews_product_id_fkey    FOREIGN KEY (product_id)  REFERENCES products (id);
ALTER TABLE reviews     ADD CONSTRAINT reviews_customer_id_fkey   FOREIGN KEY (customer_id) REFERENCES customers (id);

ANALYZE;
