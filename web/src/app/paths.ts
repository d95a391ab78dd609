/**
 * The app's own pages: the paths its router draws (`routes.ts`, which a test
 * keeps equal to this list). The service worker answers a navigation with the
 * app shell only when it is one of these; every other page of the site (the
 * acquirer's card and 3-D Secure pages, emailed report links, identity
 * providers' callbacks, the API docs, the dev outbox) goes to the network, as
 * if there were no service worker. A deny-list would miss the next server page.
 */
export const APP_PATHS = [
  "/",
  "/tariffs",
  "/offices",
  "/contacts",
  "/login",
  "/profile",
  "/register",
  "/accounts",
  "/accounts/:no",
  "/accounts/:no/payments/:id",
  "/accounts/:no/usage",
  "/accounts/:no/services/:sid",
  "/connect",
  "/applications",
  "/applications/:id",
  "/ops/applications",
  "/ops/support",
  "/help",
  "/help/:id",
  "/support",
  "/support/chat",
  "/support/tickets/:id",
  "/history",
  "/recover",
  "/notifications",
  "/bonus",
  "/settings/notifications",
  "/business",
  "/business/join",
  "/business/:id",
  "/business/:id/accounts",
  "/business/:id/employees",
  "/business/:id/audit",
  "/business/:id/documents",
  "/documents",
  "/business/:id/pay",
  "/business/:id/pay/:paymentId",
  "/business/:id/documents/closing",
  "/business/:id/documents/reconciliation",
  "/business/:id/numbers",
  "/business/:id/support",
] as const;

/** A router pattern as a RegExp over pathname and search (what workbox's NavigationRoute tests); a trailing slash is allowed. */
export function pathRegExp(pattern: string): RegExp {
  const body = pattern
    .split("/")
    .filter(Boolean)
    .map((part) => (part.startsWith(":") ? "[^/?#]+" : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
    .join("/");
  return new RegExp(`^/${body}${body ? "/?" : ""}(?:\\?.*)?$`);
}

export const APP_PATH_PATTERNS = APP_PATHS.map(pathRegExp);

/** Whether a same-origin pathname (with its search, if any) is one of the app's own pages. */
export const isAppPath = (pathAndSearch: string) => APP_PATH_PATTERNS.some((re) => re.test(pathAndSearch));
