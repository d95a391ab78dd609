import { createResource, createSignal, For, Show } from "solid-js";
import { useI18n } from "../../i18n";
import { createAction } from "../../lib/createAction";
import { formatDay } from "../../lib/format";
import { useOnline } from "../../lib/online";
import { ProblemAlert } from "../auth/ProblemAlert";
import { type ApplicationDto, servicesApi } from "./servicesApi";

/** "09-13" → "09:00–13:00". */
export const slotText = (slot: string) => slot.replace(/^(\d\d)-(\d\d)$/, "$1:00–$2:00");

/** The day before a YYYY-MM-DD day (the cutoff's day). */
const dayBefore = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);

type Visit = NonNullable<ApplicationDto["visit"]>;

/**
 * «Визит специалиста»: the booked day and window, until when it can be moved
 * or cancelled, and (until then) a choice of free windows to move it to.
 */
export function VisitCard(props: { app: ApplicationDto & { visit: Visit }; onChanged: (app: ApplicationDto, message: string) => void }) {
  const { t, lang } = useI18n();
  const online = useOnline();
  const [open, setOpen] = createSignal(false);
  const [slots, { refetch }] = createResource(
    () => (open() ? props.app.id : false),
    (id) => servicesApi.visitSlots(id),
  );
  const [day, setDay] = createSignal<string | null>(null);
  const [slot, setSlot] = createSignal<string | null>(null);
  const move = createAction();
  const chosenDay = () => slots()?.days.find((d) => d.day === (day() ?? slots()?.days[0]?.day));
  const cutoffText = () =>
    t("visit.cutoff", { hour: String(props.app.visit.cutoffHour), day: formatDay(dayBefore(props.app.visit.day), lang()) });
  const submit = (e: SubmitEvent) => {
    e.preventDefault();
    const d = chosenDay()?.day;
    const s = slot();
    if (!d || !s) return;
    void move.run(async () => {
      try {
        const moved = await servicesApi.moveVisit(props.app.id, d, s);
        setOpen(false);
        setSlot(null);
        // The page keeps the message: it shows the application again with the new time.
        props.onChanged(moved, t("visit.moved", { day: formatDay(d, lang()), slot: slotText(s) }));
      } finally {
        // Whatever happened, the places shown are stale now.
        void refetch();
      }
    });
  };
  return (
    <section aria-labelledby="visit-title" class="card">
      <h2 id="visit-title">{t("visit.title")}</h2>
      <p>
        <strong>
          {formatDay(props.app.visit.day, lang())}, {slotText(props.app.visit.slot)}
        </strong>
      </p>
      <p class="small muted" id="visit-cutoff">
        {props.app.visit.changeable ? cutoffText() : t("visit.cutoff.passed", { hour: String(props.app.visit.cutoffHour) })}
      </p>
      <Show when={props.app.visit.changeable}>
        <Show
          when={open()}
          fallback={
            <button type="button" class="button" aria-describedby="visit-cutoff" disabled={!online()} onClick={() => setOpen(true)}>
              {t("visit.move")}
            </button>
          }
        >
          <Show when={!slots.loading} fallback={<p aria-busy="true">{t("visit.loading")}</p>}>
            <Show when={!slots.error} fallback={<ProblemAlert problem={{ type: "", title: t("common.error"), status: 0 }} />}>
              <form class="form" onSubmit={submit}>
                <label class="field">
                  <span>{t("visit.day")}</span>
                  <select
                    name="day"
                    value={chosenDay()?.day ?? ""}
                    onChange={(e) => {
                      setDay(e.currentTarget.value);
                      setSlot(null);
                    }}
                  >
                    <For each={slots()?.days ?? []}>{(d) => <option value={d.day}>{formatDay(d.day, lang())}</option>}</For>
                  </select>
                </label>
                <fieldset class="radios">
                  <legend>{t("visit.window")}</legend>
                  <For each={chosenDay()?.slots ?? []}>
                    {(s) => (
                      <label>
                        <input
                          type="radio"
                          name="slot"
                          value={s.slot}
                          checked={slot() === s.slot}
                          disabled={s.free === 0 || s.current}
                          onChange={() => setSlot(s.slot)}
                        />
                        {slotText(s.slot)} —{" "}
                        {s.current ? t("visit.current") : s.free === 0 ? t("visit.full") : t("visit.free", { n: String(s.free) })}
                      </label>
                    )}
                  </For>
                </fieldset>
                <ProblemAlert problem={move.problem()} />
                <div class="actions">
                  <button
                    type="submit"
                    class="button button--primary"
                    disabled={!slot() || move.busy() || !online()}
                    aria-busy={move.busy()}
                  >
                    {t("visit.confirm")}
                  </button>
                  <button type="button" class="button" onClick={() => setOpen(false)}>
                    {t("visit.keep")}
                  </button>
                </div>
              </form>
            </Show>
          </Show>
        </Show>
      </Show>
    </section>
  );
}
