import { describe, expect, it } from "vitest";
import { errorText } from "./log";

describe("errorText", () => {
  it("says the innermost cause (D1's reason), never a query's bound values", () => {
    // What drizzle throws for a refused statement: its message carries the SQL and the values bound to it.
    const d1 = new Error("D1_ERROR: UNIQUE constraint failed: subscribers.phone: SQLITE_CONSTRAINT");
    const drizzle = new Error('Failed query: update "subscribers" set "phone" = ? where "id" = ?\nparams: +79001234567,demo-anna', {
      cause: d1,
    });
    expect(errorText(drizzle)).toBe("Error: D1_ERROR: UNIQUE constraint failed: subscribers.phone: SQLITE_CONSTRAINT");
    expect(errorText(drizzle)).not.toContain("79001234567");
    // A message that carries values itself is cut where they begin.
    expect(errorText(new TypeError("Failed query: select 1 params: anna@example.com"))).toBe("TypeError: Failed query: select 1");
    expect(errorText("a string")).toBe("unknown");
    expect(errorText(new Error("x".repeat(500))).length).toBeLessThanOrEqual("Error: ".length + 200);
  });
});
