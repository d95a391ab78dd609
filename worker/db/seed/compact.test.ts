import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { describe, expect, it } from "vitest";
import { compactInserts } from "./compact";
import { buildSeed } from "./seed";

const ROOT = new URL("../../..", import.meta.url).pathname;

/** A database with a directory's migrations applied, as D1 would have it. */
function migrated(dir: string): DatabaseSync {
  const db = new DatabaseSync(":memory:");
  for (const file of readdirSync(join(ROOT, dir))
    .filter((f) => f.endsWith(".sql"))
    .sort())
    for (const q of readFileSync(join(ROOT, dir, file), "utf8").split("--> statement-breakpoint")) if (q.trim()) db.exec(q);
  return db;
}

/** Every table's rows, in a stable order. */
function dump(db: DatabaseSync): Record<string, unknown[]> {
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as {
    name: string;
  }[];
  // By the first two columns (one for a table of one column).
  const order = (name: string) =>
    (db.prepare(`SELECT count(*) AS n FROM pragma_table_info('${name}')`).get() as { n: number }).n > 1 ? "1, 2" : "1";
  return Object.fromEntries(tables.map(({ name }) => [name, db.prepare(`SELECT * FROM "${name}" ORDER BY ${order(name)}`).all()]));
}

describe("compactInserts", () => {
  it("joins consecutive one-row inserts into one table and keeps everything else in place", () => {
    const out = compactInserts([
      "INSERT OR IGNORE INTO t (a, b) VALUES (1, 'x');",
      "INSERT OR IGNORE INTO t (a, b) VALUES (2, 'it''s (not) a tuple');",
      "DELETE FROM t WHERE a = 1;",
      "INSERT OR IGNORE INTO t (a, b) VALUES (3, 'y');",
      "INSERT OR IGNORE INTO u (a) VALUES (4);",
      "INSERT INTO t (a, b) VALUES (5, 'z') ON CONFLICT DO NOTHING;",
      "INSERT INTO t (a, b) VALUES (6, 'v') ON CONFLICT (a) DO UPDATE SET b = (excluded.b);",
      "INSERT INTO t (a, b) VALUES (7, 'w'), (8, 'w');",
      "INSERT INTO t (a, b) SELECT 9, 'q';",
    ]);
    expect(out).toEqual([
      "INSERT OR IGNORE INTO t (a, b) VALUES (1, 'x'), (2, 'it''s (not) a tuple');",
      "DELETE FROM t WHERE a = 1;",
      "INSERT OR IGNORE INTO t (a, b) VALUES (3, 'y');",
      "INSERT OR IGNORE INTO u (a) VALUES (4);",
      "INSERT INTO t (a, b) VALUES (5, 'z') ON CONFLICT DO NOTHING;",
      "INSERT INTO t (a, b) VALUES (6, 'v') ON CONFLICT (a) DO UPDATE SET b = (excluded.b);",
      "INSERT INTO t (a, b) VALUES (7, 'w'), (8, 'w');",
      "INSERT INTO t (a, b) SELECT 9, 'q';",
    ]);
  });

  it("starts a new statement at the row limit", () => {
    const rows = Array.from({ length: 5 }, (_, i) => `INSERT OR IGNORE INTO t (a) VALUES (${i});`);
    expect(compactInserts(rows, 2)).toEqual([
      "INSERT OR IGNORE INTO t (a) VALUES (0), (1);",
      "INSERT OR IGNORE INTO t (a) VALUES (2), (3);",
      "INSERT OR IGNORE INTO t (a) VALUES (4);",
    ]);
  });

  it("gives the demo seed's databases exactly the rows of the statements one by one, in far fewer statements", async () => {
    const seed = await buildSeed(new Date("2026-12-03T09:00:00Z"), { compact: false });
    let before = 0;
    let after = 0;
    for (const [dir, statements] of [
      ["migrations/global", seed.global],
      ["migrations/region", seed.shards.DB_MOSCOW],
    ] as const) {
      const one = migrated(dir);
      const joined = migrated(dir);
      for (const s of statements) one.exec(s);
      const compacted = compactInserts(statements);
      for (const s of compacted) joined.exec(s);
      expect(dump(joined)).toEqual(dump(one));
      before += statements.length;
      after += compacted.length;
    }
    expect(after).toBeLessThan(before / 5);
  });
});
