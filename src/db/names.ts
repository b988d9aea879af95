// Names for the indexes the advisor proposes (new recommendations, and the indexes the audit
// creates for foreign keys): PostgreSQL keeps 63 bytes of a name (NAMEDATALEN - 1), and a new
// index must not take the name of a relation the schema already has. One rule for both.
import { createHash } from 'node:crypto';

export const MAX_NAME_BYTES = 63;

/** Cuts a name to `max` bytes (UTF-8) without splitting a character. */
export function truncateName(name: string, max = MAX_NAME_BYTES): string {
  if (Buffer.byteLength(name) <= max) return name;
  let out = '';
  for (const ch of name) {
    if (Buffer.byteLength(out + ch) > max) break;
    out += ch;
  }
  return out;
}

/**
 * A name of at most 63 bytes: too long a one is cut, and ends with `_` and 8 hex digits of a hash
 * of `hashOf` (default: the name itself), so that two long names cut alike stay apart.
 */
export function fitName(name: string, hashOf: string = name): string {
  if (Buffer.byteLength(name) <= MAX_NAME_BYTES) return name;
  const hash = createHash('sha1').update(hashOf).digest('hex').slice(0, 8);
  return `${truncateName(name, MAX_NAME_BYTES - 9)}_${hash}`;
}

/**
 * Makes `name` unique among `taken` (the schema's relation names and the names already given out)
 * with `_2`, `_3`... (cut so that the whole stays within 63 bytes), and adds it to `taken`.
 */
export function uniqueName(name: string, taken: Set<string>): string {
  let candidate = name;
  for (let n = 2; taken.has(candidate); n++) {
    const suffix = `_${n}`;
    candidate = `${truncateName(name, MAX_NAME_BYTES - suffix.length)}${suffix}`;
  }
  taken.add(candidate);
  return candidate;
}
