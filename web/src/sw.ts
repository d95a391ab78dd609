/// <reference lib="webworker" />
import { ExpirationPlugin } from "workbox-expiration";
import { cleanupOutdatedCaches, createHandlerBoundToURL, matchPrecache, precacheAndRoute } from "workbox-precaching";
import { NavigationRoute, registerRoute, setCatchHandler } from "workbox-routing";
import { NetworkFirst, NetworkOnly } from "workbox-strategies";
import { APP_PATH_PATTERNS, isAppPath } from "./app/paths";

declare const self: ServiceWorkerGlobalScope;

// The app shell: every built asset, versioned by vite-plugin-pwa.
precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();

// Navigations to the app's own pages get the shell (the SPA routes itself). Only those: an allow-list, so the
// acquirer's pages, emailed file links and identity providers' callbacks are never answered with the app.
registerRoute(new NavigationRoute(createHandlerBoundToURL("/index.html"), { allowlist: APP_PATH_PATTERNS }));

/**
 * API responses are cached only from this allow-list of public, read-only
 * region data (and the help centre's articles, so those once read open
 * offline), so the regional pages still open offline. Never writes.
 */
const PUBLIC_API = /^\/api\/v1\/(regions|region|region\/(tariffs|services|offices|contacts)|help\/articles(\/[\w-]+)?)$/;
registerRoute(
  ({ url, request, sameOrigin }) => sameOrigin && request.method === "GET" && PUBLIC_API.test(url.pathname),
  new NetworkFirst({
    cacheName: "region-api",
    networkTimeoutSeconds: 4,
    plugins: [new ExpirationPlugin({ maxEntries: 50, maxAgeSeconds: 7 * 24 * 60 * 60 })],
  }),
);

// The shell needs this site's region context and support numbers: fetched at install, so that even a
// first visit that goes offline before any page was controlled by this worker opens again.
self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open("region-api")
      .then((cache) => cache.addAll(["/api/v1/region", "/api/v1/region/contacts"]))
      .catch(() => {}),
  );
});

// Every other page of the site (server pages: API docs, dev outbox, the acquirer, file links) comes from the network...
registerRoute(({ request, url }) => request.mode === "navigate" && !isAppPath(url.pathname + url.search), new NetworkOnly());
// ...and a page that needs the network (API docs, server pages) fails offline: show the offline page instead.
setCatchHandler(async ({ request }) => {
  if (request.mode === "navigate") return (await matchPrecache("/offline.html")) ?? Response.error();
  return Response.error();
});

// The update prompt tells the waiting worker to take over.
self.addEventListener("message", (event) => {
  if (event.data?.type === "SKIP_WAITING") void self.skipWaiting();
});

/** What the server puts in a push (worker/adapters/push): already in the subscriber's language. */
interface PushPayload {
  title: string;
  body: string;
  url: string;
  tag: string;
  kind: string;
  lang: "ru" | "en";
}

self.addEventListener("push", (event) => {
  let data: PushPayload;
  try {
    data = event.data?.json() as PushPayload;
  } catch {
    data = { title: "Личный кабинет", body: event.data?.text() ?? "", url: "/notifications", tag: "message", kind: "message", lang: "ru" };
  }
  const url = typeof data.url === "string" && data.url.startsWith("/") ? data.url : "/notifications";
  event.waitUntil(
    (async () => {
      await self.registration.showNotification(data.title, {
        body: data.body,
        tag: data.tag,
        lang: data.lang,
        icon: "/icons/icon-192.png",
        badge: "/icons/icon-192.png",
        data: { url },
      });
      // Open windows refresh their inbox (the bell's count).
      for (const client of await self.clients.matchAll({ type: "window", includeUncontrolled: true }))
        client.postMessage({ type: "push-received" });
    })(),
  );
});

/** A click opens the notification's screen: in an open window of the app if there is one (focused), else in a new one. */
self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const path = (event.notification.data as { url?: string } | null)?.url ?? "/notifications";
  const target = new URL(path, self.location.origin).href;
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
      const open = windows.find((w) => new URL(w.url).origin === self.location.origin);
      if (open) {
        // The app routes itself without a reload; navigate() is the fallback for a page that is not the app.
        open.postMessage({ type: "open", url: path });
        try {
          await open.focus();
        } catch {
          // Focus needs the click's user activation; without it the window is still routed.
        }
        return;
      }
      await self.clients.openWindow(target);
    })(),
  );
});
