import { beforeAll, describe, expect, it } from 'vitest';
import { asNode, nodeKind, nodeType, stringValues, walk } from '../../src/parse/ast.js';
import { ensureParser, parseSql } from '../../src/parse/parser.js';
import { parseStatement } from '../../src/parse/parseStatement.js';
import type { TableAccess } from '../../src/types.js';

const columns: Record<string, string[]> = {
  orders: ['id', 'customer_id', 'status', 'created_at', 'shipped_at', 'total'],
  customers: ['id', 'email', 'name', 'country'],
  order_items: ['order_id', 'product_id', 'quantity', 'price'],
  products: ['id', 'name', 'attributes', 'tags', 'category_id', 'price'],
};
const lookup = (_schema: string | undefined, table: string) => columns[table];

function parse(query: string) {
  return parseStatement({ id: 'q', query }, lookup);
}
function table(tables: TableAccess[], name: string): TableAccess {
  const t = tables.find((x) => x.table === name);
  if (!t) throw new Error(`no access to ${name}`);
  return t;
}

beforeAll(async () => {
  await ensureParser();
});

describe('parseStatement', () => {
  it('extracts equality, range, IN, null tests, order by with direction and limit', () => {
    const p = parse(
      `SELECT o.id FROM orders o WHERE o.customer_id = $1 AND o.created_at >= $2 AND o.status IN ($3, $4)
       AND o.shipped_at IS NULL ORDER BY o.created_at DESC NULLS LAST LIMIT $5`,
    );
    expect(p.error).toBeUndefined();
    expect(p.kind).toBe('select');
    const o = table(p.tables, 'orders');
    expect(o.predicates.map((x) => [x.key.column, x.kind])).toEqual([
      ['customer_id', 'eq'],
      ['created_at', 'range'],
      ['status', 'in'],
      ['shipped_at', 'isnull'],
    ]);
    expect(o.orderBy).toEqual([{ key: { column: 'created_at' }, descending: true, nullsFirst: false }]);
    expect(o.hasLimit).toBe(true);
    expect(o.predicates[3]!.text).toBe('shipped_at IS NULL');
  });

  it("writes out PostgreSQL 18's folded constant lists (`IN ($1 /*, ... */)`) as ten parameters, numbered after the others", () => {
    const p = parse('SELECT id FROM customers WHERE country IN ($1 /*, ... */) AND id = ANY (ARRAY[$2 /*, ... */]) LIMIT $3');
    expect(p.error).toBeUndefined();
    expect(p.paramCount).toBe(21);
    expect(p.explainText).toContain('country IN ($1, $4, $5, $6, $7, $8, $9, $10, $11, $12)');
    expect(p.explainText).toContain('ARRAY[$2, $13, $14, $15, $16, $17, $18, $19, $20, $21]');
    expect(table(p.tables, 'customers').predicates.map((x) => [x.key.column, x.kind])).toEqual([
      ['country', 'in'],
      ['id', 'in'],
    ]);
  });

  it('attributes unqualified columns through the catalog and finds join keys', () => {
    const p = parse(
      `SELECT email, sum(quantity) FROM customers c JOIN orders o ON o.customer_id = c.id
       JOIN order_items USING (order_id) WHERE email = $1 GROUP BY email`,
    );
    // order_items has no order_id alias in orders: USING(order_id) marks only the tables that have it
    expect(table(p.tables, 'customers').predicates[0]).toMatchObject({ key: { column: 'email' }, kind: 'eq' });
    expect(table(p.tables, 'orders').joinColumns).toEqual(['customer_id']);
    expect(table(p.tables, 'customers').joinColumns).toEqual(['id']);
    expect(table(p.tables, 'order_items').joinColumns).toEqual(['order_id']);
    expect(table(p.tables, 'customers').groupBy).toEqual([{ column: 'email' }]);
    expect(table(p.tables, 'order_items').columnsRead).toContain('quantity');
  });

  it('flips constant-first comparisons and keeps expressions as expressions', () => {
    const p = parse(`SELECT * FROM customers WHERE $1 < id AND lower(email) = lower($2)`);
    const c = table(p.tables, 'customers');
    expect(c.predicates[0]).toMatchObject({ key: { column: 'id' }, operator: '>', kind: 'range' });
    expect(c.predicates[1]).toMatchObject({ key: { expression: 'lower(email)', expressionColumns: ['email'] }, kind: 'eq' });
    expect(c.columnsRead).toContain('*');
  });

  it('sees correlated subqueries: the outer column is a constant for the inner table', () => {
    const p = parse(`SELECT c.id FROM customers c WHERE EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id AND o.total > 100)`);
    const o = table(p.tables, 'orders');
    expect(o.predicates.map((x) => [x.key.column, x.kind, x.constant])).toEqual([
      ['customer_id', 'eq', undefined],
      ['total', 'range', '100'],
    ]);
  });

  it('resolves CTEs, ORDER BY ordinal and select-list aliases, and ignores CTE names as tables', () => {
    const p = parse(
      `WITH recent AS (SELECT customer_id, created_at AS ts FROM orders WHERE created_at > now() - interval '1 day')
       SELECT r.customer_id FROM recent r JOIN customers c ON c.id = r.customer_id ORDER BY 1`,
    );
    expect(p.tables.map((t) => t.table).sort()).toEqual(['customers', 'orders']);
    expect(table(p.tables, 'orders').predicates[0]).toMatchObject({ key: { column: 'created_at' }, kind: 'range' });
    const q = parse(`SELECT created_at AS c FROM orders ORDER BY c DESC LIMIT 10`);
    expect(table(q.tables, 'orders').orderBy[0]).toMatchObject({ key: { column: 'created_at' }, descending: true });
  });

  it('records writes: UPDATE sets, DELETE USING, INSERT columns', () => {
    const u = parse(`UPDATE orders SET shipped_at = now(), status = $1 WHERE id = $2`);
    expect(u.kind).toBe('update');
    expect(table(u.tables, 'orders').write).toEqual({ kind: 'update', columns: ['shipped_at', 'status'] });
    expect(table(u.tables, 'orders').predicates[0]).toMatchObject({ key: { column: 'id' }, kind: 'eq' });
    const d = parse(`DELETE FROM order_items i USING orders o WHERE i.order_id = o.id AND o.status = $1`);
    expect(table(d.tables, 'order_items').joinColumns).toEqual(['order_id']);
    expect(table(d.tables, 'orders').predicates[0]).toMatchObject({ key: { column: 'status' } });
    const i = parse(`INSERT INTO orders (customer_id, status) VALUES ($1, $2)`);
    expect(table(i.tables, 'orders').write).toEqual({ kind: 'insert', columns: ['customer_id', 'status'] });
  });

  it('reads RETURNING of UPDATE and DELETE: its columns, and the tables of its subqueries', () => {
    const u = parse(
      `UPDATE orders o SET status = $1 WHERE id = $2
       RETURNING o.total, (SELECT max(price) FROM order_items i WHERE i.order_id = o.id AND i.quantity > $3)`,
    );
    expect(table(u.tables, 'orders').columnsRead).toEqual(expect.arrayContaining(['id', 'total']));
    const items = table(u.tables, 'order_items');
    expect(items.joinColumns).toEqual([]);
    expect(items.predicates.map((x) => [x.key.column, x.kind])).toEqual([
      ['order_id', 'eq'],
      ['quantity', 'range'],
    ]);
    const d = parse(`DELETE FROM customers c WHERE c.id = $1 RETURNING c.email, (SELECT count(*) FROM orders WHERE customer_id = c.id)`);
    expect(table(d.tables, 'customers').columnsRead).toContain('email');
    expect(table(d.tables, 'orders').predicates[0]).toMatchObject({ key: { column: 'customer_id' }, kind: 'eq' });
    const i = parse(`INSERT INTO orders (customer_id) VALUES ($1) RETURNING (SELECT email FROM customers WHERE id = $2)`);
    expect(table(i.tables, 'customers').predicates[0]).toMatchObject({ key: { column: 'id' }, kind: 'eq' });
  });

  it('costs writes through the query that finds their rows, and notes it', () => {
    const u = parse(
      `UPDATE orders o SET status = $1, total = (SELECT sum(price) FROM order_items WHERE order_id = o.id) WHERE o.customer_id = $2`,
    );
    expect(u.explainText).toBe(
      'SELECT o.ctid, (SELECT sum(price) FROM order_items WHERE order_id = o.id) FROM orders AS o WHERE o.customer_id = $2',
    );
    // $1 only fed the SET: declared text, as any parameter the text no longer uses.
    expect(u.paramCount).toBe(2);
    expect(u.paramTypes).toEqual(['text', 'unknown']);
    expect(u.notes).toEqual([expect.stringMatching(/^costed through the SELECT that finds its rows .*UPDATE needs UPDATE privilege$/)]);
    const d = parse(
      `WITH old AS (SELECT id FROM orders WHERE created_at < $1) DELETE FROM order_items i USING old WHERE i.order_id = old.id RETURNING i.price`,
    );
    expect(d.explainText).toBe(
      'WITH old AS (SELECT id FROM orders WHERE created_at < $1) SELECT i.ctid FROM order_items AS i, old WHERE i.order_id = old.id',
    );
    const m = parse(`UPDATE orders SET (status, total) = (SELECT 'x', 1 FROM customers WHERE id = orders.customer_id) WHERE id = $1`);
    expect(m.explainText).toBe(
      `SELECT orders.ctid, (SELECT ROW('x', 1) FROM customers WHERE id = orders.customer_id) FROM orders WHERE id = $1`,
    );
    const v = parse(`INSERT INTO orders (customer_id, status) VALUES ($1, $2), ($3, lower($2))`);
    expect(v.explainText).toBe('VALUES ($1, $2), ($3, lower($2))');
    expect(v.paramTypes).toEqual(['text', 'unknown', 'text']);
    const s = parse(
      `WITH c AS (SELECT id FROM customers WHERE country = $1) INSERT INTO orders (customer_id) SELECT id FROM c ON CONFLICT DO NOTHING`,
    );
    expect(s.explainText).toBe('WITH c AS (SELECT id FROM customers WHERE country = $1) SELECT id FROM c');
    const mg = parse(
      `MERGE INTO orders o USING customers c ON o.customer_id = c.id AND c.country = $1 WHEN MATCHED THEN DELETE WHEN NOT MATCHED THEN INSERT (customer_id) VALUES (c.id)`,
    );
    expect(mg.explainText).toBe('SELECT o.ctid FROM customers AS c LEFT JOIN orders AS o ON o.customer_id = c.id AND c.country = $1');
    expect(mg.notes).toEqual([expect.stringMatching(/^costed through the join that finds its rows/)]);
    // What stays as it is: WHERE CURRENT OF, DEFAULT VALUES.
    expect(parse('DELETE FROM orders WHERE CURRENT OF c').explainText).toBe('DELETE FROM orders WHERE CURRENT OF c');
    expect(parse('INSERT INTO orders DEFAULT VALUES').notes).toBeUndefined();
  });

  it('keeps the parentheses around a subscripted ARRAY[...] (pg_stat_statements text of a generated INSERT)', () => {
    const p = parse(
      `INSERT INTO orders (customer_id, status) SELECT $1 + g, (ARRAY[$3, $4, $5])[$6 + g % $7] FROM generate_series($8, $2) g`,
    );
    expect(p.error).toBeUndefined();
    expect(p.explainText).toContain('(ARRAY[$3, $4, $5])[$6 + (g % $7)]');
    // Every kind of argument the grammar does not subscript bare: a literal, CASE, COALESCE, a row's field.
    for (const [sql, printed] of [
      [`SELECT ('{1,2}')[1] FROM orders`, `('{1,2}')[1]`],
      [`SELECT (CASE WHEN id > 0 THEN ARRAY[1] END)[1] FROM orders`, `(CASE WHEN id > 0 THEN ARRAY[1] END)[1]`],
      [`SELECT (COALESCE(NULL, ARRAY[1]))[1:2] FROM orders`, `(COALESCE(NULL, ARRAY[1]))[1:2]`],
      [`SELECT (ROW(1, 2)).f1, (tags)[1], ($1)[2] FROM products`, `(ROW(1, 2)).f1, (tags)[1], ($1)[2]`],
    ] as const) {
      expect(parse(sql).explainText).toContain(printed);
    }
  });

  it('classifies jsonb, array, like, full-text and boolean predicates', () => {
    const p = parse(
      `SELECT id FROM products WHERE attributes @> $1::jsonb AND tags && $2 AND name ILIKE '%phone%'
       AND to_tsvector('english', name) @@ plainto_tsquery('english', $3) AND NOT category_id IS NULL`,
    );
    const kinds = table(p.tables, 'products').predicates.map((x) => [x.key.column ?? x.key.expression, x.kind, x.constant]);
    expect(kinds).toEqual([
      ['attributes', 'jsonb', undefined],
      ['tags', 'array', undefined],
      ['name', 'like', "'%phone%'"],
      ["to_tsvector('english', name)", 'fts', undefined],
    ]);
  });

  it('repairs normalized text that the server would reject', () => {
    const p = parse(`SELECT * FROM orders WHERE created_at > date $1 + interval $2 day AND EXTRACT($3 FROM created_at) = $4`);
    expect(p.error).toBeUndefined();
    expect(p.explainText).toContain('CAST($1 AS date)');
    expect(p.explainText).toContain('CAST($2 AS interval day)');
    expect(p.explainText).toContain('EXTRACT(EPOCH FROM created_at)');
    expect(p.paramCount).toBe(4);
  });

  it('reports unparseable and utility statements without throwing', () => {
    expect(parse('SELEC * FROM orders').error).toMatch(/cannot parse: syntax error at or near "SELEC"/);
    expect(parse('VACUUM orders').error).toMatch(/utility/);
    expect(parse('SELECT 1; SELECT 2').error).toMatch(/one statement/);
  });

  it('quotes identifiers in predicate text as the server needs', () => {
    const p = parseStatement({ id: 'x', query: `SELECT * FROM "Audit Log" a WHERE a."userId" = $1 AND "Kind" = 'x'` }, () => [
      'userId',
      'Kind',
    ]);
    const t = table(p.tables, 'Audit Log');
    expect(t.predicates.map((x) => x.text)).toEqual(['"userId" = $1', `"Kind" = 'x'`]);
  });
  it('reads an OR the way the planner does: common conditions pulled out, per-table arms kept apart', () => {
    const p = parse(
      `SELECT sum(i.quantity) FROM order_items i, products p
       WHERE (p.id = i.product_id AND p.category_id = 1 AND i.quantity BETWEEN 1 AND 5 AND i.price IN (10, 20))
          OR (p.id = i.product_id AND p.category_id = 2 AND i.quantity BETWEEN 5 AND 9 AND i.price IN (10, 20))`,
    );
    const items = table(p.tables, 'order_items');
    const products = table(p.tables, 'products');
    // Every arm joins and filters on price: plain conditions, as after the planner's common-factor step.
    expect(items.joinColumns).toEqual(['product_id']);
    expect(products.joinColumns).toEqual(['id']);
    expect(items.predicates.filter((x) => !x.orArm).map((x) => [x.key.column, x.kind, x.constants])).toEqual([
      ['price', 'in', ['10', '20']],
    ]);
    // Each arm restricts both tables: its conditions are kept, marked as OR arms (a BitmapOr can use them).
    expect(items.predicates.filter((x) => x.orArm).map((x) => x.text)).toEqual(['quantity BETWEEN 1 AND 5', 'quantity BETWEEN 5 AND 9']);
    expect(products.predicates.map((x) => [x.text, x.orArm])).toEqual([
      ['category_id = 1', true],
      ['category_id = 2', true],
    ]);
  });

  it('gives a table nothing from an OR one of whose arms does not restrict it', () => {
    const p = parse(`SELECT o.id FROM orders o WHERE o.status = 'new' OR o.total > 100 OR o.customer_id = $1`);
    // Every arm restricts orders: three arms, each usable by a BitmapOr.
    expect(table(p.tables, 'orders').predicates.map((x) => x.key.column)).toEqual(['status', 'total', 'customer_id']);
    const q = parse(`SELECT o.id FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.status = 'new' OR c.country = 'FR'`);
    expect(table(q.tables, 'orders').predicates).toEqual([]);
    expect(table(q.tables, 'customers').predicates).toEqual([]);
    // `A OR (A AND B)` is A.
    const r = parse(`SELECT o.id FROM orders o WHERE o.status = 'new' OR (o.status = 'new' AND o.total > 100)`);
    expect(table(r.tables, 'orders').predicates.map((x) => [x.text, x.orArm ?? false])).toEqual([["status = 'new'", false]]);
  });
  it('keeps aggregates and window functions out of index keys', () => {
    const p = parse(`SELECT customer_id, sum(total) FROM orders GROUP BY customer_id ORDER BY sum(total) DESC LIMIT 10`);
    const o = table(p.tables, 'orders');
    expect(o.orderBy).toEqual([]);
    expect(o.groupBy).toEqual([{ column: 'customer_id' }]);
    const q = parse(`SELECT id FROM orders WHERE total > 10 ORDER BY count(*) OVER (PARTITION BY customer_id)`);
    expect(table(q.tables, 'orders').orderBy).toEqual([]);
  });

  it('declares numeric the parameters that arithmetic or a summed CASE needs typed (normalized TPC-H Q6, Q12, Q19)', () => {
    const p = parse(
      `SELECT sum(CASE WHEN status = $1 OR status = $2 THEN $3 ELSE $4 END), sum(quantity * ($5 - price))
       FROM order_items i JOIN orders o ON o.id = i.order_id
       WHERE price BETWEEN $6 - $7 AND $8 + $9 AND quantity <= -$10 AND o.created_at >= date $11 + interval $12 day`,
    );
    expect(p.error).toBeUndefined();
    expect(p.paramTypes).toEqual([
      'unknown',
      'unknown',
      'numeric',
      'numeric',
      'unknown',
      'numeric',
      'numeric',
      'numeric',
      'numeric',
      'numeric',
      'unknown',
      'unknown',
    ]);
  });
});

describe('typed AST access', () => {
  function statement(sql: string) {
    const parsed = parseSql(sql);
    if (!parsed.ok) throw new Error(parsed.error);
    return parsed.stmts[0];
  }

  it('reads a node by its kind', () => {
    const stmt = statement(`SELECT a.x FROM s.t a WHERE a.y = $1`);
    expect(nodeKind(stmt)).toBe('SelectStmt');
    expect(asNode(stmt, 'InsertStmt')).toBeUndefined();
    const from = asNode(stmt, 'SelectStmt')?.fromClause?.[0];
    expect(asNode(from, 'RangeVar')).toMatchObject({ schemaname: 's', relname: 't', alias: { aliasname: 'a' } });
    const where = nodeType(asNode(stmt, 'SelectStmt')?.whereClause);
    expect(where?.[0] === 'A_Expr' && stringValues(where[1].name)).toEqual(['=']);
  });

  it('walks nodes depth first; false skips the children', () => {
    const stmt = statement(`SELECT a.x, count(*) FROM t a WHERE a.y = $2 AND EXISTS (SELECT z FROM u WHERE w = $1) GROUP BY a.x`);
    const columns: string[] = [];
    const params: number[] = [];
    walk(stmt, (kind, body) => {
      if (kind === 'ColumnRef') columns.push(stringValues(body.fields).join('.'));
      if (kind === 'ParamRef') params.push(body.number ?? 0);
      return kind !== 'SubLink';
    });
    expect(columns).toEqual(['a.x', 'a.y', 'a.x']);
    expect(params).toEqual([2]);
  });

  it('takes for a node only a one-key object named by a node kind', () => {
    expect(nodeType({ A_Const: { ival: {} } })).toEqual(['A_Const', { ival: {} }]);
    expect(nodeType({ sval: 'x' })).toBeUndefined(); // a String node's body
    expect(nodeType({ A_Const: {}, location: 1 })).toBeUndefined();
    expect(nodeType([{ A_Const: {} }])).toBeUndefined();
    expect(nodeType(undefined)).toBeUndefined();
    expect(stringValues([{ String: { sval: 'a' } }, { A_Star: {} }, { String: { sval: 'b' } }])).toEqual(['a', 'b']);
  });
});
