import { describe, expect, it } from "vitest";
import { isOwnOrigin } from "./csrf";

describe("isOwnOrigin", () => {
  const local = "kabinet.localhost";
  const prod = "kabinet.example.ru";

  it("takes the apex and the regions of the catalogue, not any subdomain", () => {
    expect(isOwnOrigin("http://kabinet.localhost:8787", local)).toBe(true);
    expect(isOwnOrigin("http://msk.kabinet.localhost:8787", local)).toBe(true);
    expect(isOwnOrigin("http://evil.kabinet.localhost:8787", local)).toBe(false);
    expect(isOwnOrigin("http://a.msk.kabinet.localhost:8787", local)).toBe(false);
    expect(isOwnOrigin("http://www.kabinet.localhost:8787", local)).toBe(false);
    expect(isOwnOrigin("http://localhost:8787", local)).toBe(false);
    expect(isOwnOrigin("http://kabinet.localhost.evil.example", local)).toBe(false);
    expect(isOwnOrigin("null", local)).toBe(false);
    expect(isOwnOrigin("", local)).toBe(false);
  });

  it("locally wants the scheme and port the request came in on", () => {
    const req = new URL("http://spb.kabinet.localhost:8787/api/v1/x");
    expect(isOwnOrigin("http://msk.kabinet.localhost:8787", local, req)).toBe(true);
    expect(isOwnOrigin("http://msk.kabinet.localhost:3000", local, req)).toBe(false);
    expect(isOwnOrigin("https://msk.kabinet.localhost:8787", local, req)).toBe(false);
  });

  it("in production wants https on the default port, whatever the request says", () => {
    const req = new URL("https://msk.kabinet.example.ru/api/v1/x");
    expect(isOwnOrigin("https://spb.kabinet.example.ru", prod, req)).toBe(true);
    expect(isOwnOrigin("https://kabinet.example.ru", prod)).toBe(true);
    expect(isOwnOrigin("http://spb.kabinet.example.ru", prod, req)).toBe(false);
    expect(isOwnOrigin("http://spb.kabinet.example.ru", prod)).toBe(false);
    expect(isOwnOrigin("https://spb.kabinet.example.ru:8443", prod, req)).toBe(false);
    expect(isOwnOrigin("http://spb.kabinet.example.ru", prod, new URL("http://spb.kabinet.example.ru/"))).toBe(false);
    expect(isOwnOrigin("https://evil.kabinet.example.ru", prod, req)).toBe(false);
  });
});
