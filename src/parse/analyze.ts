// Walks a libpg-query AST and says, per table the statement touches, what it filters, joins,
// orders and groups by. Scopes follow SQL's: every SELECT level has its own FROM list; a subquery
// sees its parents' tables (correlation); CTE names shadow tables.
import type { KeyPart, Predicate, PredicateKind, SortKey, StatementKind, TableAccess, ValuePlace } from '../types.js';
import {
  type A_Expr,
  asNode,
  type DeleteStmt,
  type InsertStmt,
  type JoinExpr,
  type MergeStmt,
  type Node,
  nodeKind,
  nodeType,
  type RangeVar,
  type SelectStmt,
  stringValues,
  type UpdateStmt,
  type WithClause,
  walk,
} from './ast.js';
import { deparse } from './parser.js';

/** Column names of a table, when the catalog is known; undefined when it is not. */
export type ColumnLookup = (schema: string | undefined, table: string) => string[] | undefined;

interface Entry {
  alias: string;
  /** Set for real tables; derived tables (subqueries, CTEs, functions) have none. */
  access?: TableAccess;
  /** Columns of a derived table, when known (its alias list). */
  columns?: string[];
}

interface Scope {
  parent?: Scope;
  entries: Entry[];
  ctes: Set<string>;
}

interface Resolved {
  entry: Entry;
  column: string;
  /** The column belongs to an enclosing query level: a constant for this level. */
  outer: boolean;
}

/** UPDATE, DELETE and MERGE: each has some of these fields. */
type ModifyStmt = UpdateStmt & DeleteStmt & MergeStmt;

const RANGE_OPS = new Set(['<', '<=', '>', '>=']);
const LIKE_OPS = new Set(['~~', '~~*', '~', '~*']);
/** Distance operators a GiST index orders by (geometric and trigram <->, pg_trgm's word distances, PostGIS <#>). */
const DISTANCE_OPS = new Set(['<->', '<<->', '<->>', '<<<->', '<->>>', '<#>', '<<->>']);
const FLIP: Record<string, string> = {
  '<': '>',
  '>': '<',
  '<=': '>=',
  '>=': '<=',
  '=': '=',
  '<>': '<>',
  '!=': '!=',
  '&&': '&&',
  '@>': '<@',
  '<@': '@>',
};

export class StatementAnalyzer {
  private readonly accesses: TableAccess[] = [];

  constructor(private readonly lookup: ColumnLookup = () => undefined) {}

  analyze(stmt: Node | undefined): { kind: StatementKind; tables: TableAccess[] } {
    const t = nodeType(stmt);
    if (!t) return { kind: 'other', tables: [] };
    const [type, body] = t;
    switch (type) {
      case 'SelectStmt':
        this.select(body, undefined, new Set());
        return { kind: 'select', tables: this.accesses };
      case 'InsertStmt':
        this.insert(body);
        return { kind: 'insert', tables: this.accesses };
      case 'UpdateStmt':
        this.modify(body, 'update');
        return { kind: 'update', tables: this.accesses };
      case 'DeleteStmt':
        this.modify(body, 'delete');
        return { kind: 'delete', tables: this.accesses };
      case 'MergeStmt':
        this.modify(body, 'merge');
        return { kind: 'merge', tables: this.accesses };
      case 'ExplainStmt':
        return this.analyze(body.query);
      default:
        return { kind: 'other', tables: [] };
    }
  }

  // ---- statements -------------------------------------------------------------------------

  private withCtes(withClause: WithClause | undefined, parent: Scope | undefined, ctes: Set<string>): Set<string> {
    if (!withClause) return ctes;
    const inner = new Set(ctes);
    for (const c of withClause.ctes ?? []) {
      const cte = asNode(c, 'CommonTableExpr');
      if (!cte) continue;
      inner.add(cte.ctename!);
      // A recursive CTE may name itself; non-recursive ones only see earlier CTEs, close enough.
      this.statementInScope(cte.ctequery, parent, inner);
    }
    return inner;
  }

  private statementInScope(node: Node | undefined, parent: Scope | undefined, ctes: Set<string>): void {
    const t = nodeType(node);
    if (!t) return;
    if (t[0] === 'SelectStmt') this.select(t[1], parent, ctes);
    else if (t[0] === 'InsertStmt') this.insert(t[1], ctes);
    else if (t[0] === 'UpdateStmt') this.modify(t[1], 'update', ctes);
    else if (t[0] === 'DeleteStmt') this.modify(t[1], 'delete', ctes);
  }

  private select(s: SelectStmt, parent: Scope | undefined, outerCtes: Set<string>): void {
    const ctes = this.withCtes(s.withClause, parent, outerCtes);
    if (s.op && s.op !== 'SETOP_NONE') {
      if (s.larg) this.select(s.larg, parent, ctes);
      if (s.rarg) this.select(s.rarg, parent, ctes);
      return;
    }
    const scope: Scope = { parent, entries: [], ctes };
    const quals: Node[] = [];
    for (const item of s.fromClause ?? []) this.fromItem(item, scope, quals);
    if (s.whereClause) quals.push(s.whereClause);
    this.conditions(quals, scope);
    if (s.havingClause) this.subqueries(s.havingClause, scope);
    for (const v of s.valuesLists ?? []) this.subqueries(v, scope);
    this.columnsRead([s.targetList, s.whereClause, s.groupClause, s.havingClause, s.sortClause, quals], scope);
    this.subqueries(s.targetList, scope);
    this.orderAndGroup(s, scope);
  }

  private insert(s: InsertStmt, outerCtes: Set<string> = new Set()): void {
    const ctes = this.withCtes(s.withClause, undefined, outerCtes);
    const access = this.newAccess(s.relation!);
    access.write = { kind: 'insert', columns: targetNames(s.cols) };
    if (s.selectStmt) this.statementInScope(s.selectStmt, undefined, ctes);
    // Subqueries in RETURNING read their own tables (the inserted row finds no index).
    this.subqueries(s.returningClause?.exprs, { entries: [{ alias: access.alias }], ctes });
    // ON CONFLICT (cols) DO UPDATE ... WHERE: the arbiter columns must already be unique-indexed.
  }

  private modify(s: ModifyStmt, kind: 'update' | 'delete' | 'merge', outerCtes: Set<string> = new Set()): void {
    const ctes = this.withCtes(s.withClause, undefined, outerCtes);
    const scope: Scope = { entries: [], ctes };
    const target = this.newAccess(s.relation!);
    scope.entries.push({ alias: target.alias, access: target });
    target.write = { kind, columns: kind === 'update' ? targetNames(s.targetList) : [] };
    const quals: Node[] = [];
    for (const item of s.fromClause ?? s.usingClause ?? []) this.fromItem(item, scope, quals);
    if (s.sourceRelation) this.fromItem(s.sourceRelation, scope, quals);
    if (s.joinCondition) quals.push(s.joinCondition);
    if (s.whereClause) quals.push(s.whereClause);
    this.conditions(quals, scope);
    // RETURNING (libpg-query 18: `returningClause.exprs`) reads columns, and its subqueries read tables.
    const returning = s.returningClause?.exprs;
    this.columnsRead([s.targetList, quals, returning], scope);
    this.subqueries(s.targetList, scope);
    this.subqueries(returning, scope);
  }

  // ---- FROM -------------------------------------------------------------------------------

  private newAccess(rv: RangeVar): TableAccess {
    const access: TableAccess = {
      schema: rv.schemaname || undefined,
      table: rv.relname!,
      alias: rv.alias?.aliasname ?? rv.relname!,
      predicates: [],
      joinColumns: [],
      orderBy: [],
      groupBy: [],
      hasLimit: false,
      columnsRead: [],
    };
    this.accesses.push(access);
    return access;
  }

  private fromItem(item: Node | undefined, scope: Scope, quals: Node[]): void {
    const t = nodeType(item);
    if (!t) return;
    const [type, body] = t;
    if (type === 'RangeVar') {
      const name = body.relname!;
      if (!body.schemaname && scope.ctes.has(name) === true) {
        scope.entries.push({ alias: body.alias?.aliasname ?? name });
      } else if (!body.schemaname && this.isCteInParents(scope, name)) {
        scope.entries.push({ alias: body.alias?.aliasname ?? name });
      } else {
        const access = this.newAccess(body);
        scope.entries.push({ alias: access.alias, access });
      }
    } else if (type === 'JoinExpr') {
      this.fromItem(body.larg, scope, quals);
      this.fromItem(body.rarg, scope, quals);
      if (body.quals) quals.push(body.quals);
      for (const col of stringValues(body.usingClause)) this.usingColumn(col, body, scope);
    } else if (type === 'RangeSubselect') {
      this.select(asNode(body.subquery, 'SelectStmt') ?? {}, body.lateral ? scope : scope.parent, scope.ctes);
      scope.entries.push({ alias: body.alias?.aliasname ?? '', columns: stringValues(body.alias?.colnames) });
    } else if (type === 'RangeFunction') {
      scope.entries.push({ alias: body.alias?.aliasname ?? '' });
    }
  }

  private isCteInParents(scope: Scope, name: string): boolean {
    for (let s: Scope | undefined = scope; s; s = s.parent) if (s.ctes.has(name)) return true;
    return false;
  }

  /** `JOIN ... USING (col)`: the column is a join key on every table of both sides that has it. */
  private usingColumn(col: string, join: JoinExpr, scope: Scope): void {
    const names = new Set<string>();
    walk([join.larg, join.rarg], (type, body) => {
      if (type === 'RangeVar') names.add(body.alias?.aliasname ?? body.relname!);
      return type !== 'RangeSubselect';
    });
    for (const e of scope.entries) {
      if (!e.access || !names.has(e.alias)) continue;
      const cols = this.lookup(e.access.schema, e.access.table);
      if (!cols || cols.includes(col)) addUnique(e.access.joinColumns, col);
    }
  }

  // ---- columns ----------------------------------------------------------------------------

  private resolve(fields: Node[], scope: Scope): Resolved | undefined {
    const names = stringValues(fields);
    if (names.length !== fields.length || names.length === 0) return undefined; // A_Star
    const column = names[names.length - 1]!;
    let outer = false;
    for (let s: Scope | undefined = scope; s; s = s.parent, outer = true) {
      if (names.length >= 2) {
        const qualifier = names[names.length - 2]!;
        const entry = s.entries.find((e) => e.alias === qualifier);
        if (entry) return { entry, column, outer };
        continue;
      }
      const matches = s.entries.filter((e) => this.entryHasColumn(e, column));
      if (matches.length === 1) return { entry: matches[0]!, column, outer };
      if (matches.length > 1) return undefined; // ambiguous without a catalog
      const unknown = s.entries.filter((e) => this.entryColumns(e) === undefined);
      if (unknown.length === 1 && s.entries.length === 1) return { entry: unknown[0]!, column, outer };
      if (unknown.length > 0) return undefined;
    }
    return undefined;
  }

  private entryColumns(e: Entry): string[] | undefined {
    if (e.access) return this.lookup(e.access.schema, e.access.table);
    return e.columns && e.columns.length > 0 ? e.columns : undefined;
  }

  private entryHasColumn(e: Entry, column: string): boolean {
    return this.entryColumns(e)?.includes(column) ?? false;
  }

  private columnsRead(nodes: unknown[], scope: Scope): void {
    walk(nodes, (type, body) => {
      if (type === 'SubLink') return false; // its own scope records its own reads
      if (type !== 'ColumnRef') return;
      const fields = body.fields ?? [];
      const last = fields[fields.length - 1];
      if (last && 'A_Star' in last) {
        const qualifier = stringValues(fields.slice(0, -1)).pop();
        for (const e of scope.entries) if (e.access && (!qualifier || e.alias === qualifier)) addUnique(e.access.columnsRead, '*');
        return;
      }
      const r = this.resolve(fields, scope);
      if (r?.entry.access) addUnique(r.entry.access.columnsRead, r.column);
    });
  }

  /** Runs the analysis of every subquery (SubLink) below `node` with `scope` as its parent. */
  private subqueries(node: unknown, scope: Scope): void {
    walk(node, (type, body) => {
      if (type !== 'SubLink') return;
      if (body.testexpr) this.subqueries(body.testexpr, scope);
      const sel = asNode(body.subselect, 'SelectStmt');
      if (sel) this.select(sel, scope, scope.ctes);
      return false;
    });
  }

  // ---- WHERE / ON -------------------------------------------------------------------------

  private conditions(quals: Node[], scope: Scope): void {
    for (const c of conjunctsOf(quals)) {
      this.subqueries(c, scope);
      this.condition(c, scope);
    }
  }

  /**
   * An OR, read the way the planner reads it: conditions common to every arm are pulled out as
   * ordinary conditions (TPC-H Q19's join key and shipping filters), and a table restricted in
   * every arm gets each arm's conditions as `orArm` predicates, which an index serves with a
   * BitmapOr. A table missing from one arm gets nothing: no index can find that arm's rows.
   */
  private orCondition(arms: Node[], scope: Scope): void {
    const armConjuncts = arms.map((a) => conjunctsOf([a]));
    // Text positions differ between arms that say the same thing.
    const signature = (n: Node) => JSON.stringify(n, (k, v: unknown) => (/(^|_)location$|_list_(start|end)$/.test(k) ? undefined : v));
    const signatures = armConjuncts.map((cs) => new Set(cs.map(signature)));
    const common = armConjuncts[0]!.filter((c) => signatures.every((s) => s.has(signature(c))));
    const commonSigs = new Set(common.map(signature));
    for (const c of common) this.condition(c, scope);
    const rests = armConjuncts.map((cs) => cs.filter((c) => !commonSigs.has(signature(c))));
    // `A OR (A AND B)` is just A.
    if (rests.some((r) => r.length === 0)) return;

    const accesses = scope.entries.map((e) => e.access).filter((a): a is TableAccess => a !== undefined);
    const perArm = rests.map((rest) => {
      const before = accesses.map((a) => a.predicates.length);
      for (const c of rest) this.condition(c, scope);
      // Taken back out: they join the table's predicates only if every arm restricts it.
      return accesses.map((a, i) => a.predicates.splice(before[i]!));
    });
    accesses.forEach((a, i) => {
      if (perArm.some((arm) => arm[i]!.length === 0)) return;
      for (const arm of perArm)
        for (const p of arm[i]!) if (!a.predicates.some((q) => q.text === p.text)) a.predicates.push({ ...p, orArm: true });
    });
  }

  private condition(node: Node, scope: Scope): void {
    const t = nodeType(node);
    if (!t) return;
    const [type, body] = t;
    if (type === 'BoolExpr' && body.boolop === 'OR_EXPR') {
      this.orCondition(body.args ?? [], scope);
      return;
    }
    if (type === 'A_Expr') {
      this.operatorCondition(body, node, scope);
      return;
    }
    if (type === 'NullTest') {
      const key = this.keyOf(body.arg, scope);
      if (key)
        this.addPredicate(
          key,
          body.nulltesttype === 'IS_NULL' ? 'isnull' : 'isnotnull',
          body.nulltesttype === 'IS_NULL' ? 'IS NULL' : 'IS NOT NULL',
          node,
        );
      return;
    }
    if (type === 'ColumnRef') {
      const key = this.keyOf(node, scope);
      if (key) this.addPredicate(key, 'bool', '=', node, { constant: 'true' });
      return;
    }
    if (type === 'BoolExpr' && body.boolop === 'NOT_EXPR' && nodeKind(body.args?.[0]) === 'ColumnRef') {
      const key = this.keyOf(body.args?.[0], scope);
      if (key) this.addPredicate(key, 'bool', '=', node, { constant: 'false', negated: true });
      return;
    }
    if (type === 'BooleanTest') {
      const key = this.keyOf(body.arg, scope);
      const positive = body.booltesttype === 'IS_TRUE';
      const negative = body.booltesttype === 'IS_FALSE';
      if (key && (positive || negative))
        this.addPredicate(key, 'bool', '=', node, { constant: positive ? 'true' : 'false', negated: negative });
    }
  }

  private operatorCondition(e: A_Expr, node: Node, scope: Scope): void {
    const op = stringValues(e.name)[0] ?? '';
    const kind = e.kind;
    if (kind === 'AEXPR_BETWEEN' || kind === 'AEXPR_BETWEEN_SYM') {
      const key = this.keyOf(e.lexpr, scope);
      if (!key || !this.isValue(e.rexpr, scope)) return;
      const places = (asNode(e.rexpr, 'List')?.items ?? []).map((b) => placeOf(b as Node) ?? null);
      this.addPredicate(key, 'range', 'BETWEEN', node, { places });
      return;
    }
    if (kind === 'AEXPR_IN' || kind === 'AEXPR_OP_ANY') {
      const key = this.keyOf(e.lexpr, scope);
      if (!key || op !== '=' || !this.isValue(e.rexpr, scope)) return;
      const items = kind === 'AEXPR_IN' ? (asNode(e.rexpr, 'List')?.items ?? []) : [];
      const constants = items.map(literalText);
      const allLiteral = constants.length > 0 && constants.every((c): c is string => c !== undefined);
      this.addPredicate(key, 'in', kind === 'AEXPR_IN' ? 'IN' : '= ANY', node, allLiteral ? { constants } : {});
      return;
    }
    if (kind === 'AEXPR_LIKE' || kind === 'AEXPR_ILIKE') {
      const key = this.keyOf(e.lexpr, scope);
      if (key && this.isValue(e.rexpr, scope))
        this.addPredicate(key, op.startsWith('!') ? 'other' : 'like', op, node, { constant: literalText(e.rexpr) });
      return;
    }
    if (kind !== 'AEXPR_OP') return;

    // col = col across two tables of this level: a join key on both sides.
    const l = this.plainColumn(e.lexpr, scope);
    const r = this.plainColumn(e.rexpr, scope);
    if (op === '=' && l && r && !l.outer && !r.outer && l.entry !== r.entry) {
      if (l.entry.access) addUnique(l.entry.access.joinColumns, l.column);
      if (r.entry.access) addUnique(r.entry.access.joinColumns, r.column);
      return;
    }
    let keyNode = e.lexpr;
    let valueNode = e.rexpr;
    let operator = op;
    if (!this.keyOf(keyNode, scope) || !this.isValue(valueNode, scope)) {
      if (!FLIP[op]) return;
      [keyNode, valueNode, operator] = [e.rexpr, e.lexpr, FLIP[op]!];
    }
    const key = this.keyOf(keyNode, scope);
    if (!key || !this.isValue(valueNode, scope)) return;
    const constant = literalText(valueNode);
    this.addPredicate(key, classify(operator, valueNode), operator, node, { constant, places: [placeOf(valueNode) ?? null] });
  }

  private currentTarget?: TableAccess;

  private addPredicate(
    key: KeyPart,
    kind: PredicateKind,
    operator: string,
    node: Node,
    extra: {
      constant?: string;
      constants?: string[];
      negated?: boolean;
      places?: Array<ValuePlace | null>;
    } = {},
  ): void {
    const target = this.currentTarget;
    if (!target) return;
    const p: Predicate = { key, kind, operator, text: deparseLocal(node, target.alias) };
    if (extra.constant !== undefined) p.constant = extra.constant;
    if (extra.constants) p.constants = extra.constants;
    if (extra.negated) p.negated = true;
    // The key side never holds a parameter (keyOf refuses those), so these are the value's.
    const params: number[] = [];
    walk(node, (type, body) => {
      if (type === 'ParamRef' && typeof body.number === 'number' && !params.includes(body.number)) params.push(body.number);
    });
    if (params.length) p.params = params;
    if (params.length && extra.places) p.places = extra.places;
    target.predicates.push(p);
  }

  private plainColumn(node: Node | undefined, scope: Scope): Resolved | undefined {
    const t = nodeType(node);
    if (t?.[0] !== 'ColumnRef') return undefined;
    return this.resolve(t[1].fields ?? [], scope);
  }

  /**
   * The indexable side of a condition: a column, or an expression over columns of exactly one
   * table of this query level. Sets `currentTarget` to that table.
   */
  private keyOf(node: Node | undefined, scope: Scope): KeyPart | undefined {
    if (!node) return undefined;
    const t = nodeType(node);
    if (!t) return undefined;
    if (t[0] === 'ColumnRef') {
      const r = this.resolve(t[1].fields ?? [], scope);
      if (!r || r.outer || !r.entry.access) return undefined;
      this.currentTarget = r.entry.access;
      return { column: r.column };
    }
    if (t[0] === 'A_Const' || t[0] === 'ParamRef' || t[0] === 'SubLink') return undefined;
    const refs = new Map<TableAccess, Set<string>>();
    let foreign = false;
    walk(node, (type, body) => {
      if (type === 'SubLink') {
        foreign = true;
        return false;
      }
      if (type !== 'ColumnRef') return;
      const r = this.resolve(body.fields ?? [], scope);
      if (!r || r.outer || !r.entry.access) {
        foreign = true;
        return;
      }
      const set = refs.get(r.entry.access) ?? new Set<string>();
      set.add(r.column);
      refs.set(r.entry.access, set);
    });
    if (foreign || refs.size !== 1) return undefined;
    const [target, cols] = [...refs.entries()][0]!;
    if (containsVolatileOrParam(node)) return undefined;
    this.currentTarget = target;
    return { expression: deparseLocal(node, target.alias), expressionColumns: [...cols] };
  }

  /** True when the node is a constant for this query level: literals, parameters, outer columns. */
  private isValue(node: Node | undefined, scope: Scope): boolean {
    if (!node) return false;
    let local = false;
    walk(node, (type, body) => {
      if (type === 'SubLink') return false; // an uncorrelated subquery is evaluated once (InitPlan)
      if (type === 'ColumnRef') {
        const r = this.resolve(body.fields ?? [], scope);
        if (!r?.outer) local = true;
      }
    });
    return !local;
  }

  // ---- ORDER BY / GROUP BY / LIMIT ----------------------------------------------------------

  private orderAndGroup(s: SelectStmt, scope: Scope): void {
    const targets = s.targetList ?? [];
    const hasLimit = Boolean(s.limitCount) || s.limitOption === 'LIMIT_OPTION_WITH_TIES';
    if (hasLimit) for (const e of scope.entries) if (e.access) e.access.hasLimit = true;

    this.distanceOrder(s.sortClause?.[0], targets, scope);
    const sortKeys: Array<{ access: TableAccess; key: SortKey }> = [];
    let sortable = true;
    for (const item of s.sortClause ?? []) {
      const sb = asNode(item, 'SortBy');
      const node = sb ? this.targetExpression(sb.node, targets) : undefined;
      this.currentTarget = undefined;
      const key = node ? this.keyOf(node, scope) : undefined;
      if (!sb || !key || !this.currentTarget) {
        sortable = false;
        break;
      }
      const sk: SortKey = { key, descending: sb.sortby_dir === 'SORTBY_DESC' };
      if (sb.sortby_nulls === 'SORTBY_NULLS_FIRST') sk.nullsFirst = true;
      if (sb.sortby_nulls === 'SORTBY_NULLS_LAST') sk.nullsFirst = false;
      sortKeys.push({ access: this.currentTarget, key: sk });
    }
    // An index can only deliver an ORDER BY whose keys all come from one table.
    if (sortable && sortKeys.length > 0 && sortKeys.every((k) => k.access === sortKeys[0]!.access)) {
      sortKeys[0]!.access.orderBy = sortKeys.map((k) => k.key);
    }

    for (const item of s.groupClause ?? []) {
      const node = this.targetExpression(item, targets);
      this.currentTarget = undefined;
      const key = node ? this.keyOf(node, scope) : undefined;
      if (key && this.currentTarget) (this.currentTarget as TableAccess).groupBy.push(key);
    }
  }

  /** `ORDER BY col <-> value` (a distance, which a GiST index can deliver in order): recorded on col's table. */
  private distanceOrder(item: Node | undefined, targets: Node[], scope: Scope): void {
    const sb = asNode(item, 'SortBy');
    const node = sb && sb.sortby_dir !== 'SORTBY_DESC' ? this.targetExpression(sb.node, targets) : undefined;
    const e = asNode(node, 'A_Expr');
    const op = e ? (stringValues(e.name)[0] ?? '') : '';
    if (e?.kind !== 'AEXPR_OP' || !DISTANCE_OPS.has(op)) return;
    const col = this.plainColumn(e.lexpr, scope);
    if (!col || col.outer || !col.entry.access || !this.isValue(e.rexpr, scope)) return;
    const constant = literalText(e.rexpr);
    col.entry.access.distanceOrder = { column: col.column, operator: op, ...(constant !== undefined ? { constant } : {}) };
  }

  /** ORDER BY 2 / ORDER BY alias name the select list; map them back to the expression. */
  private targetExpression(node: Node | undefined, targets: Node[]): Node | undefined {
    const t = nodeType(node);
    if (t?.[0] === 'A_Const' && t[1].ival !== undefined) {
      const n = Number(t[1].ival?.ival ?? 0);
      return asNode(targets[n - 1], 'ResTarget')?.val;
    }
    if (t?.[0] === 'ColumnRef' && (t[1].fields ?? []).length === 1) {
      const name = stringValues(t[1].fields)[0];
      const named = targets.map((x) => asNode(x, 'ResTarget')).find((x) => x?.name === name);
      if (named) return named.val;
    }
    return node;
  }
}

/** `a AND (b AND c)` → [a, b, c]. */
function conjunctsOf(quals: Node[]): Node[] {
  const out: Node[] = [];
  const split = (n: Node) => {
    const t = nodeType(n);
    if (t && t[0] === 'BoolExpr' && t[1].boolop === 'AND_EXPR') for (const a of t[1].args ?? []) split(a);
    else out.push(n);
  };
  for (const q of quals) split(q);
  return out;
}

function classify(operator: string, value: Node | undefined): PredicateKind {
  if (operator === '=') return 'eq';
  if (RANGE_OPS.has(operator)) return 'range';
  if (operator === '<>' || operator === '!=') return 'neq';
  if (LIKE_OPS.has(operator)) return 'like';
  if (operator === '?' || operator === '?|' || operator === '?&') return 'jsonb';
  if (operator === '@@') return 'fts';
  if (operator === '@>' || operator === '<@') return castTo(value) === 'jsonb' ? 'jsonb' : 'array';
  if (operator === '&&') return 'array';
  return 'other';
}

function castTo(node: Node | undefined): string | undefined {
  const t = nodeType(node);
  if (t?.[0] !== 'TypeCast') return undefined;
  return stringValues(t[1].typeName?.names).pop();
}

/** The literal a value side carries (`'abc'`, `42`), or undefined for parameters and expressions. */
function literalText(node: Node | undefined): string | undefined {
  let t = nodeType(node);
  if (t?.[0] === 'TypeCast') t = nodeType(t[1].arg);
  if (t?.[0] !== 'A_Const' || t[1].isnull) return undefined;
  return deparse({ A_Const: t[1] });
}

const VOLATILE = new Set(['random', 'now', 'clock_timestamp', 'statement_timestamp', 'nextval', 'current_timestamp']);
/** Aggregates (`ORDER BY sum(amount) DESC`) are computed over groups of rows: no index holds them. */
const AGGREGATES = new Set([
  'count',
  'sum',
  'avg',
  'min',
  'max',
  'array_agg',
  'string_agg',
  'json_agg',
  'jsonb_agg',
  'json_object_agg',
  'jsonb_object_agg',
  'bool_and',
  'bool_or',
  'every',
  'bit_and',
  'bit_or',
  'stddev',
  'stddev_pop',
  'stddev_samp',
  'variance',
  'var_pop',
  'var_samp',
  'percentile_cont',
  'percentile_disc',
  'mode',
  'corr',
  'covar_pop',
  'covar_samp',
]);

/** True when the expression cannot be an index key: parameters, volatile functions, aggregates, window functions. */
function containsVolatileOrParam(node: Node): boolean {
  let found = false;
  walk(node, (type, body) => {
    if (type === 'ParamRef') found = true;
    if (type === 'FuncCall') {
      const name = stringValues(body.funcname).pop() ?? '';
      if (VOLATILE.has(name) || AGGREGATES.has(name) || body.agg_star || body.over) found = true;
    }
    if (type === 'SQLValueFunction') found = true;
  });
  return found;
}

/** Deparses a node with `alias.` qualifiers removed, as it would read in CREATE INDEX on that table. */
/**
 * Where a value for this side goes: a bare `$n` (cast or not), or an expression over parameters by
 * where it starts (a source that records the folded value must put it back in place of the whole
 * expression, never of one `$n`). Undefined for a side without parameters.
 */
function placeOf(node: Node | undefined): ValuePlace | undefined {
  const t = nodeType(node);
  if (!t) return undefined;
  const bare = t[0] === 'TypeCast' ? nodeType(t[1].arg as Node | undefined) : t;
  if (bare?.[0] === 'ParamRef' && typeof bare[1].number === 'number') return { param: bare[1].number };
  let hasParam = false;
  walk(node, (type, _body) => {
    if (type === 'ParamRef') hasParam = true;
    return undefined;
  });
  const location = (t[1] as { location?: unknown }).location;
  return hasParam && typeof location === 'number' ? { site: location } : undefined;
}

export function deparseLocal(node: Node, alias: string): string {
  const copy = structuredClone(node);
  walk(copy, (type, body) => {
    if (type !== 'ColumnRef') return;
    const fields = body.fields ?? [];
    const names = stringValues(fields);
    if (names.length >= 2 && names[names.length - 2] === alias) body.fields = fields.slice(-1);
  });
  return deparse(copy);
}

/** The column names of an INSERT's column list or an UPDATE's SET list. */
function targetNames(list: Node[] | undefined): string[] {
  return (list ?? []).map((c) => asNode(c, 'ResTarget')?.name).filter((name): name is string => Boolean(name));
}

function addUnique(list: string[], value: string): void {
  if (!list.includes(value)) list.push(value);
}
