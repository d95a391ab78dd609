import { A, useParams } from "@solidjs/router";
import { createResource, createSignal, For, Show } from "solid-js";
import { Loadable } from "../../app/Loadable";
import { useI18n } from "../../i18n";
import { createAction } from "../../lib/createAction";
import { formatAccountNo, formatDay, formatMonth, formatRub } from "../../lib/format";
import { useOnline } from "../../lib/online";
import { latestOf } from "../../lib/resource";
import { runOrStepUp } from "../../lib/stepUp";
import { authApi } from "../auth/authApi";
import { CodeField } from "../auth/fields";
import { ProblemAlert } from "../auth/ProblemAlert";
import { RequireLogin } from "../auth/RequireLogin";
import HelpLinks from "../help/HelpLinks";
import type { TariffDto } from "../region/regionApi";
import { LineCheck } from "./LineCheck";
import { PackageMeters } from "./PackageMeters";
import { type ApplicationDto, type BlockQuoteDto, servicesApi, type TariffOfferDto } from "./servicesApi";

const signed = (kop: number, lang: "ru" | "en") => `${kop > 0 ? "+" : ""}${formatRub(kop, lang)}`;

function Specs(props: { tariff: TariffDto }) {
  const { t } = useI18n();
  const parts = () =>
    [
      props.tariff.speedMbps ? t("tariffs.speed", { n: props.tariff.speedMbps }) : null,
      props.tariff.tvChannels ? t("tariffs.channels", { n: props.tariff.tvChannels }) : null,
      props.tariff.minutes ? t("services.minutes", { n: props.tariff.minutes }) : null,
      props.tariff.dataGb ? t("tariffs.data", { n: props.tariff.dataGb }) : null,
    ].filter(Boolean);
  return <span class="muted">{parts().join(" · ")}</span>;
}

/** Tariff change: the current tariff against the others, what the change costs and when, confirmed with an SMS code. */
function TariffChange(props: { offer: TariffOfferDto; onDone: (message: string) => void }) {
  const { t, lang } = useI18n();
  const online = useOnline();
  const [chosen, setChosen] = createSignal<string | null>(null);
  const [stage, setStage] = createSignal<"pick" | "code">("pick");
  const a = createAction();
  const cancel = createAction();
  const alt = () => props.offer.alternatives.find((x) => x.id === chosen());
  const confirm = (e: SubmitEvent) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    const id = chosen();
    if (!id) return;
    void a.run(async () => {
      if (stage() === "code") {
        await authApi.verifyStepUp(String(f.get("code") ?? ""));
        setStage("pick");
      }
      let result: Awaited<ReturnType<typeof servicesApi.changeTariff>> | undefined;
      const ran = await runOrStepUp(
        async () => {
          result = await servicesApi.changeTariff(props.offer.accountNo, props.offer.serviceId, id);
        },
        () => setStage("code"),
      );
      if (!ran || !result) return undefined;
      // The offer is loaded again (it now shows the pending change): the message lives on the page, not in this form.
      props.onDone(
        result.applicationId
          ? t("services.change.application")
          : t("services.change.scheduled", { day: formatDay(result.effectiveDay ?? "", lang()) }),
      );
      return undefined;
    });
  };
  return (
    <section aria-labelledby="tariff-change">
      <h2 id="tariff-change">{t("services.change.title")}</h2>
      <p>
        {t("services.current")}: <strong>{props.offer.current.name[lang()]}</strong> —{" "}
        {t("services.monthly", { amount: formatRub(props.offer.current.priceKop, lang()) })} <Specs tariff={props.offer.current} />
      </p>
      <Show when={props.offer.pending}>
        {(p) => (
          <div class="notice pending-change">
            <p id="pending-change">
              {p().status === "waiting"
                ? t("services.pending.waiting")
                : t("services.pending.scheduled", {
                    name: props.offer.alternatives.find((x) => x.id === p().toTariffId)?.name[lang()] ?? p().toTariffId,
                    day: formatDay(p().effectiveDay, lang()),
                  })}
            </p>
            {/* A change waiting for a technician is its application: withdrawn below, with the service's requests. */}
            <Show when={p().status === "scheduled"}>
              <button
                type="button"
                class="button button--small"
                aria-describedby="pending-change"
                disabled={cancel.busy() || !online()}
                aria-busy={cancel.busy()}
                onClick={() =>
                  void cancel.run(async () => {
                    await servicesApi.cancelChange(props.offer.accountNo, props.offer.serviceId);
                    props.onDone(t("services.pending.cancelled"));
                  })
                }
              >
                {t("services.pending.cancel")}
              </button>
            </Show>
            <ProblemAlert problem={cancel.problem()} />
          </div>
        )}
      </Show>
      <form class="form" onSubmit={confirm}>
        <fieldset class="radios tariff-choice">
          <legend>{t("services.change.pick")}</legend>
          <For each={props.offer.alternatives}>
            {(x) => (
              <label>
                <input type="radio" name="tariff" value={x.id} checked={chosen() === x.id} onChange={() => setChosen(x.id)} />
                <span>
                  <strong>{x.name[lang()]}</strong> — {t("services.monthly", { amount: formatRub(x.priceKop, lang()) })}{" "}
                  <Specs tariff={x} />
                  <br />
                  <small>
                    {t("services.diff", { month: signed(x.monthlyDiffKop, lang()), rest: signed(x.restOfMonthDiffKop, lang()) })}
                    {x.needsTechnician ? ` ${t("services.technician")}` : ""}
                  </small>
                </span>
              </label>
            )}
          </For>
        </fieldset>
        <Show when={alt()}>
          {(x) => (
            <p class="notice" role="status">
              {x().needsTechnician
                ? t("services.confirm.technician", { name: x().name[lang()] })
                : t("services.confirm", {
                    name: x().name[lang()],
                    day: formatDay(props.offer.effectiveDay, lang()),
                    rest: signed(x().restOfMonthDiffKop, lang()),
                  })}
            </p>
          )}
        </Show>
        <Show when={stage() === "code"}>
          <CodeField problem={a.problem()} notice={t("services.codeSent")} />
        </Show>
        <ProblemAlert problem={a.problem()} />
        <Show when={a.done()}>
          <p class="notice" role="status">
            {a.done()}
          </p>
        </Show>
        <button type="submit" class="button button--primary" disabled={!chosen() || a.busy() || !online()} aria-busy={a.busy()}>
          {stage() === "code" ? t("services.confirmCode") : t("services.change.submit")}
        </button>
        <Show when={!online()}>
          <p class="small muted">{t("services.offline")}</p>
        </Show>
      </form>
    </section>
  );
}

/** The advisor: the last three months of usage on every tariff, what each would have cost. */
function Advisor(props: { accountNo: string; serviceId: string }) {
  const { t, lang } = useI18n();
  const [advice, { refetch }] = createResource(
    () => [props.accountNo, props.serviceId] as const,
    ([no, id]) => servicesApi.advisor(no, id),
  );
  return (
    <section aria-labelledby="advisor">
      <h2 id="advisor">{t("advisor.title")}</h2>
      <p class="muted">{t("advisor.lead")}</p>
      <Loadable resource={advice} onRetry={refetch}>
        {(a) => (
          <section class="table-scroll" tabindex="0" aria-labelledby="advisor-caption">
            <table class="history history--cards">
              <caption id="advisor-caption" class="visually-hidden">
                {t("advisor.title")}
              </caption>
              <thead>
                <tr>
                  <th scope="col">{t("advisor.tariff")}</th>
                  <For each={a.months}>
                    {(m) => (
                      <th scope="col" class="num">
                        {formatMonth(m.month, lang())}
                      </th>
                    )}
                  </For>
                  <th scope="col" class="num">
                    {t("advisor.total")}
                  </th>
                </tr>
              </thead>
              <tbody>
                <For each={a.options}>
                  {(o) => (
                    <tr classList={{ best: o.tariff.id === a.best }}>
                      <th scope="row">
                        {o.tariff.name[lang()]}
                        {o.current ? ` (${t("advisor.current")})` : ""}
                        {o.slower ? ` (${t("advisor.slower")})` : ""}
                        {o.tariff.id === a.best ? ` — ${t("advisor.best")}` : ""}
                      </th>
                      <For each={o.months}>
                        {(m) => (
                          <td class="num" data-label={formatMonth(m.month, lang())}>
                            {formatRub(m.totalKop, lang())}
                          </td>
                        )}
                      </For>
                      <td class="num" data-label={t("advisor.total")}>
                        <strong>{formatRub(o.totalKop, lang())}</strong>
                        <Show when={o.savingKop > 0}>
                          <br />
                          <small>{t("advisor.saving", { amount: formatRub(o.savingKop, lang()) })}</small>
                        </Show>
                      </td>
                    </tr>
                  )}
                </For>
              </tbody>
            </table>
          </section>
        )}
      </Loadable>
    </section>
  );
}

const isoDay = (d: Date) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;

/** Voluntary block on a calendar: the exact saving and fee before confirming, with the rules. */
function Block(props: { accountNo: string; serviceId: string }) {
  const { t, lang } = useI18n();
  const online = useOnline();
  const start = new Date(Date.now() + 2 * 86_400_000);
  const [from, setFrom] = createSignal(isoDay(start));
  const [to, setTo] = createSignal(isoDay(new Date(start.getTime() + 13 * 86_400_000)));
  const [quote, { refetch: refetchQuote }] = createResource(
    () => [from(), to()] as const,
    ([f, tt]) =>
      f && tt ? servicesApi.blockQuote(props.accountNo, props.serviceId, f, tt) : Promise.resolve(null as BlockQuoteDto | null),
  );
  const [blocks, { refetch }] = createResource(() => props.accountNo, servicesApi.blocks);
  const a = createAction();
  const mine = () => (latestOf(blocks) ?? []).filter((b) => b.serviceId === props.serviceId);
  const order = (e: SubmitEvent) => {
    e.preventDefault();
    void a.run(async () => {
      const b = await servicesApi.block(props.accountNo, props.serviceId, from(), to());
      // The quote counts the service's blocks (days used this year, the fee): it changes with them.
      await Promise.all([refetch(), refetchQuote()]);
      return t("block.ordered", { number: b.number });
    });
  };
  return (
    <section aria-labelledby="block-title">
      <h2 id="block-title">{t("block.title")}</h2>
      <form class="form" onSubmit={order}>
        <div class="filters">
          <label class="field">
            <span>{t("block.from")}</span>
            <input
              type="date"
              name="from"
              required
              value={from()}
              min={latestOf(quote)?.earliest}
              onInput={(e) => setFrom(e.currentTarget.value)}
            />
          </label>
          <label class="field">
            <span>{t("block.to")}</span>
            <input type="date" name="to" required value={to()} min={from()} onInput={(e) => setTo(e.currentTarget.value)} />
          </label>
        </div>
        <Show when={latestOf(quote)}>
          {(q) => (
            <div class="notice" role="status" aria-live="polite">
              <p>
                <strong>{t("block.saving", { amount: formatRub(q().savingKop, lang()), days: q().days })}</strong>
              </p>
              <p class="small">{t("block.breakdown", { saved: formatRub(q().savedKop, lang()), fee: formatRub(q().feeKop, lang()) })}</p>
              <p class="small muted">
                {t("block.rules", {
                  min: q().rules.minDays,
                  max: q().rules.maxDays,
                  year: q().rules.maxDaysPerYear,
                  free: q().rules.freeDaysPerYear,
                  fee: formatRub(q().rules.feePerDayKop, lang()),
                  used: q().usedThisYear,
                })}
              </p>
              <Show when={q().errors.length > 0}>
                <ul class="field__error">
                  <For each={q().errors}>
                    {(e) => (
                      <li>
                        {t(`block.error.${e.replace("field.block.", "")}` as "block.error.length", {
                          min: q().rules.minDays,
                          max: q().rules.maxDays,
                          perYear: q().rules.maxDaysPerYear,
                        })}
                      </li>
                    )}
                  </For>
                </ul>
              </Show>
            </div>
          )}
        </Show>
        <ProblemAlert problem={a.problem()} />
        <Show when={a.done()}>
          <p class="notice" role="status">
            {a.done()}
          </p>
        </Show>
        <button type="submit" class="button button--primary" disabled={a.busy() || !online() || (latestOf(quote)?.errors.length ?? 1) > 0}>
          {t("block.submit")}
        </button>
      </form>
      <Show when={mine().length > 0}>
        <ul class="list">
          <For each={mine()}>
            {(b) => (
              <li class="list__row">
                <span>
                  {t("block.period", { from: formatDay(b.fromDay, lang()), to: formatDay(b.toDay, lang()) })} ·{" "}
                  {t(`block.status.${b.status}` as "block.status.scheduled")}
                </span>
                <button
                  type="button"
                  class="button button--small"
                  disabled={!online()}
                  onClick={() =>
                    void a.run(async () => {
                      await servicesApi.endBlock(props.accountNo, b.id);
                      await Promise.all([refetch(), refetchQuote()]);
                    })
                  }
                >
                  {b.status === "active" ? t("block.endNow") : t("block.cancel")}
                </button>
              </li>
            )}
          </For>
        </ul>
      </Show>
    </section>
  );
}

const OPEN = ["received", "in_work", "technician_assigned"];

/**
 * The service's open applications (a disconnection, a tariff change waiting for
 * a technician) with their status and a way to withdraw them, and the
 * disconnection request itself, offered only while none is open.
 */
export function ServiceRequests(props: {
  accountNo: string;
  serviceId: string;
  name: string;
  /** A tariff change's application was withdrawn: the page says so and loads the tariff offer again. */
  onTariffChange: (message: string) => void;
}) {
  const { t, lang } = useI18n();
  const online = useOnline();
  const [asked, setAsked] = createSignal(false);
  const [apps, { refetch }] = createResource(
    () => props.serviceId,
    async (id) => (await servicesApi.applications()).filter((x) => x.serviceId === id && x.kind !== "block" && OPEN.includes(x.status)),
  );
  const a = createAction();
  const disconnecting = () => (apps.latest ?? []).some((x) => x.kind === "disconnection");
  const ask = () =>
    void a.run(async () => {
      try {
        await servicesApi.apply({ kind: "disconnection", accountNo: props.accountNo, serviceId: props.serviceId });
        return t("disconnect.received");
      } finally {
        // Accepted or refused (one was already open, from another tab): the list shows the request that is open.
        setAsked(false);
        await refetch();
      }
    });
  const withdraw = (x: ApplicationDto) =>
    void a.run(async () => {
      await servicesApi.cancel(x.id);
      if (x.kind === "tariff_change") {
        // Its waiting change is dropped with it: the page redraws with the offer, message included.
        props.onTariffChange(t("disconnect.withdrawn", { number: x.number }));
        return undefined;
      }
      await refetch();
      return t("disconnect.withdrawn", { number: x.number });
    });
  return (
    <section aria-labelledby="disconnect-title">
      <h2 id="disconnect-title">{t("disconnect.title")}</h2>
      <p class="muted">{t("disconnect.lead")}</p>
      <Loadable resource={apps} onRetry={refetch}>
        {(list) => (
          <>
            <Show when={list.length > 0}>
              <h3 class="small">{t("disconnect.open")}</h3>
              <ul class="list">
                <For each={list}>
                  {(x) => (
                    <li class="list__row">
                      <span>
                        <a href={`/applications/${x.id}`}>{t("apps.number", { number: x.number })}</a> · {x.kindLabel[lang()]} ·{" "}
                        {t("apps.status")}: <strong>{x.statusLabel[lang()]}</strong>
                      </span>
                      <Show when={x.next.includes("cancelled")}>
                        <button type="button" class="button button--small" disabled={a.busy() || !online()} onClick={() => withdraw(x)}>
                          {t("apps.cancel")}
                        </button>
                      </Show>
                    </li>
                  )}
                </For>
              </ul>
            </Show>
            <ProblemAlert problem={a.problem()} />
            <Show when={a.done()}>
              <p class="notice" role="status">
                {a.done()}
              </p>
            </Show>
            <Show when={!disconnecting()}>
              <Show
                when={asked()}
                fallback={
                  <button type="button" class="button" disabled={!online()} onClick={() => setAsked(true)}>
                    {t("disconnect.ask", { name: props.name })}
                  </button>
                }
              >
                <p role="alert">{t("disconnect.confirm", { name: props.name })}</p>
                <button type="button" class="button button--danger" disabled={a.busy() || !online()} aria-busy={a.busy()} onClick={ask}>
                  {t("disconnect.yes")}
                </button>{" "}
                <button type="button" class="button" onClick={() => setAsked(false)}>
                  {t("disconnect.no")}
                </button>
              </Show>
            </Show>
          </>
        )}
      </Loadable>
    </section>
  );
}

/** What the service page shows once the subscriber is known: the tariff and its change, the advisor, a block, the requests. */
export function ServiceView(props: { accountNo: string; serviceId: string }) {
  const { lang } = useI18n();
  const [offer, { refetch }] = createResource(
    () => [props.accountNo, props.serviceId] as const,
    ([no, sid]) => servicesApi.offer(no, sid),
  );
  const blockable = (kind: string) => kind !== "mobile";
  const homeLine = (t: TariffDto) => t.kind === "internet" || (t.kind === "bundle" && !!t.speedMbps);
  const [notice, setNotice] = createSignal<string | null>(null);
  return (
    <Loadable resource={offer} onRetry={refetch}>
      {(o) => (
        <>
          <h1>{o.current.name[lang()]}</h1>
          <Show when={notice()}>
            <p class="notice" role="status">
              {notice()}
            </p>
          </Show>
          <Show when={o.current.kind === "mobile"}>
            <PackageMeters accountNo={props.accountNo} serviceId={props.serviceId} />
          </Show>
          <Show when={homeLine(o.current)}>
            <LineCheck accountNo={props.accountNo} serviceId={props.serviceId} />
          </Show>
          <TariffChange
            offer={o}
            onDone={(message) => {
              setNotice(message);
              void refetch();
            }}
          />
          <Advisor accountNo={props.accountNo} serviceId={props.serviceId} />
          <Show when={blockable(o.current.kind)}>
            <Block accountNo={props.accountNo} serviceId={props.serviceId} />
          </Show>
          <ServiceRequests
            accountNo={props.accountNo}
            serviceId={props.serviceId}
            name={o.current.name[lang()]}
            onTariffChange={(message) => {
              setNotice(message);
              void refetch();
            }}
          />
        </>
      )}
    </Loadable>
  );
}

/** A service of an account: change the tariff (with the advisor), block it for a while, or disconnect it. */
export default function ServicePage() {
  const { t } = useI18n();
  const params = useParams<{ no: string; sid: string }>();
  return (
    <RequireLogin>
      {() => (
        <>
          <p class="small">
            <A href={`/accounts/${params.no}`}>
              ← {t("account.number")} {formatAccountNo(params.no)}
            </A>
          </p>
          <ServiceView accountNo={params.no} serviceId={params.sid} />
          <HelpLinks screen="block" />
        </>
      )}
    </RequireLogin>
  );
}
