import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const repo = process.cwd();
const webSrc = join(repo, "web/src");

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : /\.tsx?$/.test(e.name) && !/\.test\.tsx?$/.test(e.name) ? [join(dir, e.name)] : [],
  );
}

/** Every static import and re-export of a file: whether it is type-only, and from where. */
const importsOf = (code: string) =>
  [...code.matchAll(/^(?:import|export)\s+(type\s+)?(?:[^;]*?\s+from\s+)?"([^"]+)";/gms)].map((m) => ({
    typeOnly: Boolean(m[1]),
    from: m[2] ?? "",
  }));

describe("the web app and the Worker", () => {
  it("share the Worker's code only as types: no module of worker/ is bundled into the app", () => {
    const runtime = sources(webSrc).flatMap((file) =>
      importsOf(readFileSync(file, "utf8"))
        .filter((i) => !i.typeOnly && /(^|\/)worker\//.test(i.from))
        .map((i) => `${relative(repo, file)} imports ${i.from}`),
    );
    expect(runtime).toEqual([]);
  });

  it("declare each response once: the shared client and the feature clients restate no shape the routes define", () => {
    const clients = [join(webSrc, "lib/api.ts"), ...sources(join(webSrc, "features")).filter((f) => /Api\.ts$/.test(f))];
    expect(clients.length).toBeGreaterThan(8);
    const restated = clients.flatMap((file) =>
      [...readFileSync(file, "utf8").matchAll(/^export (?:interface (\w+)|type (\w+)(?:<[^>]*>)? = \{)/gm)].map(
        (m) => `${relative(repo, file)}: ${m[1] ?? m[2]}`,
      ),
    );
    expect(restated).toEqual(["web/src/lib/api.ts: Items"]);
  });
});
