import { describe, expect, it } from "vitest";
import { matches, routes } from "../../web/src/app/routes";

describe("the screen opened first", () => {
  it("is found by the router's own patterns", () => {
    expect(matches("/accounts", "/accounts")).toBe(true);
    expect(matches("/accounts", "/accounts/")).toBe(true);
    expect(matches("/accounts", "/accounts/508000000101")).toBe(false);
    expect(matches("/accounts/:no/usage", "/accounts/508000000101/usage")).toBe(true);
    expect(matches("/accounts/:no/usage", "/accounts/508000000101")).toBe(false);
    expect(matches("/", "/")).toBe(true);
    expect(matches("/", "/tariffs")).toBe(false);
    expect(matches("*404", "/no/such/page")).toBe(true);
  });

  it("is the one the router would pick: the first route that matches, the catch-all last", () => {
    const first = (path: string) => routes.find((r) => [r.path].flat().some((p) => matches(p, path)))?.path;
    expect(first("/accounts/508000000101/payments/p1")).toBe("/accounts/:no/payments/:id");
    expect(first("/support/chat")).toEqual(["/support", "/support/chat"]);
    expect(first("/nope")).toBe("*404");
    expect(routes.at(-1)?.path).toBe("*404");
  });
});
