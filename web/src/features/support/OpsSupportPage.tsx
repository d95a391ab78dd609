import { createResource, createSignal, For, type JSX, onCleanup, Show } from "solid-js";
import { LangToggle } from "../../app/LangToggle";
import { Loadable } from "../../app/Loadable";
import { useI18n } from "../../i18n";
import { useStrings } from "../../i18n/local";
import { ApiError } from "../../lib/api";
import { createAction, createDraft, createRowAction, type RowAction } from "../../lib/createAction";
import { formatMoment, formatPhone } from "../../lib/format";
import { ProblemAlert } from "../auth/ProblemAlert";
import { useRegion } from "../region/RegionContext";
import { regionApi } from "../region/regionApi";
import { windowText } from "./CallbackForm";
import { ChatPanel } from "./ChatPanel";
import { createChat } from "./createChat";
import { opsStrings } from "./opsStrings";
import { supportStrings } from "./strings";
import {
  type CallbackDto,
  chatApi,
  type OperatorChatDto,
  type OperatorDto,
  opsSupportApi,
  type PrivateCategory,
  type TicketDto,
} from "./supportApi";
import { TicketHistory } from "./TicketPage";

const opsChat = chatApi("/ops/v1/support");
const QUEUE_MS = 5000;

function Login(props: { onIn: (o: OperatorDto) => void }) {
  const s = useStrings(opsStrings);
  const a = createAction();
  const onSubmit = (e: SubmitEvent) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    void a.run(async () => props.onIn(await opsSupportApi.login(String(f.get("login")), String(f.get("password")))));
  };
  return (
    <form class="form narrow" onSubmit={onSubmit} aria-label={s("signInTitle")}>
      <label class="field">
        <span>{s("login")}</span>
        <input name="login" autocomplete="username" required />
      </label>
      <label class="field">
        <span>{s("password")}</span>
        <input name="password" type="password" autocomplete="current-password" required />
      </label>
      <ProblemAlert problem={a.problem()} />
      <button type="submit" class="button button--primary" disabled={a.busy()}>
        {s("signIn")}
      </button>
    </form>
  );
}

function OpsChat(props: { chat: OperatorChatDto; me: OperatorDto; onChanged: () => void; regionName: (code: string) => string }) {
  const s = useStrings(opsStrings);
  const ss = useStrings(supportStrings);
  const live = createChat(opsChat, props.chat.id, "operator", props.chat);
  const [canned] = createResource(opsSupportApi.canned);
  const a = createAction();
  const current = () => ({ ...props.chat, ...(live.chat() ?? {}) }) as OperatorChatDto;
  const mine = () => current().operatorId === props.me.id;
  const act = (fn: () => Promise<{ chat: OperatorChatDto }>) =>
    void a.run(async () => {
      live.setChat((await fn()).chat);
      props.onChanged();
    });
  let transferTo!: HTMLSelectElement;
  return (
    <section aria-labelledby="ops-chat-h">
      <h2 id="ops-chat-h">
        {current().customerName || "—"}
        <Show when={current().customerPhone}>{(p) => <span class="muted small"> · {formatPhone(p())}</span>}</Show>
      </h2>
      <p class="muted small">
        {props.regionName(current().region)} · {ss(`topic.${current().topic as "other"}`)}
        {current().kind === "visitor" ? ` · ${s("visitor")}` : ""}
        {current().company ? ` · ${current().company}` : ""}
      </p>
      <ChatPanel
        live={live}
        api={opsChat}
        side="operator"
        chatId={props.chat.id}
        canWrite={mine() && current().status !== "closed"}
        actions={
          <>
            <ProblemAlert problem={a.problem()} />
            <Show when={!mine() && current().operatorName && current().status !== "closed"}>
              <p class="notice">{s("readOnly", { name: current().operatorName ?? "" })}</p>
            </Show>
            <div class="row">
              <Show when={!current().operatorId && current().status === "waiting"}>
                <button
                  type="button"
                  class="button button--primary"
                  disabled={a.busy()}
                  onClick={() => act(() => opsSupportApi.take(props.chat.id))}
                >
                  {s("take")}
                </button>
              </Show>
              <Show when={mine() && current().status !== "closed"}>
                <label class="field">
                  <span>{s("transferTo")}</span>
                  <select ref={transferTo}>
                    <option value="">{s("toQueue")}</option>
                    <For each={canned.latest?.colleagues.filter((c) => c.regions.includes(current().region)) ?? []}>
                      {(c) => <option value={c.id}>{c.name}</option>}
                    </For>
                  </select>
                </label>
                <button
                  type="button"
                  class="button"
                  disabled={a.busy()}
                  onClick={() => act(() => opsSupportApi.transfer(props.chat.id, transferTo.value || null))}
                >
                  {s("transfer")}
                </button>
                <button
                  type="button"
                  class="button"
                  disabled={a.busy()}
                  onClick={() => act(() => opsChat.close(props.chat.id) as Promise<{ chat: OperatorChatDto }>)}
                >
                  {s("close")}
                </button>
              </Show>
            </div>
          </>
        }
        composerExtra={(insert) => (
          <label class="field">
            <span>{s("canned")}</span>
            <select
              onChange={(e) => {
                const item = canned.latest?.items.find((i) => i.id === e.currentTarget.value);
                if (item) insert(item.text.replace("{name}", current().customerName || ""));
                e.currentTarget.value = "";
              }}
            >
              <option value="">{s("cannedPick")}</option>
              <For each={canned.latest?.items ?? []}>{(i) => <option value={i.id}>{i.title}</option>}</For>
            </select>
          </label>
        )}
      />
    </section>
  );
}

function OpsTicket(props: { id: string; onChanged: () => void; regionName: (code: string) => string }) {
  const s = useStrings(opsStrings);
  const ss = useStrings(supportStrings);
  const { lang } = useI18n();
  const [ticket, { refetch, mutate }] = createResource(() => props.id, opsSupportApi.ticket);
  const [canned] = createResource(opsSupportApi.canned);
  const a = createAction();
  // The comment typed is the panel's, not the box's: each action («Назначить», a move, an answer) brings the request
  // back and draws it again, which rebuilt the box empty.
  const comment = createDraft();
  let assignee!: HTMLSelectElement;
  const done = (t: TicketDto) => {
    mutate(t);
    props.onChanged();
  };
  /** Sends the comment with `fn`, then empties the box unless more was typed meanwhile. */
  const send = (fn: (text: string) => Promise<TicketDto>) =>
    void a.run(async () => {
      const text = comment.text();
      done(await fn(text));
      comment.sent(text);
    });
  return (
    <Loadable resource={ticket} onRetry={refetch}>
      {(t) => (
        <section aria-labelledby="ops-ticket-h">
          <h2 id="ops-ticket-h">{ss("ticketNumber", { number: t.number })}</h2>
          <p>
            <span class="badge">{t.statusLabel}</span>{" "}
            <span class="muted small">
              {props.regionName(t.region)} · {t.categoryLabel ?? ss(`category.${t.category as PrivateCategory}`)} · {t.accountNo ?? "—"} ·{" "}
              {formatMoment(t.createdAt, lang())}
            </span>
          </p>
          <h3>{t.subject}</h3>
          <p class="chat__text">{t.text}</p>
          <TicketHistory ticket={t} viewer="operator" />
          <ProblemAlert problem={a.problem()} />
          <label class="field">
            <span>{s("comment")}</span>
            <textarea rows={2} maxlength={2000} value={comment.text()} onInput={(e) => comment.setText(e.currentTarget.value)} />
          </label>
          <div class="row">
            <For each={t.next}>
              {(to) => (
                <button
                  type="button"
                  class="button"
                  disabled={a.busy()}
                  onClick={() => send((text) => opsSupportApi.moveTicket(t.id, to, text || undefined))}
                >
                  {s(`move.${to as "in_work" | "waiting" | "resolved"}`)}
                </button>
              )}
            </For>
            <Show when={t.status !== "closed" && t.status !== "cancelled"}>
              <button
                type="button"
                class="button button--primary"
                disabled={a.busy()}
                onClick={() => {
                  if (comment.text().trim()) send((text) => opsSupportApi.commentTicket(t.id, text));
                }}
              >
                {s("sendAnswer")}
              </button>
            </Show>
          </div>
          <Show when={t.status !== "closed" && t.status !== "cancelled"}>
            <div class="row">
              <label class="field">
                <span>{s("assignTo")}</span>
                {/* Who has it now, also after an action draws the request again (it showed «Никому» then). */}
                <select ref={assignee}>
                  <option value="" selected={!t.operatorId}>
                    {s("nobody")}
                  </option>
                  <For each={canned.latest?.colleagues.filter((c) => c.regions.includes(t.region)) ?? []}>
                    {(c) => (
                      <option value={c.id} selected={c.id === t.operatorId}>
                        {c.name}
                      </option>
                    )}
                  </For>
                </select>
              </label>
              <button
                type="button"
                class="button"
                disabled={a.busy()}
                onClick={() => void a.run(async () => done(await opsSupportApi.assignTicket(t.id, assignee.value || null)))}
              >
                {s("assign")}
              </button>
            </div>
          </Show>
        </section>
      )}
    </Loadable>
  );
}

/**
 * A call-back request in the queue: who, their phone (a link that dials), the window in the region's time; «Готово»
 * once called. Its action (busy, the problem) is the queue's, shown in the row it was for: the queue is
 * asked again every few seconds, which redraws this row, and a refusal of its own went with it.
 */
function CallbackItem(props: {
  c: CallbackDto;
  regionName: (code: string) => string;
  regionTz: (code: string) => string;
  action: RowAction;
  onDone: () => void;
}) {
  const s = useStrings(opsStrings);
  const { lang } = useI18n();
  const a = props.action;
  const busy = () => a.isFor(props.c.id) && a.busy();
  return (
    <li class="list__row queue-item">
      <span>
        {props.c.name} · <a href={`tel:${props.c.phone}`}>{formatPhone(props.c.phone)}</a>
      </span>
      <span class="muted small">
        {windowText(props.c.slotStart, props.c.slotEnd, props.regionTz(props.c.region), lang())} · {props.regionName(props.c.region)}
      </span>
      <button
        type="button"
        class="button button--small"
        disabled={busy()}
        aria-busy={busy()}
        aria-label={s("callbackDoneFor", { name: props.c.name })}
        onClick={() =>
          void a.runFor(props.c.id, async () => {
            await opsSupportApi.callbackDone(props.c.id);
            props.onDone();
          })
        }
      >
        {s("callbackDone")}
      </button>
      <Show when={a.isFor(props.c.id)}>
        <ProblemAlert problem={a.problem()} />
      </Show>
    </li>
  );
}

function Console(props: { me: OperatorDto; regionName: (code: string) => string; regionTz: (code: string) => string }) {
  const s = useStrings(opsStrings);
  const ss = useStrings(supportStrings);
  const { lang } = useI18n();
  const [region, setRegion] = createSignal("");
  const [kind, setKind] = createSignal<"private" | "business">("private");
  const [selected, setSelected] = createSignal<{ kind: "chat"; chat: OperatorChatDto } | { kind: "ticket"; id: string } | null>(null);
  // The source is an object: an empty region ("all my regions") must still fetch.
  const [queue, { refetch }] = createResource(
    () => ({ region: region(), kind: kind() }),
    (q) => opsSupportApi.queue(q.region || undefined, q.kind),
  );
  const timer = setInterval(() => void refetch(), QUEUE_MS);
  onCleanup(() => clearInterval(timer));
  const [feedback] = createResource(opsSupportApi.feedback);
  const calling = createRowAction();
  return (
    <>
      <div class="row">
        <label class="field">
          <span>{s("region")}</span>
          <select value={region()} onChange={(e) => setRegion(e.currentTarget.value)}>
            <option value="">{s("allRegions")}</option>
            <For each={props.me.regions}>{(r) => <option value={r}>{props.regionName(r)}</option>}</For>
          </select>
        </label>
        <label class="field">
          <span>{s("clients")}</span>
          <select value={kind()} onChange={(e) => setKind(e.currentTarget.value === "business" ? "business" : "private")}>
            <option value="private">{s("queuePrivate")}</option>
            <option value="business">{s("queueBusiness")}</option>
          </select>
        </label>
      </div>
      <div class="console">
        <section aria-labelledby="queue-h">
          <h2 id="queue-h">{kind() === "business" ? s("queueBusiness") : s("queue")}</h2>
          <p class="muted small">{s("refreshed")}</p>
          <Loadable resource={queue} onRetry={refetch}>
            {(q) => (
              <>
                <QueueList title={s("chats")} empty={s("empty")} items={q.chats}>
                  {(c) => (
                    <QueueItem
                      current={selected()?.kind === "chat" && (selected() as { chat: OperatorChatDto }).chat.id === c.id}
                      onOpen={() => setSelected({ kind: "chat", chat: c })}
                      label={`${c.customerName || "—"} · ${c.company ?? ss(`topic.${c.topic as "other"}`)}`}
                      badge={c.operatorId === props.me.id ? s("yours") : c.status === "waiting" ? s("waiting") : s("active")}
                      detail={`${props.regionName(c.region)} · ${formatMoment(c.updatedAt, lang())}`}
                    />
                  )}
                </QueueList>
                <Show when={kind() === "private"}>
                  <QueueList title={s("callbacks")} empty={s("empty")} items={q.callbacks ?? []}>
                    {(c) => (
                      <CallbackItem
                        c={c}
                        regionName={props.regionName}
                        regionTz={props.regionTz}
                        action={calling}
                        onDone={() => void refetch()}
                      />
                    )}
                  </QueueList>
                </Show>
                <QueueList title={s("tickets")} empty={s("empty")} items={q.tickets}>
                  {(t) => (
                    <QueueItem
                      current={selected()?.kind === "ticket" && (selected() as { id: string }).id === t.id}
                      onOpen={() => setSelected({ kind: "ticket", id: t.id })}
                      label={`${t.number}: ${t.categoryLabel ? `${t.categoryLabel} · ` : ""}${t.subject}`}
                      badge={t.statusLabel}
                      warn={t.overdue ? s("overdue") : undefined}
                      detail={`${props.regionName(t.region)} · ${t.operatorName ?? "—"}${
                        t.dueAt && t.status === "new" ? ` · ${s("dueAt", { due: formatMoment(t.dueAt, lang()) })}` : ""
                      }`}
                    />
                  )}
                </QueueList>
              </>
            )}
          </Loadable>
          <h3>{s("feedback")}</h3>
          <Show when={feedback.latest}>
            {(f) => (
              <>
                <p>{s("average", { avg: f().average ?? "—" })}</p>
                <ul class="plain small">
                  <For each={f().items.slice(0, 5)}>
                    {(i) => (
                      <li>
                        {"★".repeat(i.rating)} {i.text ?? ""}
                      </li>
                    )}
                  </For>
                </ul>
              </>
            )}
          </Show>
        </section>
        <div>
          <Show when={selected()} keyed fallback={<p class="muted">{s("pick")}</p>}>
            {(sel) =>
              sel.kind === "chat" ? (
                <OpsChat chat={sel.chat} me={props.me} onChanged={() => void refetch()} regionName={props.regionName} />
              ) : (
                <OpsTicket id={sel.id} onChanged={() => void refetch()} regionName={props.regionName} />
              )
            }
          </Show>
        </div>
      </div>
    </>
  );
}

/** One section of the queue: its heading, then its rows or a note that it is empty. */
function QueueList<T>(props: { title: string; empty: string; items: T[]; children: (item: T) => JSX.Element }) {
  return (
    <>
      <h3>{props.title}</h3>
      <Show when={props.items.length > 0} fallback={<p class="muted">{props.empty}</p>}>
        <ul class="list">
          <For each={props.items}>{(item) => props.children(item)}</For>
        </ul>
      </Show>
    </>
  );
}

/** A chat or a request in the queue: opens it; the one open is marked current for screen readers. */
function QueueItem(props: {
  current: boolean;
  onOpen: () => void;
  label: string;
  badge: string;
  detail: string;
  /** A business request past its response-time target: said in words, not by colour alone. */
  warn?: string | undefined;
}) {
  return (
    <li class="list__row queue-item" classList={{ "queue-item--overdue": !!props.warn }} aria-current={props.current ? "true" : undefined}>
      <button type="button" class="link-button" onClick={() => props.onOpen()}>
        {props.label}
      </button>
      <Show when={props.warn}>
        <span class="badge badge--warn">{props.warn}</span>
      </Show>
      <span class="badge">{props.badge}</span>
      <span class="muted small">{props.detail}</span>
    </li>
  );
}

/**
 * The operators' console at /ops/support: not a subscriber's page, so it has its own header (the console, the
 * operator with their regions by name, language, «Выйти») instead of the site's layout with its «Войти».
 */
export default function OpsSupportPage() {
  const s = useStrings(opsStrings);
  const { t, lang } = useI18n();
  const { context } = useRegion();
  const [me, { mutate }] = createResource(() =>
    opsSupportApi.me().catch((e) => (e instanceof ApiError && e.problem.status === 401 ? null : Promise.reject(e))),
  );
  // Region names from the catalogue (both languages): the codes («msk, mo») mean nothing to a reader.
  const [catalogue] = createResource(() => regionApi.regions().catch(() => []));
  const regionName = (code: string) => catalogue.latest?.find((r) => r.code === code)?.name[lang()] ?? code;
  const regionTz = (code: string) => catalogue.latest?.find((r) => r.code === code)?.tz ?? "Europe/Moscow";
  const signOut = () => void opsSupportApi.logout().finally(() => mutate(null));
  return (
    <>
      <a class="skip-link" href="#main">
        {t("nav.skip")}
      </a>
      <header class="site-header">
        <div class="site-header__top">
          <span class="logo">{s("title")}</span>
          <Show when={me.latest}>
            {(o) => (
              <p class="ops-operator">
                <strong>{o().name}</strong> · {o().regions.map(regionName).join(", ")}
              </p>
            )}
          </Show>
          <LangToggle baseDomain={context.baseDomain} />
          <Show when={me.latest}>
            <button type="button" class="button button--small" onClick={signOut}>
              {s("signOut")}
            </button>
          </Show>
        </div>
      </header>
      <main id="main" class="page" tabindex="-1">
        <h1 class="visually-hidden">{s("title")}</h1>
        <Show when={!me.loading || me.latest !== undefined} fallback={<p role="status">{t("common.loading")}</p>}>
          <Show
            when={me.latest}
            keyed
            fallback={
              <>
                <h2>{s("signInTitle")}</h2>
                <Login onIn={(o) => mutate(o)} />
              </>
            }
          >
            {(o) => <Console me={o} regionName={regionName} regionTz={regionTz} />}
          </Show>
        </Show>
      </main>
    </>
  );
}
