import { createResource, createSignal, For, Show } from "solid-js";
import { Loadable } from "../../app/Loadable";
import { useI18n } from "../../i18n";
import { useStrings } from "../../i18n/local";
import { createAction } from "../../lib/createAction";
import { formatRub, summarizeWeek } from "../../lib/format";
import { useOnline } from "../../lib/online";
import { Field } from "../auth/fields";
import { ProblemAlert } from "../auth/ProblemAlert";
import { useSession } from "../auth/SessionContext";
import { regionApi } from "../region/regionApi";
import { ChatPanel } from "../support/ChatPanel";
import { createChat } from "../support/createChat";
import { type ChatDto, chatApi } from "../support/supportApi";
import { businessSupportApi } from "./businessSupportApi";
import { businessSupportStrings } from "./supportStrings";

const customerApi = chatApi("/api/v1/support");

/** «Тарифы для бизнеса» of this region. */
export function BusinessTariffs() {
  const s = useStrings(businessSupportStrings);
  const { lang } = useI18n();
  const [tariffs, { refetch }] = createResource(businessSupportApi.tariffs);
  return (
    <section aria-labelledby="b2b-tariffs">
      <h2 id="b2b-tariffs">{s("publicTariffs")}</h2>
      <Loadable resource={tariffs} onRetry={refetch}>
        {(items) => (
          <ul class="list">
            <For each={items}>
              {(t) => (
                <li class="list__row">
                  <span>
                    <strong>{t.name}</strong>
                    <br />
                    <small class="muted">{t.description}</small>
                  </span>
                  <span>{s(t.per === "sim" ? "perSim" : "perMonth", { price: formatRub(t.priceKop, lang()) })}</span>
                </li>
              )}
            </For>
          </ul>
        )}
      </Loadable>
    </section>
  );
}

/** The region's offices for legal entities (the offices' data, business ones). */
export function BusinessOffices() {
  const s = useStrings(businessSupportStrings);
  const { t, lang } = useI18n();
  const [offices, { refetch }] = createResource(() => regionApi.offices().then((r) => r.items.filter((o) => o.kind === "b2b")));
  return (
    <section aria-labelledby="b2b-offices">
      <h2 id="b2b-offices">{s("publicOffices")}</h2>
      <Loadable resource={offices} onRetry={refetch}>
        {(items) => (
          <Show when={items.length > 0} fallback={<p>{s("noOffices")}</p>}>
            <ul class="list">
              <For each={items}>
                {(o) => (
                  <li class="list__row">
                    <span>
                      <strong>
                        {o.city[lang()]}, {o.address[lang()]}
                      </strong>
                      <br />
                      <small class="muted">
                        {s("officeHours")}: {summarizeWeek(o.hours, t("days").split(","), s("closed"))}
                      </small>
                    </span>
                  </li>
                )}
              </For>
            </ul>
          </Show>
        )}
      </Loadable>
    </section>
  );
}

/** The business chat of the public page: a visitor gives a name, a phone and the company (ИНН optional). */
export function BusinessChat() {
  const s = useStrings(businessSupportStrings);
  const online = useOnline();
  const { profile } = useSession();
  const [chat, setChat] = createSignal<ChatDto | null>(null);
  const a = createAction();
  const onSubmit = (e: SubmitEvent) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    const text = (name: string) => String(f.get(name) ?? "").trim() || undefined;
    void a.run(async () => {
      const started = await businessSupportApi.startVisitorChat({
        ...(profile.latest ? {} : { name: text("name"), phone: text("phone") }),
        company: text("company") ?? "",
        inn: text("inn"),
        text: text("text"),
        clientId: crypto.randomUUID(),
      });
      setChat(started.chat);
    });
  };
  return (
    <section aria-labelledby="b2b-chat">
      <h2 id="b2b-chat">{s("publicChat")}</h2>
      <Show
        when={chat()}
        keyed
        fallback={
          <form class="form" onSubmit={onSubmit} aria-label={s("publicChat")}>
            <p class="muted">{s("publicChatLead")}</p>
            <Show when={!profile.latest}>
              <Field label={s("name")} name="name" problem={a.problem()} autocomplete="name" required minlength={2} maxlength={80} />
              <Field label={s("phone")} name="phone" problem={a.problem()} type="tel" autocomplete="tel" inputmode="tel" required />
            </Show>
            <Field
              label={s("company")}
              name="company"
              problem={a.problem()}
              autocomplete="organization"
              required
              minlength={2}
              maxlength={120}
            />
            <Field label={s("inn")} name="inn" problem={a.problem()} inputMode="numeric" maxLength={14} />
            <label class="field">
              <span>{s("firstMessage")}</span>
              <textarea name="text" rows={3} maxlength={4000} required />
            </label>
            <ProblemAlert problem={a.problem()} />
            <button type="submit" class="button button--primary" disabled={a.busy() || !online()} aria-busy={a.busy()}>
              {s("startChat")}
            </button>
          </form>
        }
      >
        {(c) => {
          const live = createChat(customerApi, c.id, "customer", c, false);
          return <ChatPanel live={live} api={customerApi} side="customer" chatId={c.id} canWrite={live.chat()?.status !== "closed"} />;
        }}
      </Show>
    </section>
  );
}
