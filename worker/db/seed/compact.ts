/**
 * The seed's one-row INSERTs joined into multi-row ones: consecutive statements
 * with the same `INSERT … INTO table (columns) VALUES` head become one statement
 * of up to `maxRows` tuples. Same rows, same order, same conflict handling (the
 * head's `OR IGNORE` applies to each row), but a few hundred statements instead
 * of ~18,000: each statement costs a local D1 far more than each row, and every
 * Worker test file and `npm start` loads the whole seed.
 *
 * Only a statement that is exactly `head (tuple)` joins: anything with a
 * conflict or returning clause after its values, or a SELECT, stays as it is.
 * Each joined statement stays under D1's 100 KB statement size.
 */
const HEAD = /^(INSERT(?: OR \w+)? INTO "?\w+"? \([^)]*\) VALUES )(\(.*\));?$/is;
const TRAILING_CLAUSE = /\b(ON\s+CONFLICT|RETURNING)\b/i;
const MAX_BYTES = 90_000;

export function compactInserts(statements: readonly string[], maxRows = 200): string[] {
  const out: string[] = [];
  let head = "";
  let tuples: string[] = [];
  let bytes = 0;
  const flush = () => {
    if (tuples.length > 0) out.push(`${head}${tuples.join(", ")};`);
    head = "";
    tuples = [];
    bytes = 0;
  };
  for (const statement of statements) {
    const [, h, tuple] = HEAD.exec(statement.trim()) ?? [];
    if (h === undefined || tuple === undefined || TRAILING_CLAUSE.test(tuple) || !isOneTuple(tuple)) {
      flush();
      out.push(statement);
      continue;
    }
    if (h !== head || tuples.length >= maxRows || bytes + tuple.length > MAX_BYTES) flush();
    head = h;
    tuples.push(tuple);
    bytes += tuple.length + 2;
  }
  flush();
  return out;
}

/** True when the text is one parenthesised tuple: its first `(` closes at its last character (quotes respected). */
function isOneTuple(text: string): boolean {
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === "'") quoted = !quoted;
    else if (!quoted && ch === "(") depth++;
    else if (!quoted && ch === ")" && --depth === 0) return i === text.length - 1;
  }
  return false;
}
