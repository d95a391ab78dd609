import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { sandboxAcquirer } from "../../worker/adapters/payments/sandbox";
import { app } from "../../worker/index";
import { api, call, json, login, SAME_ORIGIN } from "./helpers";

type Operation = { security?: Record<string, unknown>[] };
type OpenApiDoc = { servers?: { url: string }[]; paths: Record<string, Record<string, Operation>> };

let ip = 0;
const nextIp = () => `192.0.2.${++ip}`;

/** Every state-changing operation of the served OpenAPI document, path parameters filled with a placeholder. */
async function stateChangingOperations(): Promise<{ method: string; path: string; bearer: boolean }[]> {
  const doc = await json<OpenApiDoc>(await call(null, "/api/openapi.json"));
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops)
      .filter(([method]) => ["post", "put", "patch", "delete"].includes(method))
      .map(([method, op]) => ({
        method: method.toUpperCase(),
        path: path.replace(/\{[^}]+\}/g, "x1"),
        bearer: (op.security ?? []).some((s) => "operatorToken" in s),
      })),
  );
}

/** A support operator's console cookie (signed in from the Moscow site). */
async function operatorCookie(loginName = "operator.msk"): Promise<string> {
  const res = await call("msk", "/ops/v1/support/session", {
    method: "POST",
    headers: { ...SAME_ORIGIN, "cf-connecting-ip": nextIp() },
    body: JSON.stringify({ login: loginName, password: "Operator2026" }),
  });
  expect(res.status).toBe(200);
  return `kab_ops=${/kab_ops=([^;]+)/.exec(res.headers.get("set-cookie") ?? "")?.[1]}`;
}

/** Origins a page that is not ours would send: another site, a made-up subdomain of ours, look-alikes, an opaque origin. */
const FOREIGN_ORIGINS = [
  "http://evil.kabinet.localhost",
  "http://evil.msk.kabinet.localhost",
  "http://www.kabinet.localhost",
  "http://kabinet.localhost.evil.example",
  "http://evilkabinet.localhost",
  "https://evil.example",
  "null",
];

describe("own origins only (CSRF, WebSockets)", () => {
  it("refuses a foreign or unknown-subdomain origin on every state-changing route of the OpenAPI document with 403 problem+json", async () => {
    const ops = await stateChangingOperations();
    expect(ops.length).toBeGreaterThan(60);
    // With both sessions, so that a refusal can only come from the origin check.
    const cookie = `${await login("anna")}; ${await operatorCookie()}`;
    const wrong: string[] = [];
    let sent = 0;
    for (const op of ops) {
      for (const origin of FOREIGN_ORIGINS) {
        // A page on a sibling subdomain is "same-site" to the browser: that must not be enough.
        for (const site of ["same-site", "cross-site", undefined]) {
          const headers: Record<string, string> = { origin, cookie, "content-type": "application/json" };
          if (site) headers["sec-fetch-site"] = site;
          const res = await call("msk", op.path, { method: op.method, headers, body: op.method === "DELETE" ? undefined : "{}" });
          sent++;
          const type = res.headers.get("content-type") ?? "";
          // The operators' token API carries no ambient credential (a bearer token a page cannot send): no token, 401.
          const expected = op.bearer ? 401 : 403;
          if (res.status !== expected || !type.startsWith("application/problem+json"))
            wrong.push(`${op.method} ${op.path} origin=${origin} site=${site}: ${res.status} ${type}`);
          await res.body?.cancel();
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(sent).toBe(ops.length * FOREIGN_ORIGINS.length * 3);
  }, 60_000);

  it("refuses our own hosts on another scheme or port than the site's", async () => {
    const cookie = await login("anna");
    for (const origin of ["https://msk.kabinet.localhost", "http://msk.kabinet.localhost:8788", "ws://msk.kabinet.localhost"]) {
      const res = await call("msk", "/api/v1/notifications/read", {
        method: "POST",
        headers: { origin, "sec-fetch-site": "same-site", cookie, "content-type": "application/json" },
        body: "{}",
      });
      expect(res.status, origin).toBe(403);
    }
  });

  it("still accepts the apex and every regional site of the catalogue", async () => {
    for (const origin of [
      "http://kabinet.localhost",
      "http://msk.kabinet.localhost",
      "http://spb.kabinet.localhost",
      "http://vl.kabinet.localhost",
    ]) {
      const cookie = await login("anna");
      const res = await call("msk", "/api/v1/auth/logout", {
        method: "POST",
        headers: { origin, "sec-fetch-site": origin.includes("msk") ? "same-origin" : "same-site", cookie },
      });
      expect(res.status, origin).toBe(204);
    }
  });

  it("refuses the support chat socket to a foreign or unknown-subdomain origin, on both sides", async () => {
    const anna = await login("anna");
    const { chat } = await json<{ chat: { id: string } }>(
      await api(anna, "/support/chats", { method: "POST", body: JSON.stringify({ topic: "internet" }) }),
    );
    const ops = await operatorCookie();
    for (const origin of FOREIGN_ORIGINS) {
      for (const [path, cookie] of [
        [`/api/v1/support/chats/${chat.id}/live`, anna],
        [`/ops/v1/support/chats/${chat.id}/live`, ops],
      ] as const) {
        const res = await call("msk", path, { headers: { upgrade: "websocket", origin, cookie } });
        expect(res.status, `${path} ${origin}`).toBe(403);
        expect(res.headers.get("content-type")).toContain("application/problem+json");
      }
    }
    const own = await call("msk", `/api/v1/support/chats/${chat.id}/live`, {
      headers: { upgrade: "websocket", origin: "http://msk.kabinet.localhost", cookie: anna },
    });
    expect(own.status).toBe(101);
    own.webSocket?.accept();
    own.webSocket?.close();
  });
});

/** A request to any URL (any Host), as the edge would pass it on. */
async function fetchUrl(url: string, init: RequestInit = {}) {
  const { exports } = await import("cloudflare:workers");
  return exports.default.fetch(new Request(url, { redirect: "manual", ...init }));
}

describe("known hosts only", () => {
  const FOREIGN_HOSTS = ["evil.example", "kabinet.localhost.evil.example", "kabinet.example.workers.dev", "evilkabinet.localhost"];

  it("answers a foreign Host with a 404 problem, on pages, the API and its document alike", async () => {
    for (const host of FOREIGN_HOSTS) {
      for (const [method, path, accept] of [
        ["GET", "/", "text/html"],
        ["GET", "/api/openapi.json", "application/json"],
        ["GET", "/api/v1/region", "application/json"],
        ["GET", "/manifest.webmanifest", "*/*"],
        ["POST", "/api/v1/auth/login", "application/json"],
      ] as const) {
        const res = await fetchUrl(`http://${host}${path}`, {
          method,
          headers: { accept, ...(method === "POST" ? { ...SAME_ORIGIN, origin: `http://${host}` } : {}) },
          body: method === "POST" ? "{}" : undefined,
        });
        expect(res.status, `${method} ${host}${path}`).toBe(404);
        expect(res.headers.get("content-type"), `${host}${path}`).toContain("application/problem+json");
        expect(await res.text()).not.toContain(host);
      }
    }
  });

  it("still serves the apex and the regions, and sends bare localhost to the apex", async () => {
    expect((await call(null, "/api/v1/region")).status).toBe(200);
    expect((await call("nsk", "/api/v1/region")).status).toBe(200);
    const bare = await fetchUrl("http://localhost:8787/offices");
    expect(bare.status).toBe(308);
    expect(bare.headers.get("location")).toBe("http://kabinet.localhost:8787/offices");
  });

  it("names the configured base domain in the OpenAPI servers, never the Host it was asked on", async () => {
    for (const sub of [null, "msk", "spb"]) {
      const doc = await json<OpenApiDoc>(await call(sub, "/api/openapi.json"));
      expect(doc.servers).toEqual([{ url: "http://kabinet.localhost" }]);
    }
    const onPort = await json<OpenApiDoc>(await fetchUrl("http://spb.kabinet.localhost:8787/api/openapi.json"));
    expect(onPort.servers).toEqual([{ url: "http://kabinet.localhost:8787" }]);
  });
});

describe("malformed input", () => {
  const MALFORMED = ["%", "%%", "%E0%A4%A", "%zz", "%C0%AF", "a%"];
  const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);

  it("answers a file name with broken percent-encoding with 400 problem+json, on both sides of a chat", async () => {
    const anna = await login("anna");
    const { chat } = await json<{ chat: { id: string } }>(
      await api(anna, "/support/chats", { method: "POST", body: JSON.stringify({ topic: "tv" }) }),
    );
    const ops = await operatorCookie();
    for (const name of MALFORMED) {
      for (const [path, cookie] of [
        [`/api/v1/support/chats/${chat.id}/attachments`, anna],
        [`/ops/v1/support/chats/${chat.id}/attachments`, ops],
      ] as const) {
        const res = await call("msk", path, {
          method: "POST",
          headers: { ...SAME_ORIGIN, cookie, "content-type": "image/png", "x-file-name": name },
          body: PNG,
        });
        expect(res.status, `${path} ${name}`).toBe(400);
        expect(res.headers.get("content-type")).toContain("application/problem+json");
        expect((await json<{ errors?: { field: string }[] }>(res)).errors?.[0]?.field).toBe("X-File-Name");
      }
    }
    // A well-formed name still goes through.
    const ok = await api(anna, `/support/chats/${chat.id}/attachments`, {
      method: "POST",
      headers: { "content-type": "image/png", "x-file-name": encodeURIComponent("снимок 100%.png") },
      body: PNG,
    });
    expect(ok.status).toBe(201);
    expect((await json<{ name: string }>(ok)).name).toBe("снимок 100%.png");
  });

  it("never answers malformed headers, cookies, paths, queries or bodies with a 5xx, and every error is problem+json", async () => {
    const anna = await login("anna");
    const acc = "/api/v1/accounts/201000000018";
    const probes: [string, string, RequestInit][] = [];
    for (const bad of MALFORMED) {
      probes.push(
        ["msk", "/api/v1/me", { headers: { cookie: `kab_session=${bad}; lang=${bad}; region=${bad}` } }],
        ["msk", "/api/v1/support/chats", { headers: { cookie: `kab_chat=${bad}` } }],
        ["msk", "/ops/v1/support/me", { headers: { cookie: `kab_ops=${bad}` } }],
        ["msk", `/api/v1/region?lang=${bad}`, {}],
        ["msk", "/api/v1/region", { headers: { "accept-language": `${bad};q=${bad},,;q=` } }],
        ["msk", `/api/v1/support/chats/${bad}`, { headers: { cookie: anna } }],
        ["msk", `/api/v1/support/chats/${bad}/attachments/${bad}`, { headers: { cookie: anna } }],
        ["msk", `/api/v1/help/articles/${bad}`, {}],
        ["msk", `${acc}/history?cursor=${bad}`, { headers: { cookie: anna } }],
        ["msk", `${acc}/usage?cursor=${bad}&from=${bad}`, { headers: { cookie: anna } }],
        ["msk", `/api/v1/accounts/${bad}/history`, { headers: { cookie: anna } }],
        ["msk", `/files/reports/${bad}`, {}],
        ["msk", "/ops/v1/outages", { method: "POST", headers: { authorization: `Bearer ${bad}` }, body: "{}" }],
        ["msk", "/webhooks/acquirer", { method: "POST", headers: { "x-signature": bad }, body: bad }],
        ["msk", "/api/v1/auth/login", { method: "POST", headers: SAME_ORIGIN, body: bad }],
      );
    }
    for (const cursor of ["!!!", btoa("["), btoa('["x"]'), btoa("null"), "eyJ"])
      probes.push(["msk", `${acc}/history?cursor=${encodeURIComponent(cursor)}`, { headers: { cookie: anna } }]);
    for (const body of ["{", "null", "[]", '"x"', "{}".repeat(10_000), "\u0000"])
      probes.push(["msk", "/api/v1/auth/login", { method: "POST", headers: SAME_ORIGIN, body }]);
    const wrong: string[] = [];
    for (const [sub, path, init] of probes) {
      const res = await call(sub, path, init);
      const type = res.headers.get("content-type") ?? "";
      if (res.status >= 500 || (res.status >= 400 && !type.startsWith("application/problem+json")))
        wrong.push(`${init.method ?? "GET"} ${path}: ${res.status} ${type}`);
      await res.body?.cancel();
    }
    expect(wrong).toEqual([]);
  }, 60_000);
});

describe("every error is problem+json", () => {
  const isProblem = (res: Response) => (res.headers.get("content-type") ?? "").startsWith("application/problem+json");

  it("answers paths of the Worker's own prefixes that match no route with a problem, whatever the method", async () => {
    const wrong: string[] = [];
    for (const method of ["GET", "POST", "PUT", "PATCH", "DELETE"]) {
      for (const path of [
        "/ops/v1//x",
        "/ops/v1/./x",
        "/ops/v1/nothing",
        "/ops/v1/support//session",
        "/sandbox/./x",
        "/sandbox//x",
        "/sandbox/acquirer/pay//x",
        "/dev//outbox",
        "/dev/nothing",
        "/webhooks//acquirer",
        "/files/reports/",
        "/api//v1/region",
      ]) {
        const res = await call("msk", path, { method, headers: { ...SAME_ORIGIN }, body: method === "GET" ? undefined : "{}" });
        // 404, or 401 where a prefix's guard answers first (the console's /support/*).
        if (![401, 404].includes(res.status) || !isProblem(res))
          wrong.push(`${method} ${path}: ${res.status} ${res.headers.get("content-type")}`);
        await res.body?.cancel();
      }
    }
    expect(wrong).toEqual([]);
  });

  it("answers other methods than GET and HEAD on the web app's paths with a 405 problem naming the allowed ones", async () => {
    for (const method of ["POST", "PUT", "PATCH", "DELETE", "OPTIONS"]) {
      // "/ops/v1/../x" and "/ops/v1/%2E%2E/x" reach the Worker as "/x" (URL parsing removes dot segments).
      for (const path of [
        "/",
        "/accounts",
        "/ops/v1/../x",
        "/ops/v1/%2E%2E/x",
        "/assets/app.js",
        "/manifest.webmanifest",
        "/ops/support",
      ]) {
        const res = await call("msk", path, { method, headers: { ...SAME_ORIGIN }, body: method === "OPTIONS" ? undefined : "{}" });
        expect(res.status, `${method} ${path}`).toBe(405);
        expect(isProblem(res), `${method} ${path}`).toBe(true);
        expect(res.headers.get("allow")).toBe("GET, HEAD");
        await res.body?.cancel();
      }
    }
    // The web app itself is still there.
    expect((await call("msk", "/accounts", { headers: { accept: "text/html" } })).status).toBe(200);
    expect((await call("msk", "/manifest.webmanifest", { method: "HEAD" })).status).toBe(200);
  });

  it("answers the sandbox acquirer's pages with problems: an unknown payment, a malformed form", async () => {
    for (const path of ["/sandbox/acquirer/pay/nope", "/sandbox/acquirer/3ds/nope", "/sandbox/acquirer/pay/%E0%A4%A"]) {
      for (const method of ["GET", "POST"]) {
        const res = await call("msk", path, { method, headers: { accept: "text/html" }, body: method === "POST" ? "cvc=1" : undefined });
        expect(res.status, `${method} ${path}`).toBe(404);
        expect(isProblem(res), `${method} ${path}`).toBe(true);
      }
    }
    const { confirmation } = await sandboxAcquirer(env, "http://msk.kabinet.localhost").createPayment({
      method: "card",
      amountKop: 10_000,
      description: "test",
      returnUrl: "http://msk.kabinet.localhost/accounts",
      saveCard: false,
      metadata: { paymentId: "p-hardening", accountNo: "201000000018" },
      idempotenceKey: `hardening-${Date.now()}`,
    });
    const pay = new URL(confirmation.url).pathname;
    const broken = await call("msk", pay, {
      method: "POST",
      headers: { "content-type": "multipart/form-data; boundary=x" },
      body: "--x\r\nContent-Disposition: form-data; name=",
    });
    expect(broken.status).toBe(400);
    expect(isProblem(broken)).toBe(true);
    // A wrong card is the form again for a person, and a problem with the field for anything else.
    const form = new URLSearchParams({ number: "4242 4242 4242 4241", exp: "12/30", cvc: "123" });
    const asPage = await call("msk", pay, { method: "POST", headers: { accept: "text/html" }, body: form });
    expect(asPage.status).toBe(400);
    expect(await asPage.text()).toContain("Проверьте номер карты");
    const asApi = await call("msk", pay, { method: "POST", body: form });
    expect(asApi.status).toBe(400);
    expect(isProblem(asApi)).toBe(true);
    expect((await json<{ errors: { field: string; message: string }[] }>(asApi)).errors).toEqual([
      { field: "number", message: "Проверьте номер карты" },
    ]);
    // The page itself still works.
    expect((await call("msk", pay, { headers: { accept: "text/html" } })).status).toBe(200);
  });

  it("has no sandbox pages where the sandbox is not the acquirer: a 404 problem", async () => {
    const { confirmation } = await sandboxAcquirer(env, "http://msk.kabinet.localhost").createPayment({
      method: "card",
      amountKop: 10_000,
      description: "test",
      returnUrl: "http://msk.kabinet.localhost/accounts",
      saveCard: false,
      metadata: { paymentId: "p-hardening-2", accountNo: "201000000018" },
      idempotenceKey: `hardening-2-${Date.now()}`,
    });
    const page = (acquirer: string, method = "GET") =>
      app.fetch(new Request(confirmation.url, { method, headers: { accept: "text/html" } }), { ...env, ACQUIRER: acquirer } as Env);
    expect((await page("sandbox")).status).toBe(200);
    for (const method of ["GET", "POST"]) {
      const res = await page("yookassa", method);
      expect(res.status).toBe(404);
      expect(isProblem(res)).toBe(true);
    }
  });
});
