// `--fail-on`: what in a report makes the run exit with status 2, for a nightly CI job or a
// pull-request check. Pure.
import { InvalidArgumentError } from 'commander';
import { isCreated } from '../report/migration.js';
import type { AdviceResult } from '../types.js';

export const FAIL_ON = ['new-advice', 'advice', 'audit'] as const;
export type FailOn = (typeof FAIL_ON)[number];

/** `new-advice,audit` → the conditions; a bad one is an error. */
export function parseFailOn(value: string, previous: FailOn[] = []): FailOn[] {
  const out = [...previous];
  for (const v of value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    if (!(FAIL_ON as readonly string[]).includes(v)) throw new InvalidArgumentError(`'${v}' is not one of ${FAIL_ON.join(', ')}`);
    out.push(v as FailOn);
  }
  return out;
}

/** Why the report fails the run (empty: it does not). */
export function failReasons(result: AdviceResult, conditions: FailOn[]): string[] {
  const reasons: string[] = [];
  const created = result.recommendations.filter(isCreated);
  for (const c of new Set(conditions)) {
    if (c === 'advice' && created.length) reasons.push(`${created.length} index(es) recommended`);
    if (c === 'new-advice') {
      // Without a history every recommendation is new tonight.
      const fresh = result.history
        ? result.history.diff.recommendations.new.filter((r) => created.some((x) => x.candidate.key === r.key)).length
        : created.length;
      if (fresh) reasons.push(`${fresh} new index recommendation(s)`);
    }
    if (c === 'audit') {
      const n = result.audit?.findings.filter((f) => f.action !== 'keep').length ?? 0;
      if (n) reasons.push(`${n} audit finding(s)`);
    }
  }
  return reasons;
}
