import { A } from "@solidjs/router";
import { createEffect, createResource, createSignal, For, onCleanup, Show } from "solid-js";
import { Loadable } from "../../app/Loadable";
import { useI18n } from "../../i18n";
import { useStrings } from "../../i18n/local";
import { createAction } from "../../lib/createAction";
import { formatAccountNo, formatMoment } from "../../lib/format";
import { fetchWithSnapshot, saveSnapshot } from "../../lib/offline";
import { useOnline } from "../../lib/online";
import { latestOf } from "../../lib/resource";
import { accountsApi } from "../accounts/accountsApi";
import { Field, fieldError } from "../auth/fields";
import { ProblemAlert } from "../auth/ProblemAlert";
import { useSession } from "../auth/SessionContext";
import HelpLinks from "../help/HelpLinks";
import { CallbackForm } from "./CallbackForm";
import { ChatPanel } from "./ChatPanel";
import { createChat } from "./createChat";
import { FeedbackForm } from "./FeedbackForm";
import { supportStrings } from "./strings";
import { type ChatDto, chatApi, supportApi, type TicketDto } from "./supportApi";

const TOPICS = ["internet", "billing", "tv", "mobile", "connect", "other"] as const;
const CATEGORIES = ["internet", "billing", "tv", "phone", "mobile", "equipment", "other"] as const;
const customerApi = chatApi("/api/v1/support");

/** The live conversation of an open (or just closed) chat, with "end" and then a rating. */
function LiveChat(props: { chat: ChatDto; keepOnDevice: boolean; onNew: () => void; onClosed: (closed: boolean) => void }) {
  const s = useStrings(supportStrings);
  const { lang } = useI18n();
  const live = createChat(customerApi, props.chat.id, "customer", props.chat, props.keepOnDevice);
  const closing = createAction();
  const closed = () => live.chat()?.status === "closed";
  createEffect(() => props.onClosed(closed()));
  onCleanup(() => props.onClosed(false));
  return (
    <>
      <ChatPanel
        live={live}
        api={customerApi}
        side="customer"
        chatId={props.chat.id}
        canWrite={!closed()}
        actions={
          <Show when={!closed()}>
            <button
              type="button"
              class="link-button"
              onClick={() => void closing.run(async () => live.setChat((await customerApi.close(props.chat.id)).chat))}
            >
              {s("close")}
            </button>
          </Show>
        }
      />
      <ProblemAlert problem={closing.problem()} />
      <Show when={closed()}>
        <FeedbackForm chatId={props.chat.id} legend={s("rateChat")} />
        <button type="button" class="button" onClick={() => props.onNew()}>
          {s("newChat")}
        </button>
      </Show>
      <p class="muted small">{formatMoment(props.chat.createdAt, lang())}</p>
    </>
  );
}

function StartChat(props: { loggedIn: boolean; onStarted: (chat: ChatDto) => void }) {
  const s = useStrings(supportStrings);
  const online = useOnline();
  const a = createAction();
  const onSubmit = (e: SubmitEvent) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    void a.run(async () => {
      const { chat } = await supportApi.startChat({
        topic: String(f.get("topic")),
        text: String(f.get("text") ?? "") || undefined,
        clientId: crypto.randomUUID(),
        ...(props.loggedIn ? {} : { name: String(f.get("name") ?? ""), phone: String(f.get("phone") ?? "") }),
      });
      props.onStarted(chat);
    });
  };
  return (
    <form class="form" onSubmit={onSubmit} aria-label={s("start")}>
      <label class="field">
        <span>{s("topic")}</span>
        <select name="topic">
          <For each={TOPICS}>{(t) => <option value={t}>{s(`topic.${t}`)}</option>}</For>
        </select>
      </label>
      <Show when={!props.loggedIn}>
        <Field label={s("name")} name="name" problem={a.problem()} autocomplete="name" required minlength={2} maxlength={80} />
        <Field label={s("phone")} name="phone" problem={a.problem()} type="tel" autocomplete="tel" inputmode="tel" required />
      </Show>
      <label class="field">
        <span>{s("firstMessage")}</span>
        <textarea name="text" rows={3} maxlength={4000} required />
      </label>
      <ProblemAlert problem={a.problem()} />
      <Show when={!online()}>
        <p class="notice">{s("offlineDisabled")}</p>
      </Show>
      <button type="submit" class="button button--primary" disabled={a.busy() || !online()} aria-busy={a.busy()}>
        {s("start")}
      </button>
    </form>
  );
}

function NewTicket(props: { onFiled: (t: TicketDto) => void }) {
  const s = useStrings(supportStrings);
  const online = useOnline();
  const [accounts] = createResource(() => accountsApi.accounts().then((r) => r.items));
  const a = createAction();
  const onSubmit = (e: SubmitEvent) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const f = new FormData(form);
    void a.run(async () => {
      const t = await supportApi.createTicket({
        category: String(f.get("category")),
        accountNo: String(f.get("accountNo") ?? "") || null,
        subject: String(f.get("subject") ?? ""),
        text: String(f.get("text") ?? ""),
      });
      form.reset();
      props.onFiled(t);
    });
  };
  return (
    <form class="form" onSubmit={onSubmit} aria-label={s("newTicket")}>
      <label class="field">
        <span>{s("category")}</span>
        <select name="category">
          <For each={CATEGORIES}>{(c) => <option value={c}>{s(`category.${c}`)}</option>}</For>
        </select>
      </label>
      <label class="field">
        <span>{s("account")}</span>
        <select name="accountNo">
          <option value="">{s("accountNone")}</option>
          <For each={latestOf(accounts) ?? []}>{(acc) => <option value={acc.accountNo}>{formatAccountNo(acc.accountNo)}</option>}</For>
        </select>
      </label>
      <Field label={s("subject")} name="subject" problem={a.problem()} required minlength={3} maxlength={120} />
      <label class="field">
        <span>{s("text")}</span>
        <textarea
          name="text"
          rows={4}
          required
          minlength={10}
          maxlength={4000}
          aria-invalid={fieldError(a.problem(), "text") ? "true" : undefined}
        />
        <Show when={fieldError(a.problem(), "text")}>{(m) => <small class="field__error">{m()}</small>}</Show>
      </label>
      <ProblemAlert problem={a.problem()} />
      <button type="submit" class="button button--primary" disabled={a.busy() || !online()} aria-busy={a.busy()}>
        {s("submitTicket")}
      </button>
    </form>
  );
}

const VISITOR = "visitor";

/** «Поддержка»: the chat with an operator (for visitors too), the subscriber's requests and a feedback form. */
export default function SupportPage() {
  const s = useStrings(supportStrings);
  const { lang } = useI18n();
  const { profile } = useSession();
  const loggedIn = () => !!profile.latest;
  // A subscriber's chats are kept on the device (their own store, wiped on logout), so the chat opens offline; a visitor's are not.
  // Fetched once it is known who is asking, and again only when that changes (a new key, not a new object).
  const [chats, { refetch: refetchChats, mutate: setChats }] = createResource(
    () => (profile.state === "ready" || profile.state === "errored" ? (profile.latest?.id ?? VISITOR) : false),
    (who) =>
      who !== VISITOR
        ? fetchWithSnapshot("support-chats", () => supportApi.myChats().then((r) => r.items)).then((r) => r.data)
        : supportApi.myChats().then((r) => r.items),
  );
  const [fresh, setFresh] = createSignal(false);
  const [tickets, { refetch: refetchTickets }] = createResource(
    () => (profile.latest ? profile.latest.id : false),
    () => supportApi.tickets().then((r) => r.items),
  );
  // A business chat (the business cabinet's or the business page's) is shown there, not here.
  const current = () => (fresh() ? undefined : latestOf(chats)?.find((c) => c.queue !== "business"));
  // While an ended chat asks for its rating, the page's own feedback form is not shown beside it (two rating forms).
  const [ratingChat, setRatingChat] = createSignal(false);
  return (
    <>
      <h1>{s("title")}</h1>
      <p class="muted">{s("lead")}</p>
      <section aria-labelledby="chat-h">
        <h2 id="chat-h">{s("chatTitle")}</h2>
        <Loadable resource={chats} onRetry={refetchChats}>
          {() => (
            <Show
              when={current()}
              keyed
              fallback={
                <>
                  <p class="muted">{s("chatLead")}</p>
                  <StartChat
                    loggedIn={loggedIn()}
                    onStarted={(c) => {
                      setFresh(false);
                      const list = [c, ...(latestOf(chats) ?? [])];
                      setChats(list);
                      if (loggedIn()) void saveSnapshot("support-chats", list);
                    }}
                  />
                </>
              }
            >
              {(c) => <LiveChat chat={c} keepOnDevice={loggedIn()} onNew={() => setFresh(true)} onClosed={setRatingChat} />}
            </Show>
          )}
        </Loadable>
      </section>
      <section aria-labelledby="callback-h">
        <h2 id="callback-h">{s("callbackTitle")}</h2>
        <p class="muted">{s("callbackLead")}</p>
        <Show when={profile.state === "ready" || profile.state === "errored"}>
          <CallbackForm loggedIn={loggedIn()} />
        </Show>
      </section>
      <section aria-labelledby="tickets-h">
        <h2 id="tickets-h">{s("ticketsTitle")}</h2>
        <Show when={loggedIn()} fallback={<p>{s("ticketsLogin")}</p>}>
          <Loadable resource={tickets} onRetry={refetchTickets}>
            {(items) => (
              <Show when={items.length > 0} fallback={<p class="muted">{s("ticketsNone")}</p>}>
                <ul class="list">
                  <For each={items}>
                    {(t) => (
                      <li class="list__row">
                        <A href={`/support/tickets/${t.id}`}>
                          {s("ticketNumber", { number: t.number })}: {t.subject}
                        </A>
                        <span class="badge">{t.statusLabel}</span>
                        <span class="muted small">{formatMoment(t.updatedAt, lang())}</span>
                      </li>
                    )}
                  </For>
                </ul>
              </Show>
            )}
          </Loadable>
          <h3>{s("newTicket")}</h3>
          <NewTicket onFiled={() => void refetchTickets()} />
        </Show>
      </section>
      <Show when={!ratingChat()}>
        <section aria-labelledby="feedback-h">
          <h2 id="feedback-h">{s("feedbackTitle")}</h2>
          <p class="muted">{s("feedbackLead")}</p>
          <FeedbackForm />
        </section>
      </Show>
      <HelpLinks screen="support" />
    </>
  );
}
