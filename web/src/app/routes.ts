import type { RouteDefinition } from "@solidjs/router";
import type { Component } from "solid-js";
// The pages people land on are part of the first script: no second round trip before they can be drawn.
import LoginPage from "../features/auth/LoginPage";
import HomePage from "../features/home/HomePage";
import TariffsPage from "../features/tariffs/TariffsPage";
import { lazyScreen } from "./lazyScreen";

/** The regional site's screens, in the order the router tries them; all but the three above load lazily. */
export const routes = [
  { path: "/", component: HomePage },
  { path: "/tariffs", component: TariffsPage },
  { path: "/offices", component: lazyScreen(() => import("../features/offices/OfficesPage")) },
  { path: "/contacts", component: lazyScreen(() => import("../features/contacts/ContactsPage")) },
  { path: "/login", component: LoginPage },
  { path: "/profile", component: lazyScreen(() => import("../features/auth/ProfilePage")) },
  { path: "/register", component: lazyScreen(() => import("../features/auth/RegisterPage")) },
  { path: "/accounts", component: lazyScreen(() => import("../features/accounts/AccountsPage")) },
  { path: "/accounts/:no", component: lazyScreen(() => import("../features/accounts/AccountPage")) },
  { path: "/accounts/:no/payments/:id", component: lazyScreen(() => import("../features/payments/PaymentPage")) },
  { path: "/accounts/:no/usage", component: lazyScreen(() => import("../features/usage/UsagePage")) },
  { path: "/accounts/:no/services/:sid", component: lazyScreen(() => import("../features/services/ServicePage")) },
  { path: "/connect", component: lazyScreen(() => import("../features/services/ConnectPage")) },
  {
    path: "/applications",
    component: lazyScreen(() => import("../features/services/ApplicationsPage").then((m) => ({ default: m.ApplicationsPage }))),
  },
  {
    path: "/applications/:id",
    component: lazyScreen(() => import("../features/services/ApplicationsPage").then((m) => ({ default: m.ApplicationPage }))),
  },
  { path: "/ops/applications", component: lazyScreen(() => import("../features/services/OpsPage")) },
  { path: "/ops/support", component: lazyScreen(() => import("../features/support/OpsSupportPage")) },
  { path: "/help", component: lazyScreen(() => import("../features/help/HelpPage")) },
  { path: "/help/:id", component: lazyScreen(() => import("../features/help/HelpArticlePage")) },
  { path: ["/support", "/support/chat"], component: lazyScreen(() => import("../features/support/SupportPage")) },
  { path: "/support/tickets/:id", component: lazyScreen(() => import("../features/support/TicketPage")) },
  { path: "/history", component: lazyScreen(() => import("../features/accounts/HistoryShortcut")) },
  { path: "/recover", component: lazyScreen(() => import("../features/auth/RecoverPage")) },
  { path: "/notifications", component: lazyScreen(() => import("../features/notifications/InboxPage")) },
  { path: "/bonus", component: lazyScreen(() => import("../features/bonus/BonusPage")) },
  { path: "/settings/notifications", component: lazyScreen(() => import("../features/notifications/NotificationSettingsPage")) },
  { path: ["/business", "/business/join"], component: lazyScreen(() => import("../features/business/BusinessPage")) },
  {
    path: "/business/:id",
    component: lazyScreen(() => import("../features/business/OrgScreens").then((m) => ({ default: m.OrgCardPage }))),
  },
  // The accounts grouped by site, with search, filters, totals and export (issue 23).
  {
    path: "/business/:id/accounts",
    component: lazyScreen(() => import("../features/business/AccountList").then((m) => ({ default: m.OrgAccountListPage }))),
  },
  {
    path: "/business/:id/employees",
    component: lazyScreen(() => import("../features/business/OrgScreens").then((m) => ({ default: m.OrgEmployeesPage }))),
  },
  {
    path: "/business/:id/audit",
    component: lazyScreen(() => import("../features/business/OrgScreens").then((m) => ({ default: m.OrgAuditPage }))),
  },
  {
    path: "/business/:id/documents",
    component: lazyScreen(() => import("../features/business/Documents")),
  },
  { path: "/documents", component: lazyScreen(() => import("../features/documents/DocumentsPage")) },
  // Closing documents (issue 24).
  {
    path: "/business/:id/documents/closing",
    component: lazyScreen(() => import("../features/business/ClosingDocuments")),
  },
  {
    path: "/business/:id/pay",
    component: lazyScreen(() => import("../features/business/PayScreens").then((m) => ({ default: m.OrgPayPage }))),
  },
  {
    path: "/business/:id/pay/:paymentId",
    component: lazyScreen(() => import("../features/business/PayScreens").then((m) => ({ default: m.OrgPayResultPage }))),
  },
  // Акт сверки (issue 24).
  { path: "/business/:id/documents/reconciliation", component: lazyScreen(() => import("../features/business/Reconciliation")) },
  {
    path: "/business/:id/numbers",
    component: lazyScreen(() => import("../features/business/NumbersPage")),
  },
  {
    path: "/business/:id/support",
    component: lazyScreen(() => import("../features/business/OrgScreens").then((m) => ({ default: m.OrgSupportPage }))),
  },
  { path: "*404", component: lazyScreen(() => import("../features/notfound/NotFoundPage")) },
] satisfies RouteDefinition[];

/**
 * Whether `pattern` (the router's syntax: `:param` for one segment, `*rest` for the rest) matches `pathname`.
 * The router has its own matcher (`createMatcher`), but its package does not export it.
 */
export function matches(pattern: string, pathname: string): boolean {
  const want = pattern.split("/").filter(Boolean);
  const have = pathname.split("/").filter(Boolean);
  for (const [i, part] of want.entries()) {
    if (part.startsWith("*")) return true;
    const seg = have[i];
    if (seg === undefined || (!part.startsWith(":") && part !== seg)) return false;
  }
  return want.length === have.length;
}

/**
 * Loads the lazy screen of the page being opened (its chunk and the lazy screens' strings) before the first
 * render, so that page is drawn with the layout in one pass: otherwise the layout is drawn, then the page a
 * round trip later in a second long task (on the accounts page: LCP after both, and the second one counted as
 * blocking time). A page that is part of the first script has nothing to load.
 */
export async function preloadScreen(pathname: string): Promise<void> {
  const route = routes.find((r) => [r.path].flat().some((p) => matches(p, pathname)));
  const component = route?.component as (Component & { preload?: () => Promise<unknown> }) | undefined;
  // A failed load is the screen's own to report (Solid's lazy retries it when rendered).
  await component?.preload?.().catch(() => undefined);
}
