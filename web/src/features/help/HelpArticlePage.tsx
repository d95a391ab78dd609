import { A, useParams } from "@solidjs/router";
import { createResource, For } from "solid-js";
import { Loadable } from "../../app/Loadable";
import { useStrings } from "../../i18n/local";
import { helpApi } from "./helpApi";
import { helpStrings } from "./strings";

/** One help article: paragraphs of plain text (no HTML from the server is ever rendered). */
export default function HelpArticlePage() {
  const s = useStrings(helpStrings);
  const params = useParams<{ id: string }>();
  const [article, { refetch }] = createResource(() => params.id, helpApi.article);
  return (
    <Loadable resource={article} onRetry={refetch}>
      {(a) => (
        <article>
          <p class="muted small">
            <A href="/help">{s("back")}</A> · {a.topicLabel}
          </p>
          <h1>{a.title}</h1>
          <For each={a.body.split(/\n\n+/)}>{(p) => <p>{p}</p>}</For>
          <p>
            {s("stillNeed")} <A href="/support">{s("chat")}</A>
          </p>
        </article>
      )}
    </Loadable>
  );
}
