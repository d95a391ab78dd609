import { describe, expect, it } from "vitest";
import { classifyHost, siteUrl } from "./host";

const base = "kabinet.localhost";

describe("classifyHost", () => {
  it("tells the apex, a region, and hosts to send to the apex", () => {
    expect(classifyHost("kabinet.localhost", base)).toEqual({ kind: "apex" });
    expect(classifyHost("MSK.Kabinet.Localhost.", base)).toEqual({ kind: "region", code: "msk" });
    expect(classifyHost("localhost", base)).toEqual({ kind: "redirect-apex" });
    expect(classifyHost("www.kabinet.localhost", base)).toEqual({ kind: "redirect-apex" });
    expect(classifyHost("kabinet.example.workers.dev", base)).toEqual({ kind: "other" });
  });
  it("builds site URLs keeping scheme and port", () => {
    expect(siteUrl(new URL("https://kabinet.localhost:8787/x"), base, "spb", "/tariffs")).toBe(
      "https://spb.kabinet.localhost:8787/tariffs",
    );
    expect(siteUrl(new URL("http://msk.kabinet.localhost/"), base, null)).toBe("http://kabinet.localhost/");
  });
});
