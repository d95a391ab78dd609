import { useNavigate } from "@solidjs/router";
import { createResource, createSignal, For, Show } from "solid-js";
import { useI18n } from "../../i18n";
import { createAction } from "../../lib/createAction";
import { dayInZone, formatRub } from "../../lib/format";
import { useOnline } from "../../lib/online";
import { latestOf } from "../../lib/resource";
import { accountsApi } from "../accounts/accountsApi";
import { fieldError } from "../auth/fields";
import { ProblemAlert } from "../auth/ProblemAlert";
import { useSession } from "../auth/SessionContext";
import HelpLinks from "../help/HelpLinks";
import { useRegion } from "../region/RegionContext";
import { type CoverageDto, servicesApi, type VisitWindow } from "./servicesApi";

const SLOTS = ["09-13", "13-17", "17-21"] as const;

/** «Подключить»: the address availability check, then an application with the tariff and a visit time. */
export default function ConnectPage() {
  const { t, lang } = useI18n();
  const { region } = useRegion();
  const { profile } = useSession();
  const navigate = useNavigate();
  const online = useOnline();
  const [typed, setTyped] = createSignal("");
  const [streets] = createResource(typed, (q) => (q.length >= 2 ? servicesApi.streets(q) : Promise.resolve([])));
  const [result, setResult] = createSignal<CoverageDto | null>(null);
  const [tariffId, setTariffId] = createSignal("");
  const check = createAction();
  const apply = createAction();
  const [accounts] = createResource(
    () => profile() ?? null,
    async () => (await accountsApi.accounts()).items.filter((a) => a.role === "owner" && a.region === region.code),
  );
  const onCheck = (e: SubmitEvent) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    void check.run(async () => {
      const c = await servicesApi.coverage(String(f.get("street") ?? ""), String(f.get("house") ?? ""));
      setResult(c);
      setTariffId(c.tariffs.find((x) => x.kind !== "mobile")?.id ?? "");
    });
  };
  const onApply = (e: SubmitEvent) => {
    e.preventDefault();
    const c = result();
    if (!c) return;
    const f = new FormData(e.currentTarget as HTMLFormElement);
    const accountNo = String(f.get("accountNo") ?? "");
    void apply.run(async () => {
      const app = await servicesApi.apply({
        kind: "connection",
        street: c.street,
        house: c.house,
        flat: String(f.get("flat") ?? "") || undefined,
        tariffId: tariffId(),
        ...(accountNo ? { accountNo } : {}),
        preferredDay: String(f.get("preferredDay") ?? ""),
        // One of the <select>'s windows; the server checks it.
        preferredSlot: String(f.get("preferredSlot") ?? "") as VisitWindow,
        contactPhone: String(f.get("contactPhone") ?? ""),
        comment: String(f.get("comment") ?? "") || undefined,
      });
      navigate(`/applications/${app.id}`);
    });
  };
  return (
    <>
      <h1>{t("connect.title")}</h1>
      <p class="muted">{t("connect.lead", { region: region.name[lang()] })}</p>
      <form class="form" onSubmit={onCheck} aria-label={t("connect.check")}>
        <label class="field">
          <span>{t("connect.street")}</span>
          <input
            name="street"
            required
            autocomplete="address-line1"
            list="connect-streets"
            onInput={(e) => setTyped(e.currentTarget.value)}
          />
          <datalist id="connect-streets">
            <For each={latestOf(streets) ?? []}>{(s) => <option value={s} />}</For>
          </datalist>
          <Show when={fieldError(check.problem(), "street")}>{(m) => <small class="field__error">{m()}</small>}</Show>
        </label>
        <label class="field">
          <span>{t("connect.house")}</span>
          <input name="house" required inputmode="text" autocomplete="off" />
          <Show when={fieldError(check.problem(), "house")}>{(m) => <small class="field__error">{m()}</small>}</Show>
        </label>
        <button type="submit" class="button button--primary" disabled={check.busy() || !online()} aria-busy={check.busy()}>
          {t("connect.check")}
        </button>
      </form>
      <Show when={result()}>
        {(c) => (
          <section aria-labelledby="coverage-result" aria-live="polite">
            <h2 id="coverage-result">
              {c().available ? t("connect.available", { street: c().street, house: c().house }) : t("connect.unavailable")}
            </h2>
            <Show when={c().available} fallback={<p>{t("connect.mobileOnly")}</p>}>
              <ul class="chips">
                <For each={c().technologies}>
                  {(x) => (
                    <li>
                      {t(`connect.tech.${x.technology}`)} · {t("connect.upTo", { mbps: x.maxMbps })}
                      {x.tv ? ` · ${t("connect.tv")}` : ""}
                    </li>
                  )}
                </For>
              </ul>
            </Show>
            <Show when={profile()} fallback={<p>{t("connect.login")}</p>}>
              {(p) => (
                <form class="form" onSubmit={onApply} aria-label={t("connect.apply")}>
                  <fieldset class="radios">
                    <legend>{t("connect.tariff")}</legend>
                    <For each={c().tariffs}>
                      {(x) => (
                        <label>
                          <input
                            type="radio"
                            name="tariffId"
                            value={x.id}
                            checked={tariffId() === x.id}
                            onChange={() => setTariffId(x.id)}
                            required
                          />
                          {x.name[lang()]} — {t("services.monthly", { amount: formatRub(x.priceKop, lang()) })}
                        </label>
                      )}
                    </For>
                  </fieldset>
                  <label class="field">
                    <span>{t("connect.flat")}</span>
                    <input name="flat" inputmode="numeric" autocomplete="off" />
                  </label>
                  <label class="field">
                    <span>{t("connect.account")}</span>
                    <select name="accountNo">
                      <option value="">{t("connect.newAccount")}</option>
                      <For each={latestOf(accounts) ?? []}>
                        {(a) => (
                          <option value={a.accountNo}>
                            {a.accountNo} · {a.address}
                          </option>
                        )}
                      </For>
                    </select>
                  </label>
                  <label class="field">
                    <span>{t("connect.day")}</span>
                    {/* The region's tomorrow, as the server counts it (the browser's was today in Moscow after 21:00 UTC). */}
                    <input
                      type="date"
                      name="preferredDay"
                      required
                      min={dayInZone(region.tz, 1)}
                      max={dayInZone(region.tz, 30)}
                      value={dayInZone(region.tz, 1)}
                    />
                    <Show when={fieldError(apply.problem(), "preferredDay")}>{(m) => <small class="field__error">{m()}</small>}</Show>
                  </label>
                  <label class="field">
                    <span>{t("connect.slot")}</span>
                    <select name="preferredSlot">
                      <For each={SLOTS}>{(s) => <option value={s}>{s.replace("-", ":00–")}:00</option>}</For>
                    </select>
                  </label>
                  <label class="field">
                    <span>{t("connect.phone")}</span>
                    <input name="contactPhone" type="tel" autocomplete="tel" required value={p().phone ?? ""} />
                  </label>
                  <label class="field">
                    <span>{t("connect.comment")}</span>
                    <textarea name="comment" rows="2" maxlength="500" />
                  </label>
                  <ProblemAlert problem={apply.problem()} />
                  <button
                    type="submit"
                    class="button button--primary"
                    disabled={apply.busy() || !online() || !tariffId()}
                    aria-busy={apply.busy()}
                  >
                    {t("connect.apply")}
                  </button>
                </form>
              )}
            </Show>
          </section>
        )}
      </Show>
      <ProblemAlert problem={check.problem()} />
      <HelpLinks screen="connect" />
    </>
  );
}
