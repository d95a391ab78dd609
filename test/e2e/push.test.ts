import type { Browser, BrowserContext, Page } from "playwright-core";
import { fetch } from "undici";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type LocalPushService, startPushService } from "../push/local-push-service";
import { browserKeys } from "../push/webpush-receiver";
import { launch, newContext, site } from "./browser";
import { localhostAgent } from "./http";
import { logInAs, ownSubscriber } from "./subscribers";

let browser: Browser;
let push: LocalPushService;
beforeAll(async () => {
  // The full Chromium: the headless shell has no Push API.
  browser = await launch("full");
  push = await startPushService(inject("pushTls"), inject("vapidPublicKey"));
});
afterAll(async () => {
  await browser?.close();
  await push?.stop();
});

/** An operator's request (a token, no browser session). */
function ops(path: string, body: unknown) {
  return fetch(site(null, `/ops/v1${path}`), {
    method: "POST",
    dispatcher: localhostAgent,
    headers: { authorization: "Bearer dev-only-operator-token", "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

/**
 * The browser's push service is unreachable here, so subscribing through it is
 * the one thing replaced: `PushManager.subscribe` returns a subscription whose
 * endpoint is the local push service, with keys the test holds (as the vendor
 * would). Everything else, permission, the service worker, the app, is real.
 */
async function stubPushManager(context: BrowserContext, endpoint: string, p256dh: string, auth: string) {
  await context.addInitScript(
    ({ endpoint, p256dh, auth }) => {
      const KEY = "e2e-push-subscribed-key";
      const toB64 = (buf: ArrayBuffer) => btoa(String.fromCharCode(...new Uint8Array(buf)));
      const fromB64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0)).buffer;
      const make = (key: ArrayBuffer) => ({
        endpoint,
        expirationTime: null,
        options: { applicationServerKey: key, userVisibleOnly: true },
        toJSON: () => ({ endpoint, expirationTime: null, keys: { p256dh, auth } }),
        unsubscribe: async () => {
          localStorage.removeItem(KEY);
          return true;
        },
      });
      PushManager.prototype.subscribe = async (options?: PushSubscriptionOptionsInit) => {
        const raw = options?.applicationServerKey as Uint8Array;
        const key = raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength) as ArrayBuffer;
        localStorage.setItem(KEY, toB64(key));
        return make(key) as unknown as PushSubscription;
      };
      PushManager.prototype.getSubscription = async () => {
        const k = localStorage.getItem(KEY);
        return (k ? make(fromB64(k)) : null) as unknown as PushSubscription;
      };
    },
    { endpoint, p256dh, auth },
  );
}

/** A DevTools session with the ServiceWorker domain on, and this site's registration id. */
async function serviceWorkerSession(page: Page) {
  const cdp = await page.context().newCDPSession(page);
  const found = new Promise<string>((resolve) => {
    cdp.on(
      "ServiceWorker.workerRegistrationUpdated",
      (e: { registrations: { registrationId: string; scopeURL: string; isDeleted: boolean }[] }) => {
        const r = e.registrations.find((x) => !x.isDeleted && x.scopeURL.startsWith(site("msk", "/")));
        if (r) resolve(r.registrationId);
      },
    );
  });
  await cdp.send("ServiceWorker.enable");
  return { cdp, registrationId: await found };
}

describe("web push in a real browser", () => {
  it("subscribes when asked, receives an outage through the push service, shows it, and a click opens its screen", {
    timeout: 120_000,
  }, async () => {
    // A subscriber of this test's own, the only one in house 55: every push, the bell's count and the outage's
    // banner are theirs alone while other files pay, chat and read Anna's inbox at the same time.
    const me = await ownSubscriber("push");
    const keys = await browserKeys();
    const endpoint = push.register(`${me.login}-${Date.now()}`, keys);
    const context = await newContext(browser, { serviceWorkers: "allow" });
    await context.grantPermissions(["notifications"], { origin: site("msk", "").replace(/\/$/, "") });
    await stubPushManager(context, endpoint, keys.p256dh, keys.auth);
    const page = await context.newPage();

    await logInAs(page, me);
    await page.evaluate(() => navigator.serviceWorker.ready);

    // The permission is asked where it means something, with what it is for.
    await page.getByRole("link", { name: /^Уведомления/ }).click();
    await page.waitForURL(site("msk", "/notifications"));
    const offer = page.getByRole("region", { name: "Push-уведомления на этом устройстве" });
    await expect.poll(() => offer.isVisible()).toBe(true);
    await offer.getByRole("button", { name: "Включить push" }).click();
    await expect.poll(() => offer.getByRole("status").innerText()).toContain("Push-уведомления включены.");

    // An operator declares an outage at the subscriber's house; the Worker sends it through the push service.
    const until = new Date(Date.now() + 3 * 3600_000).toISOString();
    const declared = await ops("/outages", {
      region: "msk",
      street: "ул. Тестовая",
      houses: ["55"],
      title: "Нет интернета в доме 55",
      expectedEnd: until,
      key: crypto.randomUUID(),
    });
    expect(declared.status).toBe(201);
    const outage = (await declared.json()) as { id: string };
    await expect.poll(() => push.received.length, { timeout: 30_000 }).toBeGreaterThanOrEqual(1);
    const message = push.received[0];
    // Accepted only with a valid VAPID signature for this subscription's key, and decrypted with the browser's keys.
    expect(message).toMatchObject({
      status: 201,
      urgency: "high",
      ttl: 6 * 3600,
      // Its screen is home, asked to read the outages afresh (another isolate's copy of them may predate this one).
      payload: { title: "Нет интернета в доме 55", url: `/?outage=${outage.id}`, kind: "outage", lang: "ru" },
    });
    expect(message?.bytes).toBeLessThanOrEqual(4096);

    // The push service delivers it to the browser: the service worker shows it.
    const unreadBefore = await page.getByRole("link", { name: /^Уведомления/ }).getAttribute("aria-label");
    const { cdp, registrationId } = await serviceWorkerSession(page);
    const deliver = () =>
      cdp.send("ServiceWorker.deliverPushMessage", {
        origin: site("msk", "").replace(/\/$/, ""),
        registrationId,
        data: JSON.stringify(message?.payload),
      });
    await deliver();
    let delivered = Date.now();
    const shown = () =>
      page.evaluate(async () =>
        (await (await navigator.serviceWorker.ready).getNotifications()).map((n) => ({ title: n.title, body: n.body, data: n.data })),
      );
    // As a push service does, the message is delivered again while the browser shows nothing (a service worker still
    // starting on a loaded machine); its tag makes a second one replace the first, never stand beside it.
    const shownOrAgain = async () => {
      const now = await shown();
      if (now.length === 0 && Date.now() - delivered > 5000) {
        await deliver();
        delivered = Date.now();
      }
      return now;
    };
    await expect.poll(shownOrAgain, { timeout: 20_000 }).toEqual([
      {
        title: "Нет интернета в доме 55",
        body: expect.stringMatching(/^Ожидаем восстановление до \d\d\.\d\d \d\d:\d\d/),
        data: { url: `/?outage=${outage.id}` },
      },
    ]);
    // The open window heard of it: the bell counts the new message.
    await expect.poll(() => page.getByRole("link", { name: /^Уведомления/ }).getAttribute("aria-label")).not.toBe(unreadBefore);
    expect(await page.getByRole("link", { name: /^Уведомления/ }).getAttribute("aria-label")).toMatch(/непрочитанных: \d+/);

    // A click on the notification opens its screen in the open window: home, with the outage banner.
    const [worker] = context.serviceWorkers();
    await worker?.evaluate(async () => {
      // What the browser does when the person clicks the notification (CDP has no command for it).
      const g = self as unknown as {
        registration: { getNotifications(): Promise<Notification[]> };
        dispatchEvent(e: Event): boolean;
        NotificationEvent: new (type: string, init: { notification: Notification }) => Event;
      };
      const [n] = await g.registration.getNotifications();
      g.dispatchEvent(new g.NotificationEvent("notificationclick", { notification: n as Notification }));
    });
    await page.waitForURL(site("msk", `/?outage=${outage.id}`));
    await expect.poll(() => page.getByText("Нет интернета в доме 55.").isVisible()).toBe(true);
    expect(await shown()).toEqual([]);

    // Resolved: the follow-up comes the same way, and the banner goes.
    expect((await ops(`/outages/${outage.id}/resolve`, {})).status).toBe(200);
    await expect
      .poll(() => push.received.map((r) => (r.payload as { title?: string })?.title), { timeout: 30_000 })
      .toContain("Авария устранена");
    await page.reload();
    await expect.poll(() => page.getByText("Нет интернета в доме 55.").count()).toBe(0);
    await context.close();
  });
});
