import { Route, Router } from "@solidjs/router";
import { createResource, Match, Switch } from "solid-js";
// The pages people land on are part of the first script: no second round trip before they can be drawn.
import LoginPage from "../features/auth/LoginPage";
import { SessionProvider } from "../features/auth/SessionContext";
import HomePage from "../features/home/HomePage";
import { InboxProvider } from "../features/notifications/InboxContext";
import { ApexPage } from "../features/region/ApexPage";
import { RegionProvider } from "../features/region/RegionContext";
import TariffsPage from "../features/tariffs/TariffsPage";
import { lazyScreen, useI18n } from "../i18n";
import { ApiError, api } from "../lib/api";
import { Layout } from "./Layout";
import UpdatePrompt from "./UpdatePrompt";

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

/** Loads the region context of this host, then shows the apex picker or the regional site. */
export function App() {
  const { t } = useI18n();
  const [context, { refetch }] = createResource(api.region);
  return (
    <>
      <Switch>
        <Match when={context.state === "errored"}>
          <main class="page" id="main">
            <div class="notice notice--error" role="alert">
              <p>{context.error instanceof ApiError ? context.error.problem.title : t("common.error")}</p>
              <button type="button" class="button" onClick={() => refetch()}>
                {t("common.retry")}
              </button>
            </div>
          </main>
        </Match>
        <Match when={context.latest === undefined}>
          <p class="loading page" role="status" aria-live="polite">
            {t("common.loading")}
          </p>
        </Match>
        <Match when={context.latest && !context.latest.region && context.latest}>{(ctx) => <ApexPage context={ctx()} />}</Match>
        <Match when={context.latest?.region && context.latest}>
          {(ctx) => (
            <RegionProvider context={ctx()} region={ctx().region as NonNullable<ReturnType<typeof ctx>["region"]>}>
              <SessionProvider>
                <InboxProvider>
                  <Router root={Layout}>
                    <Route path="/" component={HomePage} />
                    <Route path="/tariffs" component={TariffsPage} />
                    <Route path="/offices" component={OfficesPage} />
                    <Route path="/contacts" component={ContactsPage} />
                    <Route path="/login" component={LoginPage} />
                    <Route path="/profile" component={ProfilePage} />
                    <Route path="/register" component={RegisterPage} />
                    <Route path="/accounts" component={AccountsPage} />
                    <Route path="/accounts/:no" component={AccountPage} />
                    <Route path="/accounts/:no/payments/:id" component={PaymentPage} />
                    <Route path="/accounts/:no/usage" component={UsagePage} />
                    <Route path="/accounts/:no/services/:sid" component={ServicePage} />
                    <Route path="/connect" component={ConnectPage} />
                    <Route path="/applications" component={ApplicationsPage} />
                    <Route path="/applications/:id" component={ApplicationPage} />
                    <Route path="/ops/applications" component={OpsPage} />
                    <Route path="/ops/support" component={OpsSupportPage} />
                    <Route path="/help" component={HelpPage} />
                    <Route path="/help/:id" component={HelpArticlePage} />
                    <Route path={["/support", "/support/chat"]} component={SupportPage} />
                    <Route path="/support/tickets/:id" component={TicketPage} />
                    <Route path="/history" component={HistoryShortcut} />
                    <Route path="/recover" component={RecoverPage} />
                    <Route path="/notifications" component={InboxPage} />
                    <Route path="/bonus" component={BonusPage} />
                    <Route path="/settings/notifications" component={NotificationSettingsPage} />
                    <Route path="*404" component={NotFoundPage} />
                  </Router>
                </InboxProvider>
              </SessionProvider>
            </RegionProvider>
          )}
        </Match>
      </Switch>
      <UpdatePrompt />
    </>
  );
}
