/**
 * Issue 21, goal 2: every page and API request of a logged-in subscriber reads global data (the one `DB`) in at most
 * one round trip and never writes it, except for the operations listed here that really change global data. The
 * routes come from the served OpenAPI document and the app's own page list, so a new one cannot be forgotten.
 */
import { describe, expect, it } from "vitest";
import { APP_PATHS } from "../../web/src/app/paths";
import { makeAccountNo } from "../../worker/platform/ids";
import { api, call, json, login } from "./helpers";

const ANNA_MSK = makeAccountNo("20100000001");
const PETR_KZN = makeAccountNo("40300000005");

/** Global D1 use from the Server-Timing header (`d1-DB;desc="R round trips, S statements, W writes"`); zero when untouched. */
function globalUse(res: Response) {
  const timing = res.headers.get("server-timing") ?? "";
  const m = /d1-DB;desc="(\d+) round trips?, (\d+) statements?, (\d+) writes?"/.exec(timing);
  return { roundTrips: Number(m?.[1] ?? 0), writes: Number(m?.[3] ?? 0), timing };
}

interface OpenApiDoc {
  paths: Record<string, Record<string, unknown>>;
}

/** GET operations that legitimately write global data, with the reason. */
const WRITES_GLOBAL: Record<string, string> = {
  "/api/v1/auth/oidc/{provider}/start": "starts a login or a provider link with an identity provider: its one-time state is stored",
};

describe("a logged-in subscriber's GET requests", () => {
  it("read global data in at most one round trip and write none: every GET of the OpenAPI document", async () => {
    const cookie = await login("anna");
    const first = async <T>(path: string, pick: (body: T) => string | undefined) => {
      const res = await api(cookie, path);
      return res.status === 200 ? pick(await json<T>(res)) : undefined;
    };
    const ids: Record<string, string> = {
      accountNo: ANNA_MSK,
      serviceId: (await first<{ services: { id: string }[] }>(`/accounts/${ANNA_MSK}`, (b) => b.services[0]?.id)) ?? "svc-foreign",
      paymentId: (await first<{ items: { id: string }[] }>(`/accounts/${ANNA_MSK}/payments`, (b) => b.items[0]?.id)) ?? "pay-foreign",
      reportId: (await first<{ items: { id: string }[] }>(`/accounts/${ANNA_MSK}/usage/reports`, (b) => b.items[0]?.id)) ?? "rep-foreign",
      id: (await first<{ items: { id: string }[] }>("/applications", (b) => b.items[0]?.id)) ?? "app-foreign",
      chatId: (await first<{ items: { id: string }[] }>("/support/chats", (b) => b.items[0]?.id)) ?? "chat-foreign",
      ticketId: (await first<{ items: { id: string }[] }>("/support/tickets", (b) => b.items[0]?.id)) ?? "tkt-foreign",
      provider: (await first<{ items: { id: string }[] }>("/auth/providers", (b) => b.items[0]?.id)) ?? "nobody",
    };
    const doc = await json<OpenApiDoc>(await call(null, "/api/openapi.json"));
    const over: string[] = [];
    let checked = 0;
    for (const [path, ops] of Object.entries(doc.paths)) {
      // The operators' API (/ops/v1) is not a subscriber's.
      if (!("get" in ops) || !path.startsWith("/api/v1/")) continue;
      const url = path
        .replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(ids[name] ?? `${name}-foreign`))
        .replace(/^\/api\/v1/, "");
      // Reference data (a region's offices, phone numbers, catalogue) is kept per isolate: a visitor warms it first.
      await (await api("", url)).body?.cancel();
      const res = await api(cookie, url);
      await res.body?.cancel();
      checked++;
      const use = globalUse(res);
      const writes = WRITES_GLOBAL[path];
      if (res.status >= 500 || res.status === 401 || use.roundTrips > (writes ? 2 : 1) || (use.writes > 0 && !writes))
        over.push(`${path} ${res.status} ${use.timing}`);
    }
    expect(checked).toBeGreaterThan(50);
    expect(over, over.join("\n")).toEqual([]);
  });

  it("read global data in at most one round trip and write none: every page of the app", async () => {
    const cookie = await login("anna");
    const over: string[] = [];
    for (const pattern of APP_PATHS) {
      const path = pattern.replace(":no", ANNA_MSK).replace(":sid", "svc-foreign").replace(":id", "x-foreign");
      await (await call("msk", path, { headers: { accept: "text/html" } })).body?.cancel();
      const res = await call("msk", path, { headers: { accept: "text/html", cookie } });
      await res.body?.cancel();
      const use = globalUse(res);
      if (res.status !== 200 || use.roundTrips > 1 || use.writes > 0) over.push(`${path} ${res.status} ${use.timing}`);
    }
    expect(over, over.join("\n")).toEqual([]);
  });
});
