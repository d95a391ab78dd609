import { A, type RouteSectionProps, useNavigate } from "@solidjs/router";
import { createResource, createSignal, For, onCleanup, Show } from "solid-js";
import { useSession } from "../features/auth/SessionContext";
import { useInbox } from "../features/notifications/InboxContext";
import { useRegion } from "../features/region/RegionContext";
import { RegionSwitcher } from "../features/region/RegionSwitcher";
import { regionApi } from "../features/region/regionApi";
import { type MessageKey, useI18n } from "../i18n";
import { formatPhone } from "../lib/format";
import { createNextTask } from "../lib/tasks";
import { LangToggle } from "./LangToggle";

interface Section {
  href: string;
  key: MessageKey;
  end?: boolean;
}
const HOME: Section = { href: "/", key: "nav.home", end: true };
const TARIFFS: Section = { href: "/tariffs", key: "nav.tariffs" };
const SUPPORT: Section = { href: "/support", key: "nav.support" };
/** A subscriber's own sections, besides the public ones. */
const ACCOUNT_SECTIONS: readonly Section[] = [
  { href: "/accounts", key: "nav.accounts" },
  { href: "/applications", key: "nav.applications" },
  { href: "/documents", key: "nav.documents" },
  { href: "/profile", key: "nav.profile" },
];

/**
 * Header (logo, region, language, menu), the page, and a footer with the support numbers. On a phone the menu is a
 * bar at the bottom with four sections and «Ещё», a sheet (a modal `<dialog>`: focus kept inside, Escape closes,
 * focus returns to «Ещё») with every other section.
 */
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
  const pageTask = createNextTask();
  // The menus and the footer come a task after the page: the first task (the app's longest) draws only the header's
  // top row. The wide screens' menu sits above the page, so there it comes with the page (nothing drawn moves); on
  // a phone it is hidden, the tab bar is fixed to the bottom and the footer is below a screen-tall `main`.
  const chromeTask = createNextTask(2);
  const wide = typeof matchMedia === "function" && matchMedia("(min-width: 601px)").matches;
  const siteNavReady = () => (wide ? pageTask() : chromeTask());
  const [contacts] = createResource(regionApi.contacts);
  const privateContacts = () => (contacts.latest ?? []).filter((c) => c.kind === "connection" || c.kind === "support");
  const links = [
    { href: "/", key: "nav.home", end: true },
    { href: "/tariffs", key: "nav.tariffs" },
    { href: "/offices", key: "nav.offices" },
    { href: "/help", key: "nav.help" },
    { href: "/support", key: "nav.support" },
    { href: "/contacts", key: "nav.contacts" },
    { href: "/connect", key: "nav.connect" },
    { href: "/business", key: "nav.business" },
  ] as const;
  // Phones (≤ 600 px): four sections in a bar at the bottom, every other one under «Ещё».
  const bar = (): readonly Section[] =>
    profile()
      ? [HOME, { href: "/accounts", key: "nav.accountsShort" }, TARIFFS, SUPPORT]
      : [HOME, TARIFFS, { href: "/offices", key: "nav.offices" }, SUPPORT];
  const rest = (): readonly Section[] => {
    const shown = new Set(bar().map((s) => s.href));
    const all: Section[] = [...links, ...(profile() ? ACCOUNT_SECTIONS : [])];
    return all.filter((s) => !shown.has(s.href));
  };
  const [sheetOpen, setSheetOpen] = createSignal(false);
  // The sheet's sections are drawn when it is first opened, not in the first render of every page.
  const [sheetUsed, setSheetUsed] = createSignal(false);
  let sheet: HTMLDialogElement | undefined;
  let moreButton: HTMLButtonElement | undefined;
  const openSheet = () => {
    setSheetUsed(true);
    sheet?.showModal();
    setSheetOpen(true);
  };
  const closeSheet = () => sheet?.close();
  // Closed by Escape, the close button, a tap outside or a section chosen: focus goes back to «Ещё».
  const onSheetClose = () => {
    setSheetOpen(false);
    moreButton?.focus();
  };
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
            <A href="/accounts" class="button button--small wide-only">
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
            <A href="/profile" class="button button--small wide-only">
              {t("nav.profile")}
            </A>
          </Show>
        </div>
        <Show when={siteNavReady()}>
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
        </Show>
      </header>
      <main id="main" class="page" tabindex="-1">
        {/* The page is drawn in the task after the header and menu (lib/tasks): two shorter tasks, not one long one. */}
        <Show when={pageTask()}>{props.children}</Show>
      </main>
      <Show when={chromeTask()}>
        <nav aria-label={t("nav.sections")} class="tab-bar">
          <ul>
            <For each={bar()}>
              {(l) => (
                <li>
                  <A href={l.href} end={l.end === true} activeClass="active">
                    {t(l.key)}
                  </A>
                </li>
              )}
            </For>
            <li>
              <button
                ref={moreButton}
                type="button"
                aria-haspopup="dialog"
                aria-expanded={sheetOpen()}
                aria-controls="more-sheet"
                onClick={openSheet}
              >
                {t("nav.more")}
              </button>
            </li>
          </ul>
        </nav>
      </Show>
      {/* biome-ignore lint/a11y/useKeyWithClickEvents: a tap on the backdrop; the keyboard's way out is Escape (native) */}
      <dialog
        ref={sheet}
        id="more-sheet"
        class="sheet"
        aria-labelledby="more-sheet-title"
        onClose={onSheetClose}
        onClick={(e) => e.target === sheet && closeSheet()}
      >
        <div class="sheet__body">
          <div class="sheet__head">
            <h2 id="more-sheet-title">{t("nav.moreTitle")}</h2>
            <button type="button" class="icon-button" aria-label={t("nav.close")} onClick={closeSheet}>
              <svg viewBox="0 0 24 24" width="24" height="24" aria-hidden="true" fill="currentColor">
                <path d="M18.3 5.7 12 12l6.3 6.3-1.4 1.4L10.6 13.4 4.3 19.7l-1.4-1.4L9.2 12 2.9 5.7l1.4-1.4 6.3 6.3 6.3-6.3z" />
              </svg>
            </button>
          </div>
          <Show when={sheetUsed()}>
            <nav aria-labelledby="more-sheet-title">
              <ul class="sheet__links">
                <For each={rest()}>
                  {(l) => (
                    <li>
                      <A href={l.href} end={l.end === true} activeClass="active" onClick={closeSheet}>
                        {t(l.key)}
                      </A>
                    </li>
                  )}
                </For>
              </ul>
            </nav>
          </Show>
        </div>
      </dialog>
      <Show when={chromeTask()}>
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
      </Show>
    </>
  );
}
