// @vitest-environment node
import { readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The Worker's layering, read from its sources (conventions: «platform knows
 * no feature; a feature imports platform and adapters, never another
 * feature's internals»). A feature's public files are its services
 * (`*.service.ts`), its queue message contracts (`*.messages.ts`) and an
 * `index.ts`; routes, handlers, queries, consumers and helpers are its own —
 * except that a contract (`*.routes.ts`) may name another's schemas, as the
 * API has one document.
 */
const WORKER = resolve(process.cwd(), "worker");

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : /\.tsx?$/.test(e.name) && !e.name.endsWith(".d.ts") ? [join(dir, e.name)] : [],
  );
}

interface Import {
  /** The imported file, relative to worker/ (no extension added), or the package name. */
  target: string;
  /** The names imported as values (not `type`), as written. */
  values: string[];
}

const STATIC = /(?:^|\n)\s*(?:import|export)\s+(type\s+)?(?:\{([^}]*)\}|\*(?:\s+as\s+\w+)?|\w+(?:\s*,\s*\{([^}]*)\})?)\s+from\s+"([^"]+)"/g;
const DYNAMIC = /import\(\s*"([^"]+)"\s*\)/g;

function importsOf(file: string): Import[] {
  const text = readFileSync(file, "utf8");
  const target = (spec: string) => (spec.startsWith(".") ? relative(WORKER, resolve(dirname(file), spec)) : spec);
  const out: Import[] = [];
  for (const m of text.matchAll(STATIC)) {
    const named = m[2] ?? m[3];
    // `import type …` names no value; `import x`/`* as x` (no braces) counts as one value.
    const values = m[1]
      ? []
      : named === undefined
        ? ["*"]
        : named
            .split(",")
            .map((n) => n.trim().split(/\s+as\s+/)[0] as string)
            .filter((n) => n !== "" && !n.startsWith("type "));
    out.push({ target: target(m[4] as string), values });
  }
  for (const m of text.matchAll(DYNAMIC)) out.push({ target: target(m[1] as string), values: ["*"] });
  return out;
}

const FILES = sources(WORKER).map((path) => ({ path, rel: relative(WORKER, path), imports: importsOf(path) }));
const featureOf = (rel: string) => /^features\/([^/]+)\//.exec(rel)?.[1] ?? null;
const isPublic = (rel: string) => /\.(service|messages)(\.ts)?$/.test(basename(rel)) || /^index(\.ts)?$/.test(basename(rel));

describe("the Worker's layers", () => {
  it("reads the imports of every source file (the check itself sees what it checks)", () => {
    const cron = FILES.find((f) => f.rel === "features/cron/daily.service.ts");
    expect(cron?.imports.map((i) => i.target)).toContain("features/billing/billing.service");
    expect(FILES.length).toBeGreaterThan(100);
  });

  it("platform and adapters import no feature", () => {
    const wrong = FILES.filter((f) => /^(platform|adapters)\//.test(f.rel)).flatMap((f) =>
      f.imports.filter((i) => i.target.startsWith("features/")).map((i) => `${f.rel} → ${i.target}`),
    );
    expect(wrong).toEqual([]);
  });

  it("a feature reaches another only through its services, message contracts or index", () => {
    const wrong = FILES.flatMap((f) => {
      const own = featureOf(f.rel);
      if (!own) return [];
      return f.imports
        .filter((i) => {
          const other = featureOf(i.target);
          // One API document: a contract may name another feature's schema (a service's offer answers with tariffs).
          const contractToContract = /\.routes\.ts$/.test(f.rel) && /\.routes$/.test(i.target);
          return other !== null && other !== own && !isPublic(i.target) && !contractToContract;
        })
        .map((i) => `${f.rel} → ${i.target}`);
    });
    expect(wrong).toEqual([]);
  });

  it("handlers and routers run no SQL: no drizzle-orm, no table (the schema's types and CONSTANTS only)", () => {
    const isTable = (name: string) => !/^[A-Z][A-Z0-9_]*$/.test(name);
    const wrong = FILES.filter((f) => /^features\/.*\.(handlers|index)\.ts$/.test(f.rel)).flatMap((f) =>
      f.imports
        .filter((i) => i.target.startsWith("drizzle-orm") || (i.target.startsWith("db/schema/") && i.values.some(isTable)))
        .map((i) => `${f.rel} → ${i.target} ${i.values.join(",")}`),
    );
    expect(wrong).toEqual([]);
  });
});

describe("one error rule (worker/platform/errors.ts)", () => {
  it("answers a validation problem with 400 wherever it is thrown", () => {
    const wrong = FILES.flatMap((f) =>
      [...readFileSync(f.path, "utf8").matchAll(/new AppError\(\s*(\d{3}),\s*"validation"/g)]
        .filter((m) => m[1] !== "400")
        .map((m) => `${f.rel}: ${m[1]}`),
    );
    expect(wrong).toEqual([]);
  });
});
