import { createSignal, For, Show } from "solid-js";
import { useStrings } from "../../i18n/local";
import { createAction } from "../../lib/createAction";
import { useOnline } from "../../lib/online";
import { ProblemAlert } from "../auth/ProblemAlert";
import { supportStrings } from "./strings";
import { supportApi } from "./supportApi";

/**
 * What a feedback form keeps: its action and whether the feedback went. A page that draws the form again (a `Loadable`
 * rebuilds it when its resource comes again) holds this and passes it to the form: the form's own went with it, and
 * the form came back, thanks gone, for a rating the server refuses.
 */
export function createFeedback() {
  const action = createAction();
  const [sent, setSent] = createSignal(false);
  /** Forgets a sent feedback and the action's problem: the page now shows another chat or request. */
  const reset = () => {
    setSent(false);
    action.clear();
  };
  return { action, sent, setSent, reset };
}

/** «Оставить отзыв»: a rating 1–5 (radio buttons, keyboard friendly) and a comment; about a chat, a request or the service. */
export function FeedbackForm(props: {
  chatId?: string;
  ticketId?: string;
  legend?: string;
  /** The page's, when it draws the form again (see `createFeedback`). */
  state?: ReturnType<typeof createFeedback>;
}) {
  const s = useStrings(supportStrings);
  const online = useOnline();
  const { action: a, sent, setSent } = props.state ?? createFeedback();
  const onSubmit = (e: SubmitEvent) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    void a.run(async () => {
      await supportApi.feedback({
        rating: Number(f.get("rating")),
        text: String(f.get("text") ?? "") || undefined,
        ...(props.chatId ? { chatId: props.chatId } : {}),
        ...(props.ticketId ? { ticketId: props.ticketId } : {}),
      });
      setSent(true);
    });
  };
  return (
    <Show
      when={!sent()}
      fallback={
        <p class="notice" role="status">
          {s("feedbackThanks")}
        </p>
      }
    >
      <form class="form" onSubmit={onSubmit} aria-label={props.legend ?? s("feedbackTitle")}>
        <fieldset class="radios">
          <legend>{props.legend ?? s("rating")}</legend>
          <For each={[1, 2, 3, 4, 5] as const}>
            {(n) => (
              <label class="checkbox">
                <input type="radio" name="rating" value={n} required />
                <span>{s(`rating.${n}`)}</span>
              </label>
            )}
          </For>
        </fieldset>
        <label class="field">
          <span>{s("feedbackText")}</span>
          <textarea name="text" rows={2} maxlength={2000} />
        </label>
        <ProblemAlert problem={a.problem()} />
        <button type="submit" class="button" disabled={a.busy() || !online()} aria-busy={a.busy()}>
          {s("feedbackSend")}
        </button>
      </form>
    </Show>
  );
}
