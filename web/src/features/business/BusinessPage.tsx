import { A, useNavigate, useSearchParams } from "@solidjs/router";
import { createResource, createSignal, For, lazy, Show } from "solid-js";
import { Loadable } from "../../app/Loadable";
import { useI18n } from "../../i18n";
import { useStrings } from "../../i18n/local";
import { createAction } from "../../lib/createAction";
import { formatPhone } from "../../lib/format";
import { Field } from "../auth/fields";
import { ProblemAlert } from "../auth/ProblemAlert";
import { useSession } from "../auth/SessionContext";
import { regionApi } from "../region/regionApi";
import { businessApi, rememberOrganisation } from "./business.api";
import { businessStrings } from "./strings";

const BUSINESS_LINES = new Set(["b2b_hotline", "b2b_smb", "b2b_enterprise"]);
// The public business sections load after the page's first render, each as it is needed (Lighthouse: no heavy first screen).
const BusinessTariffs = lazy(() => import("./PublicBusiness").then((m) => ({ default: m.BusinessTariffs })));
const BusinessOffices = lazy(() => import("./PublicBusiness").then((m) => ({ default: m.BusinessOffices })));
const BusinessChat = lazy(() => import("./PublicBusiness").then((m) => ({ default: m.BusinessChat })));

/** The organisations of the logged-in person, to open one (the context switch), and the two ways to join one. */
function Cabinet() {
  const s = useStrings(businessStrings);
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [mine, { refetch }] = createResource(businessApi.mine);
  const accept = createAction();
  const join = createAction();
  const [codeSent, setCodeSent] = createSignal(false);
  const [inn, setInn] = createSignal("");
  const open = (orgId: string) => {
    rememberOrganisation(orgId);
    navigate(`/business/${encodeURIComponent(orgId)}`);
  };
  const onAccept = (e: SubmitEvent) => {
    e.preventDefault();
    const code = String(new FormData(e.currentTarget as HTMLFormElement).get("code") ?? "");
    void accept.run(async () => open((await businessApi.acceptInvite(code)).orgId));
  };
  const onJoin = (e: SubmitEvent) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    if (!codeSent()) {
      setInn(String(form.get("inn") ?? ""));
      void join.run(async () => {
        await businessApi.joinStart(inn());
        setCodeSent(true);
        return s("codeSent");
      });
    } else void join.run(async () => open((await businessApi.joinConfirm(inn(), String(form.get("code") ?? ""))).orgId));
  };
  const invite = () => {
    const v = params.invite;
    return typeof v === "string" ? v : "";
  };
  return (
    <>
      <section aria-labelledby="my-orgs">
        <h3 id="my-orgs">{s("myOrganisations")}</h3>
        <Loadable resource={mine} onRetry={refetch}>
          {(items) => (
            <Show when={items.length > 0} fallback={<p>{s("noOrganisations")}</p>}>
              <ul class="list">
                <For each={items}>
                  {(o) => (
                    <li class="list__row">
                      <span>
                        <strong>{o.name}</strong>
                        <br />
                        <small class="muted">
                          {s("innLabel")} {o.inn} · {s(`role.${o.role}`)}
                        </small>
                      </span>
                      <A href={`/business/${encodeURIComponent(o.id)}`} onClick={() => rememberOrganisation(o.id)}>
                        {s("open")}
                      </A>
                    </li>
                  )}
                </For>
              </ul>
            </Show>
          )}
        </Loadable>
      </section>
      <section aria-labelledby="accept-invite">
        <h3 id="accept-invite">{s("acceptTitle")}</h3>
        <p>{s("acceptLead")}</p>
        <form class="form" onSubmit={onAccept}>
          <Field
            label={s("inviteCode")}
            name="code"
            problem={accept.problem()}
            value={invite()}
            autocomplete="off"
            required
            maxLength={20}
          />
          <ProblemAlert problem={accept.problem()} />
          <button type="submit" class="button button--primary" disabled={accept.busy()}>
            {s("accept")}
          </button>
        </form>
      </section>
      <section aria-labelledby="join-org">
        <h3 id="join-org">{s("joinTitle")}</h3>
        <p>{s("joinLead")}</p>
        <form class="form" onSubmit={onJoin}>
          <Field label={s("inn")} name="inn" problem={join.problem()} inputMode="numeric" required maxLength={14} readOnly={codeSent()} />
          <Show when={codeSent()}>
            <Field
              label={s("code")}
              name="code"
              problem={join.problem()}
              inputMode="numeric"
              autocomplete="one-time-code"
              required
              maxLength={6}
            />
          </Show>
          <ProblemAlert problem={join.problem()} />
          <Show when={join.done()}>
            <p role="status">{join.done()}</p>
          </Show>
          <button type="submit" class="button" disabled={join.busy()}>
            {codeSent() ? s("confirm") : s("sendCode")}
          </button>
        </form>
      </section>
    </>
  );
}

/** «Бизнесу» on every regional site: the business lines, chat and offices; the corporate cabinet for those logged in. */
export default function BusinessPage() {
  const { t } = useI18n();
  const s = useStrings(businessStrings);
  const { profile } = useSession();
  const [contacts, { refetch }] = createResource(regionApi.contacts);
  return (
    <>
      <h1>{s("title")}</h1>
      <p>{s("lead")}</p>
      <section aria-labelledby="b2b-lines">
        <h2 id="b2b-lines">{s("lines")}</h2>
        <Loadable resource={contacts} onRetry={refetch}>
          {(items) => (
            <ul class="list">
              <For each={items.filter((c) => BUSINESS_LINES.has(c.kind))}>
                {(c) => (
                  <li class="list__row">
                    <span>{t(`contacts.kind.${c.kind}`)}</span>
                    <a class="phone" href={`tel:${c.phone}`}>
                      {formatPhone(c.phone)}
                    </a>
                  </li>
                )}
              </For>
              <li class="list__row">
                <span>{s("chat")}</span>
                <a href="#b2b-chat">{s("chatLink")}</a>
              </li>
              <li class="list__row">
                <span>{s("offices")}</span>
                <A href="/offices?kind=b2b">{s("officesLink")}</A>
              </li>
            </ul>
          )}
        </Loadable>
      </section>
      <BusinessTariffs />
      <BusinessOffices />
      <BusinessChat />
      <section aria-labelledby="b2b-cabinet">
        <h2 id="b2b-cabinet">{s("cabinet")}</h2>
        <p>{s("cabinetLead")}</p>
        <Show
          when={profile()}
          fallback={
            <Show when={profile.state === "ready"}>
              <p>
                {s("loginFirst")}.{" "}
                <A href="/login" class="button button--primary button--small">
                  {s("login")}
                </A>
              </p>
            </Show>
          }
        >
          <Cabinet />
        </Show>
      </section>
    </>
  );
}
