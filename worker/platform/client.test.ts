/// <reference types="vite/client" />
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { clientAddress } from "./client";

const addressOf = async (headers: Record<string, string>) => {
  const app = new Hono().get("/", (c) => c.text(clientAddress(c)));
  return (await app.request("/", { headers })).text();
};

describe("clientAddress", () => {
  it("is the address Cloudflare's edge puts in CF-Connecting-IP", async () => {
    expect(await addressOf({ "cf-connecting-ip": "203.0.113.7" })).toBe("203.0.113.7");
    expect(await addressOf({ "cf-connecting-ip": "2001:db8::1" })).toBe("2001:db8::1");
  });

  it("is 'local' without it (a request made inside workerd, tests), and never read from other proxies' headers", async () => {
    expect(await addressOf({})).toBe("local");
    expect(await addressOf({ "x-forwarded-for": "198.51.100.1", "x-real-ip": "198.51.100.2", forwarded: "for=198.51.100.3" })).toBe(
      "local",
    );
  });

  it("takes only what looks like an address, so a throttle key stays short", async () => {
    expect(await addressOf({ "cf-connecting-ip": "x".repeat(5000) })).toBe("local");
    expect(await addressOf({ "cf-connecting-ip": "1.2.3.4, 5.6.7.8" })).toBe("local");
  });

  it("is the one place the Worker reads the client's address", () => {
    const sources = import.meta.glob<string>(["../**/*.ts", "!../**/*.test.ts", "!../worker-configuration.d.ts"], {
      query: "?raw",
      import: "default",
      eager: true,
    });
    expect(Object.keys(sources).length).toBeGreaterThan(50);
    const readers = Object.entries(sources)
      .filter(([, text]) => /cf-connecting-ip|x-forwarded-for|x-real-ip/i.test(text))
      .map(([path]) => path);
    expect(readers).toEqual(["./client.ts"]);
  });
});
