import { createResource, createSignal, For, Show } from "solid-js";
import { Loadable } from "../../app/Loadable";
import { useI18n } from "../../i18n";
import { useStrings } from "../../i18n/local";
import { createAction } from "../../lib/createAction";
import { useOnline } from "../../lib/online";
import { Field } from "../auth/fields";
import { ProblemAlert } from "../auth/ProblemAlert";
import { supportStrings } from "./strings";
import { type CallbackDto, supportApi } from "./supportApi";

/** "3 декабря, 11:00–13:00": a call-back window in the region's time zone (not the browser's). */
export function windowText(start: string, end: string, tz: string, lang: "ru" | "en"): string {
  const locale = lang === "ru" ? "ru-RU" : "en-GB";
  const day = new Intl.DateTimeFormat(locale, { timeZone: tz, day: "numeric", month: "long" }).format(new Date(start));
  const time = (iso: string) =>
    new Intl.DateTimeFormat(locale, { timeZone: tz, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(new Date(iso));
  return `${day}, ${time(start)}–${time(end)}`;
}

/**
 * «Перезвоните мне»: a window from the next free ones of the region (its local time), a visitor's name and
 * phone; then the request as it stands. A subscriber with an open request sees it instead of the form.
 */
export function CallbackForm(props: { loggedIn: boolean }) {
  const s = useStrings(supportStrings);
  const { lang } = useI18n();
  const online = useOnline();
  const a = createAction();
  const [slots, { refetch }] = createResource(() => supportApi.callbackSlots());
  const [mine] = createResource(
    () => props.loggedIn,
    (loggedIn) => (loggedIn ? supportApi.myCallback().then((r) => r.callback) : Promise.resolve(null)),
  );
  const [made, setMade] = createSignal<CallbackDto | null>(null);
  const current = () => made() ?? mine.latest ?? null;
  const onSubmit = (e: SubmitEvent) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    void a.run(async () => {
      const { callback } = await supportApi.requestCallback({
        slotStart: String(f.get("slot")),
        topic: String(f.get("topic") ?? "other"),
        ...(props.loggedIn ? {} : { name: String(f.get("name") ?? ""), phone: String(f.get("phone") ?? "") }),
      });
      setMade(callback);
    });
  };
  return (
    <Loadable resource={slots} onRetry={refetch}>
      {(free) => (
        <Show
          when={current()}
          fallback={
            <Show when={free.slots.length > 0} fallback={<p class="muted">{s("callbackNone")}</p>}>
              <form class="form" onSubmit={onSubmit} aria-label={s("callbackTitle")}>
                <label class="field">
                  <span>{s("callbackWhen")}</span>
                  <select name="slot" required>
                    <For each={free.slots}>{(w) => <option value={w.start}>{windowText(w.start, w.end, free.tz, lang())}</option>}</For>
                  </select>
                  <small class="muted">{s("callbackLocal")}</small>
                </label>
                <Show when={!props.loggedIn}>
                  <Field label={s("name")} name="name" problem={a.problem()} autocomplete="name" required minlength={2} maxlength={80} />
                  <Field label={s("phone")} name="phone" problem={a.problem()} type="tel" autocomplete="tel" inputmode="tel" required />
                </Show>
                <ProblemAlert problem={a.problem()} />
                <button type="submit" class="button" disabled={a.busy() || !online()} aria-busy={a.busy()}>
                  {s("callbackSend")}
                </button>
              </form>
            </Show>
          }
        >
          {(c) => (
            <p class="notice" role="status">
              {s("callbackDone", { when: windowText(c().slotStart, c().slotEnd, free.tz, lang()), phone: c().phone })}
            </p>
          )}
        </Show>
      )}
    </Loadable>
  );
}
