import { afterEach, describe, expect, it, vi } from "vitest";
import { enablePush } from "../../web/src/lib/push";
import { sent, serve } from "./harness";

const P256DH = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
const AUTH = "BTBZMqHH6r4Tts7J_aSIgg";

/** A browser whose push manager holds `held` (or nothing), and hands out a new endpoint on each subscribe. */
function browser(held: string | null) {
  const log: string[] = [];
  let n = 0;
  const subscription = (endpoint: string) => ({
    endpoint,
    toJSON: () => ({ endpoint, expirationTime: null, keys: { p256dh: P256DH, auth: AUTH } }),
    unsubscribe: async () => {
      log.push(`unsubscribe ${endpoint}`);
      return true;
    },
  });
  const pushManager = {
    getSubscription: async () => (held ? subscription(held) : null),
    subscribe: async () => {
      const endpoint = `https://push.example.net/fresh/${++n}`;
      log.push(`subscribe ${endpoint}`);
      return subscription(endpoint);
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
});

describe("turning pushes on", () => {
  it("drops a subscription this browser already holds (another person's, say) and registers a fresh endpoint", async () => {
    serve({
      "/api/v1/push/key": { publicKey: P256DH },
      "POST /api/v1/push/unsubscribe": { status: 204, body: null },
      "POST /api/v1/push/subscriptions": { status: 201, body: { id: "s1" } },
    });
    const log = browser("https://push.example.net/someone-before");
    expect(await enablePush("ru")).toBe("on");
    expect(log).toEqual(["unsubscribe https://push.example.net/someone-before", "subscribe https://push.example.net/fresh/1"]);
    const posts = sent.filter((s) => s.method === "POST").map((s) => [s.url, (s.body as { endpoint: string }).endpoint]);
    // The server is told to forget the old one (it does if it was this subscriber's), then given the new one.
    expect(posts).toEqual([
      ["/api/v1/push/unsubscribe", "https://push.example.net/someone-before"],
      ["/api/v1/push/subscriptions", "https://push.example.net/fresh/1"],
    ]);
  });

  it("subscribes once when the browser holds nothing", async () => {
    serve({
      "/api/v1/push/key": { publicKey: P256DH },
      "POST /api/v1/push/subscriptions": { status: 201, body: { id: "s1" } },
    });
    const log = browser(null);
    expect(await enablePush("en")).toBe("on");
    expect(log).toEqual(["subscribe https://push.example.net/fresh/1"]);
    expect(sent.filter((s) => s.method === "POST").map((s) => s.url)).toEqual(["/api/v1/push/subscriptions"]);
  });
});
