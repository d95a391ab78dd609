import { afterEach, describe, expect, it, vi } from "vitest";
import { claimPush, currentSubscription, enablePush } from "../../web/src/lib/push";
import { sent, serve } from "./harness";

const P256DH = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
const AUTH = "BTBZMqHH6r4Tts7J_aSIgg";
const OWNER = "kab_push_owner";

/** A browser whose push manager holds `held` (or nothing), and hands out a new endpoint on each subscribe. */
function browser(held: string | null) {
  const log: string[] = [];
  let n = 0;
  let current = held;
  const subscription = (endpoint: string) => ({
    endpoint,
    toJSON: () => ({ endpoint, expirationTime: null, keys: { p256dh: P256DH, auth: AUTH } }),
    unsubscribe: async () => {
      log.push(`unsubscribe ${endpoint}`);
      if (current === endpoint) current = null;
      return true;
    },
  });
  const pushManager = {
    getSubscription: async () => (current ? subscription(current) : null),
    subscribe: async () => {
      current = `https://push.example.net/fresh/${++n}`;
      log.push(`subscribe ${current}`);
      return subscription(current);
    },
  };
  vi.stubGlobal("PushManager", class {});
  vi.stubGlobal("Notification", { permission: "granted", requestPermission: async () => "granted" });
  Object.defineProperty(navigator, "serviceWorker", {
    configurable: true,
    value: { ready: Promise.resolve({ pushManager }), getRegistration: async () => ({ pushManager }) },
  });
  return log;
}

afterEach(() => {
  vi.unstubAllGlobals();
  Reflect.deleteProperty(navigator, "serviceWorker");
  localStorage.clear();
});

describe("turning pushes on", () => {
  it("drops a subscription this browser already holds (another person's, say) and registers a fresh endpoint as the subscriber's", async () => {
    serve({
      "/api/v1/push/key": { publicKey: P256DH },
      "POST /api/v1/push/unsubscribe": { status: 204, body: null },
      "POST /api/v1/push/subscriptions": { status: 201, body: { id: "s1" } },
    });
    const log = browser("https://push.example.net/someone-before");
    expect(await enablePush("ru", "demo-anna")).toBe("on");
    expect(log).toEqual(["unsubscribe https://push.example.net/someone-before", "subscribe https://push.example.net/fresh/1"]);
    const posts = sent.filter((s) => s.method === "POST").map((s) => [s.url, (s.body as { endpoint: string }).endpoint]);
    // The server is told to forget the old one (it does if it was this subscriber's), then given the new one.
    expect(posts).toEqual([
      ["/api/v1/push/unsubscribe", "https://push.example.net/someone-before"],
      ["/api/v1/push/subscriptions", "https://push.example.net/fresh/1"],
    ]);
    expect(localStorage.getItem(OWNER)).toBe("demo-anna");
  });

  it("subscribes once when the browser holds nothing", async () => {
    serve({
      "/api/v1/push/key": { publicKey: P256DH },
      "POST /api/v1/push/subscriptions": { status: 201, body: { id: "s1" } },
    });
    const log = browser(null);
    expect(await enablePush("en", "demo-anna")).toBe("on");
    expect(log).toEqual(["subscribe https://push.example.net/fresh/1"]);
    expect(sent.filter((s) => s.method === "POST").map((s) => s.url)).toEqual(["/api/v1/push/subscriptions"]);
  });

  it("keeps nothing the server refused: the device shows «off» again and offers it", async () => {
    serve({ "/api/v1/push/key": { publicKey: P256DH } });
    const log = browser(null);
    await expect(enablePush("ru", "demo-anna")).rejects.toBeTruthy();
    expect(log).toEqual(["subscribe https://push.example.net/fresh/1", "unsubscribe https://push.example.net/fresh/1"]);
    expect(await currentSubscription()).toBeNull();
    expect(localStorage.getItem(OWNER)).toBeNull();
  });
});

describe("another person signing in on the same browser", () => {
  it("drops the pushes of whoever turned them on here, and keeps the signed-in subscriber's own", async () => {
    const log = browser("https://push.example.net/anna");
    localStorage.setItem(OWNER, "demo-anna");
    await claimPush("demo-anna");
    expect(log).toEqual([]);
    await claimPush("demo-petr");
    expect(log).toEqual(["unsubscribe https://push.example.net/anna"]);
    expect(await currentSubscription()).toBeNull();
    expect(localStorage.getItem(OWNER)).toBeNull();
  });

  it("takes a subscription made before the owner was kept as the signed-in subscriber's", async () => {
    const log = browser("https://push.example.net/before");
    await claimPush("demo-anna");
    expect(log).toEqual([]);
    expect(localStorage.getItem(OWNER)).toBe("demo-anna");
  });
});
