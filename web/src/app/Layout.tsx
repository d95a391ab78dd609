import { A, type RouteSectionProps, useNavigate } from "@solidjs/router";
import { createResource, For, onCleanup, Show } from "solid-js";
import { useSession } from "../features/auth/SessionContext";
import { useInbox } from "../features/notifications/InboxContext";
import { useRegion } from "../features/region/RegionContext";
import { RegionSwitcher } from "../features/region/RegionSwitcher";
import { useI18n } from "../i18n";
import { api } from "../lib/api";
import { formatPhone } from "../lib/format";
import { LangToggle } from "./LangToggle";

/** Header (logo, region, language, menu), the page, and a footer with the support numbers. */
export function Layout(props: RouteSectionProps) {
  const { t } = useI18n();
  const { context } = useRegion();
  const { profile } = useSession();
  const { inbox } = useInbox();
  const unread = () => inbox()?.unread ?? 0;
  // A notification clicked while the app is open: the service worker asks this window to show its screen.
  const navigate = useNavigate();
  const onMessage = (e: MessageEvent) => {
    const url = e.data?.type === "open" ? e.data.url : null;
    if (typeof url === "string" && url.startsWith("/")) navigate(url);
  };
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.addEventListener("message", onMessage);
    onCleanup(() => navigator.serviceWorker.removeEventListener("message", onMessage));
  }
  const [contacts] = createResource(api.contacts);
  const privateContacts = () => (contacts.latest ?? []).filter((c) => c.kind === "connection" || c.kind === "support");
  const links = [
    { href: "/", key: "nav.home", end: true },
    { href: "/tariffs", key: "nav.tariffs" },
    { href: "/offices", key: "nav.offices" },
    { href: "/help", key: "nav.help" },
    { href: "/support", key: "nav.support" },
    { href: "/contacts", key: "nav.contacts" },
    { href: "/connect", key: "nav.connect" },
  ] as const;
  return (
    <>
      <a class="skip-link" href="#main">
        {t("nav.skip")}
      </a>
      <header class="site-header">
        <div class="site-header__top">
          <A href="/" class="logo">
            {t("app.name")}
          </A>
          <RegionSwitcher />
          <LangToggle baseDomain={context.baseDomain} />
          <Show
            when={profile()}
            fallback={
              <A href="/login" class="button button--primary button--small">
                {t("nav.login")}
              </A>
            }
          >
            <A href="/accounts" class="button button--small">
              {t("nav.accounts")}
            </A>
            <A
              href="/notifications"
              class="button button--small bell"
              aria-label={unread() > 0 ? t("inbox.bellUnread", { n: unread() }) : t("inbox.title")}
            >
              <svg viewBox="0 0 24 24" aria-hidden="true" fill="currentColor">
                <path d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2Z" />
              </svg>
              <Show when={unread() > 0}>
                <span class="bell__count" aria-hidden="true">
                  {unread() > 99 ? "99+" : unread()}
                </span>
              </Show>
            </A>
            <A href="/profile" class="button button--small">
              {t("nav.profile")}
            </A>
          </Show>
        </div>
        <nav aria-label={t("nav.main")} class="site-nav">
          <ul>
            <For each={links}>
              {(l) => (
                <li>
                  <A href={l.href} end={"end" in l} activeClass="active">
                    {t(l.key)}
                  </A>
                </li>
              )}
            </For>
            <Show when={profile()}>
              <li>
                <A href="/applications" activeClass="active">
                  {t("nav.applications")}
                </A>
              </li>
            </Show>
          </ul>
        </nav>
      </header>
      <main id="main" class="page" tabindex="-1">
        {props.children}
      </main>
      <footer class="site-footer">
        <ul class="plain">
          <For each={privateContacts()}>
            {(c) => (
              <li>
                {t(`contacts.kind.${c.kind}`)}: <a href={`tel:${c.phone}`}>{formatPhone(c.phone)}</a>
              </li>
            )}
          </For>
        </ul>
        <p class="muted">{t("footer.rights")}</p>
      </footer>
    </>
  );
}
