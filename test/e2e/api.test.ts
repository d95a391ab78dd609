import { validate } from "@readme/openapi-parser";
import { fetch } from "undici";
import { describe, expect, it } from "vitest";
import { site } from "./browser";
import { localhostAgent } from "./http";

const get = (url: string, headers: Record<string, string> = {}) => fetch(url, { dispatcher: localhostAgent, headers, redirect: "manual" });

describe("the served API", () => {
  it("publishes an OpenAPI 3.1 document that validates", async () => {
    const res = await get(site(null, "/api/openapi.json"));
    expect(res.status).toBe(200);
    const doc = (await res.json()) as Record<string, unknown>;
    const result = await validate(structuredClone(doc) as never);
    expect(result.valid ? [] : result.errors).toEqual([]);
    expect(doc.openapi).toBe("3.1.0");
  });

  it("sends bare localhost to the apex", async () => {
    const res = await get(`http://localhost:${new URL(site(null)).port}/contacts`);
    expect(res.status).toBe(308);
    expect(res.headers.get("location")).toBe(site(null, "/contacts"));
  });

  it("serves the regional context on each subdomain", async () => {
    const body = (await (await get(site("ekb", "/api/v1/region"))).json()) as { region: { code: string; tz: string } };
    expect(body.region).toMatchObject({ code: "ekb", tz: "Asia/Yekaterinburg" });
  });
});
