// Where a parameter's type is decided: the function call or operator that takes it. When the
// server rejects a PREPARE because a declared (guessed) parameter type fits no signature
// ("function make_interval(hours => numeric) does not exist", SQLSTATE 42883), its error position
// points at that call; this finds the call in the statement's text and says which of its arguments
// are made of parameters, so that verify can declare those parameters with a type a signature takes.
import { asNode, type Node, nodeType, stringValues, walk } from './ast.js';
import { parseSql } from './parser.js';

export interface SiteArgument {
  /** `hours` in `make_interval(hours => $1)`; undefined for a positional argument. */
  name?: string;
  /**
   * Parameters the argument is made of: `$1`, or arithmetic of parameters and literals
   * (`$1 * $2`, `-$3`), whose type is the parameters' type. Empty when something else decides
   * the argument's type (a column, a function call, a cast).
   */
  params: number[];
}

export interface ParamSite {
  kind: 'function' | 'operator';
  /** The function's or operator's name (unqualified). */
  name: string;
  schema?: string;
  /** A function's arguments in call order; an operator's [left, right] (a prefix operator: [right]). */
  args: SiteArgument[];
}

const ARITHMETIC = new Set(['+', '-', '*', '/', '%', '^']);

/** Parameters an argument is made of (see SiteArgument.params). */
function paramsOf(node: Node | undefined): number[] {
  const t = nodeType(node);
  if (!t) return [];
  const [type, body] = t;
  if (type === 'ParamRef') return body.number !== undefined ? [body.number] : [];
  if (type === 'A_Expr' && body.kind === 'AEXPR_OP' && ARITHMETIC.has(stringValues(body.name)[0] ?? '')) {
    const sides = [body.lexpr, body.rexpr].filter((n): n is Node => n !== undefined);
    if (!sides.every((n) => nodeType(n)?.[0] === 'A_Const' || paramsOf(n).length > 0)) return [];
    return [...new Set(sides.flatMap(paramsOf))];
  }
  return [];
}

/**
 * The function call or operator at `charOffset` (0-based, in characters) of `text`, the place a
 * server error's position points at; undefined when nothing there takes a parameter.
 */
export function paramSiteAt(text: string, charOffset: number): ParamSite | undefined {
  const parsed = parseSql(text);
  if (!parsed.ok) return undefined;
  // libpg-query's locations count UTF-8 bytes.
  const at = Buffer.byteLength(text.slice(0, charOffset), 'utf8');
  let site: ParamSite | undefined;
  walk(parsed.stmts, (type, body) => {
    if (site) return false;
    if (type === 'FuncCall' && body.location === at) {
      const names = stringValues(body.funcname);
      const args = (body.args ?? []).map((a): SiteArgument => {
        const named = asNode(a, 'NamedArgExpr');
        return named ? { name: named.name!, params: paramsOf(named.arg) } : { params: paramsOf(a) };
      });
      site = { kind: 'function', name: names[names.length - 1]!, args };
      if (names.length > 1) site.schema = names[names.length - 2]!;
    }
    if (type === 'A_Expr' && body.kind === 'AEXPR_OP' && body.location === at) {
      const names = stringValues(body.name);
      const sides = body.lexpr ? [body.lexpr, body.rexpr] : [body.rexpr];
      site = { kind: 'operator', name: names[names.length - 1]!, args: sides.map((n) => ({ params: paramsOf(n) })) };
      if (names.length > 1) site.schema = names[names.length - 2]!;
    }
    return undefined;
  });
  return site?.args.some((a) => a.params.length > 0) ? site : undefined;
}
