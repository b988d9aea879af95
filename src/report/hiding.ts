// What hiding an existing index from the planner showed (hypopg 1.4+), in the reports' words: for
// a replacement in the advice ('drop X and add Y') and for the audit's confirmed drops.
import { formatCost, oneLine } from '../format.js';
import type { HidingCheck } from '../types.js';
import { mdCell } from './format.js';

/** A hiding check in words: the statements costed, and none or how many more than 10 % dearer. */
export function hidingText(c: HidingCheck): string {
  return c.slower.length === 0
    ? `no statement slower (${c.statementsCosted} statement(s) on its table costed with it hidden, none more than 10 % dearer)`
    : `${c.slower.length} of ${c.statementsCosted} statement(s) on its table more than 10 % dearer with it hidden`;
}

/** The statements a hidden index makes dearer, as a Markdown table (nothing when there are none). */
export function slowerTable(c: HidingCheck): string[] {
  if (c.slower.length === 0) return [];
  const out = ['', '| statement (id) | cost with it | cost with it hidden |', '|---|---:|---:|'];
  for (const s of c.slower) {
    const after = Number.isFinite(s.costHidden) ? formatCost(s.costHidden) : 'not plannable';
    out.push(`| \`${mdCell(oneLine(s.query, 100))}\` (${mdCell(s.statementId)}) | ${formatCost(s.costWith)} | ${after} |`);
  }
  return out;
}
