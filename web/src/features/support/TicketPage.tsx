import { A, useParams } from "@solidjs/router";
import { createEffect, createResource, For, on, Show } from "solid-js";
import { Loadable } from "../../app/Loadable";
import { useI18n } from "../../i18n";
import { useStrings } from "../../i18n/local";
import { createAction, createDraft } from "../../lib/createAction";
import { formatAccountNo, formatMoment } from "../../lib/format";
import { useOnline } from "../../lib/online";
import { ProblemAlert } from "../auth/ProblemAlert";
import { createFeedback, FeedbackForm } from "./FeedbackForm";
import { supportStrings } from "./strings";
import { type PrivateCategory, supportApi, type TicketDto } from "./supportApi";

/**
 * The history of a request: who moved it where and what they wrote, oldest first. The subscriber reads their
 * own steps as «Вы»; an operator reads them as the subscriber's (the console showed «Вы → новое» for them).
 */
export function TicketHistory(props: { ticket: TicketDto; viewer: "subscriber" | "operator" }) {
  const s = useStrings(supportStrings);
  const { lang } = useI18n();
  return (
    <ol class="timeline">
      <For each={props.ticket.history ?? []}>
        {(e) => (
          <li>
            <p class="small">
              <time dateTime={e.at}>{formatMoment(e.at, lang())}</time> ·{" "}
              <strong>
                {e.actor === "operator"
                  ? (e.actorName ?? "")
                  : e.actor === "subscriber" && props.viewer === "operator"
                    ? s("actor.theSubscriber")
                    : s(`actor.${e.actor}`)}
              </strong>
              <Show when={e.toLabel}>{(label) => <> → {label()}</>}</Show>
            </p>
            <Show when={e.comment}>
              <p class="chat__text">{e.comment}</p>
            </Show>
          </li>
        )}
      </For>
    </ol>
  );
}

/** One request of the subscriber: status, history, answer, and the moves open to them (withdraw, confirm, reopen). */
export default function TicketPage() {
  const s = useStrings(supportStrings);
  const { lang } = useI18n();
  const online = useOnline();
  const params = useParams<{ id: string }>();
  const [ticket, { refetch, mutate }] = createResource(() => params.id, supportApi.ticket);
  const action = createAction();
  // The rating's state and the answer typed are the page's: a move or a comment draws the request again, which
  // rebuilt the form (the thanks gone) and the answer's box (empty after «Вопрос не решён, вернуть в работу»).
  // Another request opened on the page starts with neither.
  const rating = createFeedback();
  const reply = createDraft();
  createEffect(
    on(
      () => params.id,
      () => {
        rating.reset();
        reply.setText("");
      },
      { defer: true },
    ),
  );
  const move = (to: string) => void action.run(async () => mutate(await supportApi.moveTicket(params.id, to)));
  const onComment = (e: SubmitEvent) => {
    e.preventDefault();
    const text = reply.text();
    void action.run(async () => {
      mutate(await supportApi.commentTicket(params.id, text));
      reply.sent(text);
    });
  };
  return (
    <>
      <p class="muted small">
        <A href="/support">{s("back")}</A>
      </p>
      <Loadable resource={ticket} onRetry={refetch}>
        {(t) => (
          <>
            <h1>{s("ticketNumber", { number: t.number })}</h1>
            <p>
              <span class="badge" role="status">
                {t.statusLabel}
              </span>{" "}
              <span class="muted small">
                {t.categoryLabel ?? s(`category.${t.category as PrivateCategory}`)}
                {t.accountNo ? ` · ${formatAccountNo(t.accountNo)}` : ""} · {s("created")} {formatMoment(t.createdAt, lang())}
              </span>
            </p>
            <h2>{t.subject}</h2>
            <p class="chat__text">{t.text}</p>
            <h2>{s("ticketHistory")}</h2>
            <TicketHistory ticket={t} viewer="subscriber" />
            <ProblemAlert problem={action.problem()} />
            <Show when={t.next.length > 0}>
              <div class="row">
                <For each={t.next}>
                  {(to) => (
                    <button type="button" class="button" disabled={action.busy() || !online()} onClick={() => move(to)}>
                      {s(`move.${to as "cancelled" | "closed" | "in_work"}`)}
                    </button>
                  )}
                </For>
              </div>
            </Show>
            <Show when={t.status !== "closed" && t.status !== "cancelled"}>
              <form class="form" onSubmit={onComment} aria-label={s("ticketComment")}>
                <label class="field">
                  <span>{s("ticketComment")}</span>
                  <textarea
                    name="text"
                    rows={3}
                    required
                    maxlength={4000}
                    value={reply.text()}
                    onInput={(e) => reply.setText(e.currentTarget.value)}
                  />
                </label>
                <button type="submit" class="button button--primary" disabled={action.busy() || !online()}>
                  {s("ticketSendComment")}
                </button>
              </form>
            </Show>
            <Show when={t.status === "closed" || t.status === "resolved"}>
              {/* A request rated before (another visit, another device) says so instead of asking again. */}
              <Show
                when={typeof t.rating !== "number" || rating.sent()}
                fallback={
                  <p class="notice" role="status">
                    {s("ratedTicket", { rating: s(`rating.${t.rating as 1 | 2 | 3 | 4 | 5}`) })}
                  </p>
                }
              >
                <FeedbackForm ticketId={t.id} legend={s("rateTicket")} state={rating} />
              </Show>
            </Show>
          </>
        )}
      </Loadable>
    </>
  );
}
