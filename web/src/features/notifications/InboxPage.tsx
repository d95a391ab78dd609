import { A, useNavigate } from "@solidjs/router";
import { For, Match, Show, Switch } from "solid-js";
import { Freshness } from "../../app/Freshness";
import { useI18n } from "../../i18n";
import { ApiError } from "../../lib/api";
import { formatMoment } from "../../lib/format";
import { RequireLogin } from "../auth/RequireLogin";
import { useInbox } from "./InboxContext";
import type { InboxItemDto } from "./notificationsApi";
import { PushOffer } from "./PushOffer";

/** Уведомления: newest first, unread marked; opening one marks it read (offline too) and goes to its screen. */
export default function InboxPage() {
  const { t, lang } = useI18n();
  const { inbox, staleSince, error, refresh, markRead, more, loadingMore, moreError } = useInbox();
  const navigate = useNavigate();
  let list: HTMLUListElement | undefined;
  /** The next page; then the keyboard goes on from its first message (the button may be gone: the end). */
  const showMore = async () => {
    const before = inbox()?.items.length ?? 0;
    await more();
    if (moreError()) return;
    list?.querySelectorAll<HTMLButtonElement>(".inbox__open")[before]?.focus();
  };
  const open = async (item: InboxItemDto) => {
    if (!item.read) await markRead([item.id]);
    navigate(item.url);
  };
  return (
    <RequireLogin>
      {() => (
        <>
          <h1>{t("inbox.title")}</h1>
          <div class="actions">
            <A href="/settings/notifications" class="button button--small">
              {t("push.settings")}
            </A>
            <Show when={(inbox()?.unread ?? 0) > 0}>
              <button type="button" class="button button--small" onClick={() => void markRead("all")}>
                {t("inbox.markAll")}
              </button>
            </Show>
          </div>
          <Show when={inbox()}>
            <Freshness stale={staleSince() !== null} savedAt={staleSince() ?? new Date().toISOString()} />
          </Show>
          <Switch>
            <Match when={error() && !inbox()}>
              <div class="notice notice--error" role="alert">
                <p>{error() instanceof ApiError ? (error() as ApiError).problem.title : t("common.error")}</p>
                <button type="button" class="button" onClick={() => void refresh()}>
                  {t("common.retry")}
                </button>
              </div>
            </Match>
            <Match when={!inbox()}>
              <p class="loading" role="status">
                {t("common.loading")}
              </p>
            </Match>
            <Match when={inbox()?.items.length === 0}>
              <p>{t("inbox.empty")}</p>
            </Match>
            <Match when={inbox()}>
              <ul class="plain inbox" aria-label={t("inbox.title")} ref={list}>
                <For each={inbox()?.items}>
                  {(item) => (
                    <li class="inbox__item" classList={{ "inbox__item--unread": !item.read }}>
                      <button type="button" class="inbox__open" onClick={() => void open(item)}>
                        <span class="inbox__title">
                          <Show when={!item.read}>
                            <span class="visually-hidden">{t("inbox.unread")}: </span>
                          </Show>
                          {item.title}
                        </span>
                        <span class="inbox__body">{item.body}</span>
                        <time class="muted" datetime={item.createdAt}>
                          {formatMoment(item.createdAt, lang())}
                        </time>
                      </button>
                    </li>
                  )}
                </For>
              </ul>
              <Show when={moreError()}>
                <div class="notice notice--error" role="alert">
                  <p>{moreError() instanceof ApiError ? (moreError() as ApiError).problem.title : t("inbox.moreError")}</p>
                  <button type="button" class="button" onClick={() => void showMore()}>
                    {t("common.retry")}
                  </button>
                </div>
              </Show>
              <Show when={inbox()?.nextBefore && !moreError()}>
                <button
                  type="button"
                  class="button inbox__more"
                  aria-busy={loadingMore()}
                  disabled={loadingMore()}
                  onClick={() => void showMore()}
                >
                  {loadingMore() ? t("inbox.moreLoading") : t("inbox.more")}
                </button>
              </Show>
            </Match>
          </Switch>
          {/* Saved before the server said it (an offline copy): nothing rather than a guess. */}
          <Show when={inbox()?.keptMonths}>{(n) => <p class="muted">{t("inbox.kept", { n: n() })}</p>}</Show>
          <PushOffer reason="inbox" />
        </>
      )}
    </RequireLogin>
  );
}
