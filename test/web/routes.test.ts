import { describe, expect, it } from "vitest";
import { APP_PATHS, isAppPath } from "../../web/src/app/paths";
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

describe("the pages the service worker answers with the app", () => {
  it("are exactly the router's pages (the catch-all aside)", () => {
    const routed = routes.flatMap((r) => [r.path].flat()).filter((p) => p !== "*404");
    expect([...APP_PATHS].sort()).toEqual([...routed].sort());
  });

  it("include the app's pages with their parameters, a trailing slash and a query", () => {
    for (const path of [
      "/",
      "/?region=msk",
      "/accounts",
      "/accounts/",
      "/accounts/508000000101/usage",
      "/profile?linked=1",
      "/support/chat",
    ])
      expect(isAppPath(path), path).toBe(true);
  });

  it("leave every server page to the network: the acquirer, file links, callbacks, API docs, the dev outbox", () => {
    for (const path of [
      "/sandbox/acquirer/pay/p-1",
      "/sandbox/acquirer/3ds/p-1",
      "/files/reports/508000000101/r1.pdf?exp=1&sig=x",
      "/api/v1/auth/oidc/gosuslugi/callback?code=1&state=2",
      "/api/docs",
      "/dev/outbox",
      "/accounts/508000000101/usage/extra",
      "/accountsx",
    ])
      expect(isAppPath(path), path).toBe(false);
  });
});
