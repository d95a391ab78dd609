import { describe, expect, it } from "vitest";
import { call, json } from "./helpers";

describe("every response", () => {
  it("carries the security headers: CSP without inline script, HSTS, no framing", async () => {
    for (const res of [await call("msk", "/api/v1/region"), await call("msk", "/", { headers: { accept: "text/html" } })]) {
      const csp = res.headers.get("content-security-policy") ?? "";
      const scriptSrc = /script-src ([^;]+)/.exec(csp)?.[1] ?? "";
      expect(scriptSrc).toBe("'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("object-src 'none'");
      expect(res.headers.get("strict-transport-security")).toMatch(/max-age=\d{8}; includeSubDomains/);
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("x-frame-options")).toBe("DENY");
    }
  });

  it("has a request id, echoed in problems so support can find it", async () => {
    const res = await call("msk", "/api/v1/missing");
    const id = res.headers.get("x-request-id");
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect((await json<{ requestId: string }>(res)).requestId).toBe(id);
  });
});

describe("the web app", () => {
  it("is served with SPA fallback for deep links", async () => {
    const res = await call("spb", "/offices", { headers: { accept: "text/html" } });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<div id="root">');
    expect(html).toContain('<link rel="manifest"');
  });
  it("serves the manifest and the service worker", async () => {
    const manifest = await json<{ name: string; icons: { purpose?: string }[] }>(await call("msk", "/manifest.webmanifest"));
    expect(manifest.name).toBe("Личный кабинет");
    expect(manifest.icons.some((i) => i.purpose === "maskable")).toBe(true);
    const sw = await call("msk", "/sw.js");
    expect(sw.status).toBe(200);
    expect(sw.headers.get("content-type")).toContain("javascript");
  });
});

describe("OpenAPI", () => {
  it("describes the public region API as OpenAPI 3.1 with problem responses", async () => {
    const doc = await json<{ openapi: string; paths: Record<string, Record<string, { responses: Record<string, unknown> }>> }>(
      await call(null, "/api/openapi.json"),
    );
    expect(doc.openapi).toBe("3.1.0");
    for (const path of [
      "/api/v1/regions",
      "/api/v1/region",
      "/api/v1/region/tariffs",
      "/api/v1/region/offices",
      "/api/v1/region/contacts",
    ]) {
      expect(doc.paths[path]?.get, path).toBeDefined();
    }
    expect(doc.paths["/api/v1/region/tariffs"]?.get?.responses["400"]).toBeDefined();
  });
  it("describes a tariff once: the region's list, a service's offer and the coverage answer name the same schema", async () => {
    const doc = await json<{ components: { schemas: Record<string, unknown> } }>(await call(null, "/api/openapi.json"));
    const text = JSON.stringify(doc);
    const refs = (path: string) => JSON.stringify((doc as unknown as { paths: Record<string, unknown> }).paths[path]);
    // The business catalogue (per-region business offers, issue 23) is a schema of its own; a subscriber's tariff is one.
    expect(Object.keys(doc.components.schemas).filter((name) => /tariff$/i.test(name))).toEqual(["Tariff", "BusinessTariff"]);
    for (const path of ["/api/v1/region/tariffs", "/api/v1/accounts/{accountNo}/services/{serviceId}/tariffs", "/api/v1/region/coverage"]) {
      expect(refs(path), path).toContain('"$ref":"#/components/schemas/Tariff"');
    }
    expect(text).not.toContain("ServiceTariff");
  });
  it("documents invalid input as 400 everywhere, and 422 only where a business rule with its own problem refuses", async () => {
    const doc = await json<{ paths: Record<string, Record<string, { responses?: Record<string, unknown> }>> }>(
      await call(null, "/api/openapi.json"),
    );
    const with422: string[] = [];
    for (const [path, operations] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(operations)) if (op.responses?.["422"]) with422.push(`${method.toUpperCase()} ${path}`);
    // A registration of more contracts than it can connect at once has its own problem (too_many_contracts).
    expect(with422.sort()).toEqual(["POST /api/v1/auth/register/complete", "PUT /api/v1/notifications/preferences"]);
    for (const [method, path] of [
      ["post", "/api/v1/accounts/{accountNo}/payments"],
      ["put", "/api/v1/accounts/{accountNo}/autopay"],
      ["post", "/api/v1/accounts/{accountNo}/promised-payment"],
      ["post", "/api/v1/push/subscriptions"],
    ] as const)
      expect(doc.paths[path]?.[method]?.responses?.["400"], `${method} ${path}`).toBeDefined();
  });
  it("has interactive docs that load only our own scripts", async () => {
    const html = await (await call(null, "/api/docs")).text();
    expect(html).toContain('src="/vendor/swagger-ui/swagger-ui-bundle.js"');
    expect(html).not.toMatch(/<script>(?!<\/script>)/);
    expect((await call(null, "/vendor/swagger-ui/swagger-ui-bundle.js")).status).toBe(200);
  });
});

describe("CSRF", () => {
  it("refuses a state-changing request from a foreign site", async () => {
    const res = await call("msk", "/api/v1/region", {
      method: "POST",
      headers: { origin: "https://evil.example", "sec-fetch-site": "cross-site", "accept-language": "en" },
    });
    expect(res.status).toBe(403);
    expect((await json<{ title: string }>(res)).title).toBe("Request refused");
  });
  it("refuses one with no origin information at all", async () => {
    expect((await call("msk", "/api/v1/region", { method: "POST" })).status).toBe(403);
  });
  it("lets a request from another regional subdomain through to routing", async () => {
    const res = await call("msk", "/api/v1/region", {
      method: "POST",
      headers: { origin: "http://spb.kabinet.localhost", "sec-fetch-site": "same-site" },
    });
    expect(res.status).toBe(404);
  });
});
