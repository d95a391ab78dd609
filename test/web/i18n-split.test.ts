import { existsSync, readFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { describe, expect, it } from "vitest";
import { ruMore } from "../../web/src/i18n/ru.more";

const WEB = join(process.cwd(), "web/src");

/** The modules of the first script: everything index.tsx imports statically, transitively. */
function firstScriptModules(): string[] {
  const seen = new Set<string>();
  const stack = [join(WEB, "index.tsx")];
  while (stack.length) {
    const file = stack.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const m of readFileSync(file, "utf8").matchAll(/^import\s+(?!type\b)(?:[^"']*?from\s+)?["'](\.[^"']+)["']/gm)) {
      const base = normalize(join(dirname(file), m[1] as string));
      const found = [".tsx", ".ts", "/index.tsx", "/index.ts"].map((ext) => base + ext).find((f) => existsSync(f));
      if (found) stack.push(found);
    }
  }
  return [...seen];
}

describe("the first script's dictionary", () => {
  it("put every string the first script's screens use into the first script's dictionary", () => {
    const modules = firstScriptModules().filter((f) => !f.includes("/i18n/"));
    expect(modules.length).toBeGreaterThan(10);
    const missing: string[] = [];
    for (const file of modules) {
      const src = readFileSync(file, "utf8");
      for (const key of Object.keys(ruMore)) if (src.includes(`"${key}"`)) missing.push(`${file.replace(WEB, "")}: ${key}`);
      for (const m of src.matchAll(/`([\w.]+)\.\$\{/g))
        for (const key of Object.keys(ruMore)) if (key.startsWith(`${m[1]}.`)) missing.push(`${file.replace(WEB, "")}: ${key}`);
    }
    expect(missing).toEqual([]);
  });
});
