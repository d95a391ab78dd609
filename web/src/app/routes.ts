import type { RouteDefinition } from "@solidjs/router";
import type { Component } from "solid-js";
// The pages people land on are part of the first script: no second round trip before they can be drawn.
import LoginPage from "../features/auth/LoginPage";
import HomePage from "../features/home/HomePage";
import TariffsPage from "../features/tariffs/TariffsPage";
import { lazyScreen } from "../i18n";

const OfficesPage = lazyScreen(() => import("../features/offices/OfficesPage"));
const ContactsPage = lazyScreen(() => import("../features/contacts/ContactsPage"));
const ProfilePage = lazyScreen(() => import("../features/auth/ProfilePage"));
const RegisterPage = lazyScreen(() => import("../features/auth/RegisterPage"));
const AccountsPage = lazyScreen(() => import("../features/accounts/AccountsPage"));
const PaymentPage = lazyScreen(() => import("../features/payments/PaymentPage"));
const AccountPage = lazyScreen(() => import("../features/accounts/AccountPage"));
const HistoryShortcut = lazyScreen(() => import("../features/accounts/HistoryShortcut"));
const RecoverPage = lazyScreen(() => import("../features/auth/RecoverPage"));
const NotFoundPage = lazyScreen(() => import("../features/notfound/NotFoundPage"));
const BonusPage = lazyScreen(() => import("../features/bonus/BonusPage"));
const InboxPage = lazyScreen(() => import("../features/notifications/InboxPage"));
const NotificationSettingsPage = lazyScreen(() => import("../features/notifications/NotificationSettingsPage"));
const UsagePage = lazyScreen(() => import("../features/usage/UsagePage"));
const ConnectPage = lazyScreen(() => import("../features/services/ConnectPage"));
const ServicePage = lazyScreen(() => import("../features/services/ServicePage"));
const OpsPage = lazyScreen(() => import("../features/services/OpsPage"));
const ApplicationsPage = lazyScreen(() => import("../features/services/ApplicationsPage").then((m) => ({ default: m.ApplicationsPage })));
const HelpPage = lazyScreen(() => import("../features/help/HelpPage"));
const HelpArticlePage = lazyScreen(() => import("../features/help/HelpArticlePage"));
const SupportPage = lazyScreen(() => import("../features/support/SupportPage"));
const TicketPage = lazyScreen(() => import("../features/support/TicketPage"));
const OpsSupportPage = lazyScreen(() => import("../features/support/OpsSupportPage"));
const ApplicationPage = lazyScreen(() => import("../features/services/ApplicationsPage").then((m) => ({ default: m.ApplicationPage })));

/** The regional site's screens, in the order the router tries them. */
export const routes = [
  { path: "/", component: HomePage },
  { path: "/tariffs", component: TariffsPage },
  { path: "/offices", component: OfficesPage },
  { path: "/contacts", component: ContactsPage },
  { path: "/login", component: LoginPage },
  { path: "/profile", component: ProfilePage },
  { path: "/register", component: RegisterPage },
  { path: "/accounts", component: AccountsPage },
  { path: "/accounts/:no", component: AccountPage },
  { path: "/accounts/:no/payments/:id", component: PaymentPage },
  { path: "/accounts/:no/usage", component: UsagePage },
  { path: "/accounts/:no/services/:sid", component: ServicePage },
  { path: "/connect", component: ConnectPage },
  { path: "/applications", component: ApplicationsPage },
  { path: "/applications/:id", component: ApplicationPage },
  { path: "/ops/applications", component: OpsPage },
  { path: "/ops/support", component: OpsSupportPage },
  { path: "/help", component: HelpPage },
  { path: "/help/:id", component: HelpArticlePage },
  { path: ["/support", "/support/chat"], component: SupportPage },
  { path: "/support/tickets/:id", component: TicketPage },
  { path: "/history", component: HistoryShortcut },
  { path: "/recover", component: RecoverPage },
  { path: "/notifications", component: InboxPage },
  { path: "/bonus", component: BonusPage },
  { path: "/settings/notifications", component: NotificationSettingsPage },
  { path: "*404", component: NotFoundPage },
] satisfies RouteDefinition[];

/** Whether `pattern` (the router's syntax: `:param` for one segment, `*rest` for the rest) matches `pathname`. */
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
