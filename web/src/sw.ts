/// <reference lib="webworker" />
import { ExpirationPlugin } from "workbox-expiration";
import { cleanupOutdatedCaches, createHandlerBoundToURL, matchPrecache, precacheAndRoute } from "workbox-precaching";
import { NavigationRoute, registerRoute, setCatchHandler } from "workbox-routing";
import { NetworkFirst, NetworkOnly } from "workbox-strategies";

declare const self: ServiceWorkerGlobalScope;

// The app shell: every built asset, versioned by vite-plugin-pwa.
precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();

// Navigations get the shell (the SPA routes itself), except server pages.
registerRoute(new NavigationRoute(createHandlerBoundToURL("/index.html"), { denylist: [/^\/api\//, /^\/dev\//] }));

/**
 * API responses are cached only from this allow-list of public, read-only
 * region data, so the regional pages still open offline. Never writes.
 */
const PUBLIC_API = /^\/api\/v1\/(regions|region|region\/(tariffs|services|offices|contacts))$/;
registerRoute(
  ({ url, request, sameOrigin }) => sameOrigin && request.method === "GET" && PUBLIC_API.test(url.pathname),
  new NetworkFirst({
    cacheName: "region-api",
    networkTimeoutSeconds: 4,
    plugins: [new ExpirationPlugin({ maxEntries: 50, maxAgeSeconds: 7 * 24 * 60 * 60 })],
  }),
);

// Server pages (API docs, dev outbox) always come from the network...
registerRoute(({ request, url }) => request.mode === "navigate" && /^\/(api|dev)\//.test(url.pathname), new NetworkOnly());
// ...and a page that needs the network (API docs, server pages) fails offline: show the offline page instead.
setCatchHandler(async ({ request }) => {
  if (request.mode === "navigate") return (await matchPrecache("/offline.html")) ?? Response.error();
  return Response.error();
});

// The update prompt tells the waiting worker to take over.
self.addEventListener("message", (event) => {
  if (event.data?.type === "SKIP_WAITING") void self.skipWaiting();
});
