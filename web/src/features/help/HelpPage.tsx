import { A, useSearchParams } from "@solidjs/router";
import { createResource, For, Show } from "solid-js";
import { Loadable } from "../../app/Loadable";
import { useStrings } from "../../i18n/local";
import { useOnline } from "../../lib/online";
import { latestOf } from "../../lib/resource";
import { type HelpArticleDto, helpApi } from "./helpApi";
import { helpStrings } from "./strings";

function ArticleList(props: { items: HelpArticleDto[] }) {
  return (
    <ul class="list">
      <For each={props.items}>
        {(a) => (
          <li class="list__row">
            <A href={`/help/${a.id}`}>{a.title}</A>
            <span class="muted small">{a.topicLabel}</span>
          </li>
        )}
      </For>
    </ul>
  );
}

/** The help centre: topics, every article of the region, and a search that understands word forms. */
export default function HelpPage() {
  const s = useStrings(helpStrings);
  const online = useOnline();
  const [params, setParams] = useSearchParams<{ q?: string; topic?: string }>();
  const [articles, { refetch }] = createResource(
    () => params.topic ?? "",
    (topic) => helpApi.articles(topic ? { topic } : {}),
  );
  const [hits] = createResource(
    () => params.q?.trim() || undefined,
    (q) => helpApi.search(q),
  );
  const onSearch = (e: SubmitEvent) => {
    e.preventDefault();
    const q = String(new FormData(e.currentTarget as HTMLFormElement).get("q") ?? "").trim();
    setParams({ q: q || undefined });
  };
  return (
    <>
      <h1>{s("title")}</h1>
      <p class="muted">{s("lead")}</p>
      <search>
        <form class="form form--inline" onSubmit={onSearch}>
          <label class="field">
            <span>{s("search")}</span>
            <input name="q" type="search" value={params.q ?? ""} autocomplete="off" enterkeyhint="search" />
          </label>
          <button type="submit" class="button button--primary" disabled={!online()}>
            {s("searchButton")}
          </button>
        </form>
      </search>
      <Show when={!online()}>
        <p class="notice" role="status">
          {s("offline")}
        </p>
      </Show>
      <Show when={params.q?.trim()}>
        <section aria-live="polite" aria-busy={hits.loading}>
          <Show when={latestOf(hits)}>
            {(h) => (
              <>
                <h2>{s("results", { n: h().items.length })}</h2>
                <Show when={h().items.length > 0} fallback={<p>{s("none")}</p>}>
                  <ArticleList items={h().items} />
                </Show>
              </>
            )}
          </Show>
          <Show when={hits.error}>
            <p class="notice notice--error" role="alert">
              {s("none")}
            </p>
          </Show>
        </section>
      </Show>
      <Loadable resource={articles} onRetry={refetch}>
        {(a) => (
          <>
            <nav aria-label={s("title")} class="chips">
              <A href="/help" end>
                {s("all")}
              </A>
              <For each={a.topics}>{(topic) => <A href={`/help?topic=${topic.id}`}>{topic.label}</A>}</For>
            </nav>
            <ArticleList items={a.items} />
          </>
        )}
      </Loadable>
      <p>
        {s("stillNeed")} <A href="/support">{s("chat")}</A>
      </p>
    </>
  );
}
