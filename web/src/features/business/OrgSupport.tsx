import { createResource, createSignal, For, Show } from "solid-js";
import { Loadable } from "../../app/Loadable";
import { useI18n } from "../../i18n";
import { useStrings } from "../../i18n/local";
import { ApiError } from "../../lib/api";
import { createAction } from "../../lib/createAction";
import { formatAccountNo, formatMoment, formatPhone } from "../../lib/format";
import { useOnline } from "../../lib/online";
import { Field, fieldError } from "../auth/fields";
import { ProblemAlert } from "../auth/ProblemAlert";
import { ChatPanel } from "../support/ChatPanel";
import { createChat } from "../support/createChat";
import { type ChatDto, chatApi, supportApi, type TicketDto } from "../support/supportApi";
import { businessSupportApi, formatDue, type RequestCategoryDto } from "./businessSupportApi";
import { businessSupportStrings } from "./supportStrings";

const customerApi = chatApi("/api/v1/support");

/** The organisation's personal manager, or the business lines when none is assigned (any member). */
export function ManagerCard(props: { orgId: string }) {
  const s = useStrings(businessSupportStrings);
  const { t } = useI18n();
  const [info, { refetch }] = createResource(() => props.orgId, businessSupportApi.manager);
  return (
    <section aria-labelledby="org-manager">
      <h2 id="org-manager">{s("managerTitle")}</h2>
      <Loadable resource={info} onRetry={refetch}>
        {(m) => (
          <Show
            when={m.manager}
            fallback={
              <>
                <p>{s("noManager")}</p>
                <ul class="list">
                  <For each={m.lines}>
                    {(l) => (
                      <li class="list__row">
                        <span>{t(`contacts.kind.${l.kind}`)}</span>
                        <a class="phone" href={`tel:${l.phone}`}>
                          {formatPhone(l.phone)}
                        </a>
                      </li>
                    )}
                  </For>
                </ul>
              </>
            }
          >
            {(manager) => (
              <dl class="list">
                <div class="list__row">
                  <dt class="visually-hidden">{s("managerTitle")}</dt>
                  <dd>
                    <strong>{manager().name}</strong>
                  </dd>
                </div>
                <div class="list__row">
                  <dt>{s("managerPhone")}</dt>
                  <dd>
                    <a class="phone" href={`tel:${manager().phone}`}>
                      {formatPhone(manager().phone)}
                    </a>
                  </dd>
                </div>
                <div class="list__row">
                  <dt>{s("managerEmail")}</dt>
                  <dd>
                    <a href={`mailto:${manager().email}`}>{manager().email}</a>
                  </dd>
                </div>
              </dl>
            )}
          </Show>
        )}
      </Loadable>
    </section>
  );
}

/** A live business chat (the member's own chat, on the support API), with «end» and then a new one. */
function LiveBusinessChat(props: { chat: ChatDto; onNew: () => void }) {
  const s = useStrings(businessSupportStrings);
  const live = createChat(customerApi, props.chat.id, "customer", props.chat, false);
  const closing = createAction();
  const closed = () => live.chat()?.status === "closed";
  return (
    <>
      <ChatPanel
        live={live}
        api={customerApi}
        side="customer"
        chatId={props.chat.id}
        canWrite={!closed()}
        actions={
          <Show
            when={!closed()}
            fallback={
              <button type="button" class="button" onClick={() => props.onNew()}>
                {s("chatNew")}
              </button>
            }
          >
            <button
              type="button"
              class="link-button"
              onClick={() => void closing.run(async () => live.setChat((await customerApi.close(props.chat.id)).chat))}
            >
              {s("chatEnd")}
            </button>
          </Show>
        }
      />
      <ProblemAlert problem={closing.problem()} />
    </>
  );
}

/** The organisation's business chat: the member's open one, or a form to start it. */
function OrgChat(props: { orgId: string }) {
  const s = useStrings(businessSupportStrings);
  const online = useOnline();
  const [chats, { refetch }] = createResource(() =>
    supportApi.myChats().then((r) => r.items.filter((c) => c.orgId === props.orgId && c.status !== "closed")),
  );
  const [started, setStarted] = createSignal<ChatDto | null>(null);
  const current = () => started() ?? chats.latest?.[0] ?? null;
  const a = createAction();
  const onSubmit = (e: SubmitEvent) => {
    e.preventDefault();
    const text = String(new FormData(e.currentTarget as HTMLFormElement).get("text") ?? "");
    void a.run(async () => setStarted((await businessSupportApi.startChat(props.orgId, { text, clientId: crypto.randomUUID() })).chat));
  };
  return (
    <section aria-labelledby="org-chat">
      <h2 id="org-chat">{s("chatTitle")}</h2>
      <Loadable resource={chats} onRetry={refetch}>
        {() => (
          <Show
            when={current()}
            keyed
            fallback={
              <form class="form" onSubmit={onSubmit} aria-label={s("chatStart")}>
                <p class="muted">{s("chatLead")}</p>
                <label class="field">
                  <span>{s("chatMessage")}</span>
                  <textarea name="text" rows={3} maxlength={4000} required />
                </label>
                <ProblemAlert problem={a.problem()} />
                <button type="submit" class="button button--primary" disabled={a.busy() || !online()} aria-busy={a.busy()}>
                  {s("chatStart")}
                </button>
              </form>
            }
          >
            {(c) => (
              <LiveBusinessChat
                chat={c}
                onNew={() => {
                  setStarted(null);
                  void refetch();
                }}
              />
            )}
          </Show>
        )}
      </Loadable>
    </section>
  );
}

/** «Ответим до 14:30» in the reader's own clock (the device's time zone), or that the time has passed. */
function DueBadge(props: { ticket: TicketDto }) {
  const s = useStrings(businessSupportStrings);
  const { lang } = useI18n();
  return (
    <Show when={props.ticket.dueAt && props.ticket.status === "new"}>
      <Show
        when={props.ticket.overdue}
        fallback={<span class="badge">{s("dueBy", { due: formatDue(props.ticket.dueAt ?? "", undefined, lang()) })}</span>}
      >
        <span class="badge badge--warn">{s("overdue")}</span>
      </Show>
    </Show>
  );
}

/**
 * The form for a new request. Its action (busy, problem, the «принято» confirmation) is the list's (`action`): the
 * refreshed list after filing rebuilds this form, and a confirmation of its own went with it.
 */
function NewRequest(props: {
  orgId: string;
  categories: RequestCategoryDto[];
  action: ReturnType<typeof createAction>;
  onFiled: () => void;
}) {
  const s = useStrings(businessSupportStrings);
  const { lang } = useI18n();
  const online = useOnline();
  const a = props.action;
  const onSubmit = (e: SubmitEvent) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const f = new FormData(form);
    void a.run(async () => {
      const t = await businessSupportApi.fileRequest(props.orgId, {
        category: String(f.get("category")),
        accountNo: String(f.get("accountNo") ?? "").replace(/\s/g, "") || null,
        subject: String(f.get("subject") ?? ""),
        text: String(f.get("text") ?? ""),
      });
      form.reset();
      props.onFiled();
      return s("filed", { number: t.number, due: formatDue(t.dueAt ?? t.createdAt, undefined, lang()) });
    });
  };
  return (
    <form class="form" onSubmit={onSubmit} aria-label={s("newRequest")}>
      <label class="field">
        <span>{s("category")}</span>
        <select name="category">
          <For each={props.categories}>
            {(c) => <option value={c.id}>{s("categoryTarget", { name: c.name, target: c.target })}</option>}
          </For>
        </select>
      </label>
      <Field label={s("account")} name="accountNo" problem={a.problem()} inputMode="numeric" maxLength={40} />
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
      <Show when={a.done()}>
        <p role="status" class="notice">
          {a.done()}
        </p>
      </Show>
      <button type="submit" class="button button--primary" disabled={a.busy() || !online()} aria-busy={a.busy()}>
        {s("submit")}
      </button>
    </form>
  );
}

/** The organisation's requests with their answer times, and the form for a new one (support right). */
function OrgRequests(props: { orgId: string }) {
  const s = useStrings(businessSupportStrings);
  const { lang } = useI18n();
  const [list, { refetch }] = createResource(() => props.orgId, businessSupportApi.requests);
  const filing = createAction();
  const forbidden = () => list.error instanceof ApiError && list.error.problem.status === 403;
  return (
    <section aria-labelledby="org-requests">
      <h2 id="org-requests">{s("requestsTitle")}</h2>
      <Show when={!forbidden()} fallback={<p class="notice">{s("notAllowed")}</p>}>
        <Loadable resource={list} onRetry={refetch}>
          {(r) => (
            <>
              <Show when={r.items.length > 0} fallback={<p class="muted">{s("requestsNone")}</p>}>
                <ul class="list">
                  <For each={r.items}>
                    {(t) => (
                      <li class="list__row">
                        <details>
                          <summary>
                            {s("number", { number: t.number })} · {t.categoryLabel}: {t.subject}
                          </summary>
                          <p>{t.text}</p>
                          <Show when={t.accountNo}>{(no) => <p class="muted small">{formatAccountNo(no())}</p>}</Show>
                          <p class="muted small">{formatMoment(t.createdAt, lang())}</p>
                        </details>
                        <span class="badge">{t.statusLabel}</span>
                        <DueBadge ticket={t} />
                      </li>
                    )}
                  </For>
                </ul>
              </Show>
              <h3>{s("newRequest")}</h3>
              <NewRequest orgId={props.orgId} categories={r.categories} action={filing} onFiled={() => void refetch()} />
            </>
          )}
        </Loadable>
      </Show>
    </section>
  );
}

/** «Поддержка» of the business cabinet: the personal manager (or the business lines), the business chat, the requests. */
export function OrgSupport(props: { orgId: string }) {
  const s = useStrings(businessSupportStrings);
  return (
    <>
      <h2 class="visually-hidden">{s("supportTitle")}</h2>
      <ManagerCard orgId={props.orgId} />
      <OrgChat orgId={props.orgId} />
      <OrgRequests orgId={props.orgId} />
    </>
  );
}
