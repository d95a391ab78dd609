import { describe, expect, it } from "vitest";
import { apexOrigin, classifyHost, siteUrl } from "./host";

const base = "kabinet.localhost";

describe("classifyHost", () => {
  it("tells the apex, a region, and hosts to send to the apex", () => {
    expect(classifyHost("kabinet.localhost", base)).toEqual({ kind: "apex" });
    expect(classifyHost("MSK.Kabinet.Localhost.", base)).toEqual({ kind: "region", code: "msk" });
    expect(classifyHost("localhost", base)).toEqual({ kind: "redirect-apex" });
    expect(classifyHost("www.kabinet.localhost", base)).toEqual({ kind: "redirect-apex" });
    expect(classifyHost("kabinet.example.workers.dev", base)).toEqual({ kind: "other" });
  });
  it("sends loopback addresses to the apex only in a local run", () => {
    expect(classifyHost("127.0.0.1", base)).toEqual({ kind: "redirect-apex" });
    expect(classifyHost("[::1]", base)).toEqual({ kind: "redirect-apex" });
    expect(classifyHost("127.0.0.1", "kabinet.example.ru")).toEqual({ kind: "other" });
  });
  it("publishes the apex from configuration: the request's scheme and port locally, https in production", () => {
    expect(apexOrigin(new URL("http://evil.example:8787/api/openapi.json"), base)).toBe("http://kabinet.localhost:8787");
    expect(apexOrigin(new URL("http://msk.kabinet.example.ru:81/x"), "kabinet.example.ru")).toBe("https://kabinet.example.ru");
  });
  it("builds site URLs keeping scheme and port", () => {
    expect(siteUrl(new URL("https://kabinet.localhost:8787/x"), base, "spb", "/tariffs")).toBe(
      "https://spb.kabinet.localhost:8787/tariffs",
    );
    expect(siteUrl(new URL("http://msk.kabinet.localhost/"), base, null)).toBe("http://kabinet.localhost/");
  });
});
