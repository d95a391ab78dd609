import { A, useNavigate, useParams } from "@solidjs/router";
import { createResource, createSignal, createUniqueId, For, type JSX, lazy, Show } from "solid-js";
import { Loadable } from "../../app/Loadable";
import { useI18n } from "../../i18n";
import { useStrings } from "../../i18n/local";
import { createAction, createRowAction, type RowAction } from "../../lib/createAction";
import { formatMoment, formatPhone, formatRub } from "../../lib/format";
import { latestOf } from "../../lib/resource";
import { Field } from "../auth/fields";
import { ProblemAlert } from "../auth/ProblemAlert";
import { RequireLogin } from "../auth/RequireLogin";
import { AUDIT_KINDS, type AuditFilter } from "./auditFilter";
import { businessApi, type EmployeeDto, ORG_ROLES, type OrgRole, rememberOrganisation } from "./business.api";
import { SiteChoice } from "./SiteScope";
import { type SiteDto, sitesApi } from "./sitesApi";
import { sitesStrings } from "./sitesStrings";
import { businessStrings } from "./strings";

type Tab = "card" | "accounts" | "employees" | "audit" | "documents" | "numbers" | "support";
const TABS: {
  tab: Tab;
  path: string;
  key: "tabCard" | "tabAccounts" | "tabEmployees" | "tabAudit" | "tabDocuments" | "tabNumbers" | "tabSupport";
}[] = [
  { tab: "card", path: "", key: "tabCard" },
  { tab: "accounts", path: "/accounts", key: "tabAccounts" },
  { tab: "employees", path: "/employees", key: "tabEmployees" },
  { tab: "audit", path: "/audit", key: "tabAudit" },
  { tab: "numbers", path: "/numbers", key: "tabNumbers" },
  { tab: "documents", path: "/documents", key: "tabDocuments" },
  { tab: "support", path: "/support", key: "tabSupport" },
];
/** Business support (chat, requests) is for the roles with the support right; the viewer has the manager on the card. */
const SUPPORT_ROLES: readonly OrgRole[] = ["administrator", "accountant", "manager"];
/** Sections every member sees; the others are an administrator's, «Документы» an accountant's too, «Поддержка» per role. */
const tabShown = (tab: Tab, role: OrgRole | undefined) =>
  tab === "card" ||
  tab === "accounts" ||
  tab === "numbers" ||
  role === "administrator" ||
  (tab === "documents" && role === "accountant") ||
  (tab === "support" && role !== undefined && SUPPORT_ROLES.includes(role));
// Loaded with the screen that shows them, not with the cabinet's first screen.
const ManagerCard = lazy(() => import("./OrgSupport").then((m) => ({ default: m.ManagerCard })));
const OrgSupport = lazy(() => import("./OrgSupport").then((m) => ({ default: m.OrgSupport })));

/**
 * The frame of the corporate cabinet's screens: the organisation's name, the switch between the person's
 * organisations and their private cabinet, and the sections (employees and the log only for administrators).
 */
export function OrgFrame(props: { tab: Tab; children: (orgId: string) => JSX.Element }) {
  const s = useStrings(businessStrings);
  const params = useParams();
  const navigate = useNavigate();
  const orgId = () => params.id ?? "";
  const switchId = `org-switch-${createUniqueId()}`;
  const [mine] = createResource(businessApi.mine);
  const current = () => mine.latest?.find((o) => o.id === orgId());
  const onSwitch = (e: Event) => {
    const value = (e.currentTarget as HTMLSelectElement).value;
    rememberOrganisation(value || null);
    navigate(value ? `/business/${encodeURIComponent(value)}` : "/accounts");
  };
  return (
    <RequireLogin>
      {() => (
        <>
          <h1>{current()?.name ?? s("cabinet")}</h1>
          <Show when={(mine.latest ?? []).length > 0}>
            <div class="field">
              <label for={switchId}>{s("switchTo")}</label>
              <select id={switchId} onChange={onSwitch} value={orgId()}>
                <option value="">{s("private")}</option>
                <For each={mine.latest ?? []}>{(o) => <option value={o.id}>{o.name}</option>}</For>
              </select>
            </div>
          </Show>
          <nav aria-label={s("sections")}>
            <ul class="chips">
              <For each={TABS.filter((t) => tabShown(t.tab, current()?.role))}>
                {(t) => (
                  <li>
                    <A
                      href={`/business/${encodeURIComponent(orgId())}${t.path}`}
                      aria-current={t.tab === props.tab ? "page" : undefined}
                      end
                    >
                      {s(t.key)}
                    </A>
                  </li>
                )}
              </For>
            </ul>
          </nav>
          {props.children(orgId())}
        </>
      )}
    </RequireLogin>
  );
}

/** The organisation's card: kind, requisites, addresses, bank details, the caller's role. */
export function OrgCardPage() {
  const s = useStrings(businessStrings);
  return (
    <OrgFrame tab="card">
      {(orgId) => {
        const [org, { refetch }] = createResource(() => orgId, businessApi.organisation);
        return (
          <Loadable resource={org} onRetry={refetch}>
            {(o) => (
              <section aria-labelledby="org-card">
                <h2 id="org-card">{o.kind === "legal" ? s("kindLegal") : s("kindEntrepreneur")}</h2>
                <p>{s("role", { role: s(`role.${o.role}`) })}</p>
                <Show when={o.limited}>
                  <p class="muted">{s("limited")}</p>
                </Show>
                <dl class="list">
                  <div class="list__row">
                    <dt>{s("innLabel")}</dt>
                    <dd>{o.inn}</dd>
                  </div>
                  <Show when={o.kpp}>
                    <div class="list__row">
                      <dt>{s("kppLabel")}</dt>
                      <dd>{o.kpp}</dd>
                    </div>
                  </Show>
                  <div class="list__row">
                    <dt>{o.kind === "legal" ? s("ogrnLabel") : s("ogrnipLabel")}</dt>
                    <dd>{o.ogrn}</dd>
                  </div>
                  <div class="list__row">
                    <dt>{s("legalAddress")}</dt>
                    <dd>{o.legalAddress}</dd>
                  </div>
                  <div class="list__row">
                    <dt>{s("postalAddress")}</dt>
                    <dd>{o.postalAddress}</dd>
                  </div>
                  <div class="list__row">
                    <dt>{s("bank")}</dt>
                    <dd>{o.bank.name}</dd>
                  </div>
                  <div class="list__row">
                    <dt>{s("bik")}</dt>
                    <dd>{o.bank.bik}</dd>
                  </div>
                  <div class="list__row">
                    <dt>{s("settlementAccount")}</dt>
                    <dd>{o.bank.settlementAccount}</dd>
                  </div>
                </dl>
                <p>
                  <A href={`/business/${encodeURIComponent(o.id)}/accounts`}>{s("accountCount", { n: o.accountCount })}</A>
                </p>
                <ManagerCard orgId={o.id} />
              </section>
            )}
          </Loadable>
        );
      }}
    </OrgFrame>
  );
}

/** The organisation's accounts across regions with balances, a page at a time («Показать ещё»). */
/**
 * A cursor-paged list of an organisation: the first page as a resource, and «Показать ещё» appending the next
 * ones (`extra`) from the cursor the last page gave.
 */
function createPaged<P extends { items: unknown[]; nextCursor: string | null }>(
  orgId: string,
  fetchPage: (orgId: string, cursor?: string | null) => Promise<P>,
) {
  const [first, { refetch }] = createResource(
    () => orgId,
    (id) => fetchPage(id),
  );
  const [extra, setExtra] = createSignal<P["items"]>([]);
  const [cursor, setCursor] = createSignal<string | null | undefined>(undefined);
  const more = createAction();
  const next = () => (cursor() === undefined ? first.latest?.nextCursor : cursor());
  const loadMore = () =>
    more.run(async () => {
      const page = await fetchPage(orgId, next());
      setExtra([...extra(), ...page.items]);
      setCursor(page.nextCursor);
    });
  return { first, refetch, extra, more, next, loadMore };
}

/**
 * One employee: role, sites, «Сохранить» and «Удалить». The action (busy, problem, «Сохранено») is the list's
 * (`action`, shown in the row it was for): the list is fetched again after a change, which redraws this row.
 */
function EmployeeRow(props: {
  orgId: string;
  member: EmployeeDto;
  sites: SiteDto[] | undefined;
  action: RowAction;
  onChanged: () => void;
}) {
  const s = useStrings(businessStrings);
  const ss = useStrings(sitesStrings);
  const action = props.action;
  const id = props.member.subscriberId;
  const [role, setRole] = createSignal<OrgRole>(props.member.role);
  // The sites the employee is limited to (none: no site limit); sent as they are, so a role change keeps them.
  const [siteIds, setSiteIds] = createSignal<string[]>([...(props.member.siteIds ?? [])].sort());
  const sitesChanged = () => siteIds().join() !== [...(props.member.siteIds ?? [])].sort().join();
  const save = () =>
    action.runFor(id, async () => {
      const limited = role() !== "administrator" && siteIds().length > 0;
      await businessApi.changeEmployee(props.orgId, id, {
        role: role(),
        accountNos: role() === "administrator" ? null : props.member.accountNos,
        ...(limited ? { siteIds: siteIds() } : {}),
      });
      props.onChanged();
      return s("saved");
    });
  const remove = () => {
    if (!window.confirm(s("removeConfirm", { name: props.member.name }))) return;
    void action.runFor(id, async () => {
      await businessApi.removeEmployee(props.orgId, id);
      props.onChanged();
      return s("removed");
    });
  };
  return (
    <li class="list__row">
      <span>
        <strong>{props.member.name}</strong>
        <br />
        <small class="muted">
          {[props.member.phone ? formatPhone(props.member.phone) : null, props.member.email].filter(Boolean).join(", ")} ·{" "}
          {props.member.accountNos ? s("someAccounts", { n: props.member.accountNos.length }) : null}
          {props.member.accountNos && props.member.siteIds ? ", " : null}
          {props.member.siteIds ? ss("someSites", { n: props.member.siteIds.length }) : null}
          {!props.member.accountNos && !props.member.siteIds ? s("allAccounts") : null}
        </small>
        <Show when={role() !== "administrator"}>
          <details>
            <summary>{ss("access", { name: props.member.name })}</summary>
            <SiteChoice sites={props.sites} name="siteIds" chosen={siteIds()} onChange={setSiteIds} />
          </details>
        </Show>
      </span>
      <span>
        <select
          aria-label={s("roleOf", { name: props.member.name })}
          value={role()}
          onChange={(e) => setRole(e.currentTarget.value as OrgRole)}
        >
          <For each={ORG_ROLES}>{(r) => <option value={r}>{s(`role.${r}`)}</option>}</For>
        </select>{" "}
        <button
          type="button"
          class="button button--small"
          onClick={() => void save()}
          disabled={action.busy() || (role() === props.member.role && !sitesChanged())}
        >
          {s("saveRole")}
        </button>{" "}
        <button type="button" class="button button--small" onClick={remove} disabled={action.busy()}>
          {s("remove")}
        </button>
        <Show when={action.isFor(id)}>
          <ProblemAlert problem={action.problem()} />
          <Show when={action.done()}>
            <small role="status">{action.done()}</small>
          </Show>
        </Show>
      </span>
    </li>
  );
}

/** Employees with roles, pending invitations, and the invitation form (administrators). */
export function OrgEmployeesPage() {
  const { lang } = useI18n();
  const s = useStrings(businessStrings);
  return (
    <OrgFrame tab="employees">
      {(orgId) => {
        const [list, { refetch }] = createResource(() => orgId, businessApi.employees);
        const [sites] = createResource(() => orgId, sitesApi.sites);
        const roleId = `invite-role-${createUniqueId()}`;
        const invite = createAction();
        // A change to an employee (and who it was for) outlives the list drawn again after it; «Сотрудник удалён»,
        // whose row is gone then, is said above the list.
        const changing = createRowAction();
        const onInvite = (e: SubmitEvent) => {
          e.preventDefault();
          const form = e.currentTarget as HTMLFormElement;
          const data = new FormData(form);
          const accounts = String(data.get("accountNos") ?? "")
            .split(/[,;\s]+/)
            .filter(Boolean);
          const siteIds = data.getAll("siteIds").map(String);
          void invite.run(async () => {
            await businessApi.invite(orgId, {
              contact: String(data.get("contact") ?? ""),
              role: String(data.get("role")) as OrgRole,
              accountNos: accounts.length ? accounts : null,
              ...(siteIds.length ? { siteIds } : {}),
            });
            form.reset();
            void refetch();
            return s("invited");
          });
        };
        return (
          <>
            <section aria-labelledby="org-employees">
              <h2 id="org-employees">{s("employeesTitle")}</h2>
              <Loadable resource={list} onRetry={refetch}>
                {(l) => (
                  <>
                    <Show when={!l.members.some((m) => changing.isFor(m.subscriberId)) && changing.done()}>
                      <p role="status">{changing.done()}</p>
                    </Show>
                    <ul class="list">
                      <For each={l.members}>
                        {(m) => (
                          <EmployeeRow
                            orgId={orgId}
                            member={m}
                            sites={latestOf(sites)}
                            action={changing}
                            onChanged={() => void refetch()}
                          />
                        )}
                      </For>
                    </ul>
                    <Show when={l.invites.length > 0}>
                      <h3>{s("pending")}</h3>
                      <ul class="list">
                        <For each={l.invites}>
                          {(i) => (
                            <li class="list__row">
                              <span>{i.channel === "sms" ? formatPhone(i.contact) : i.contact}</span>
                              <span>
                                {s(`role.${i.role}`)} · {s("until", { date: formatMoment(i.expiresAt, lang()) })}
                              </span>
                            </li>
                          )}
                        </For>
                      </ul>
                    </Show>
                  </>
                )}
              </Loadable>
            </section>
            <section aria-labelledby="org-invite">
              <h2 id="org-invite">{s("inviteTitle")}</h2>
              <form class="form" onSubmit={onInvite}>
                <Field label={s("inviteContact")} name="contact" problem={invite.problem()} required maxLength={254} autocomplete="off" />
                <div class="field">
                  <label for={roleId}>{s("inviteRole")}</label>
                  <select id={roleId} name="role">
                    <For each={ORG_ROLES}>{(r) => <option value={r}>{s(`role.${r}`)}</option>}</For>
                  </select>
                </div>
                <Field label={s("inviteAccounts")} name="accountNos" problem={invite.problem()} autocomplete="off" />
                <SiteChoice sites={latestOf(sites)} failed={sites.state === "errored"} name="siteIds" />
                <ProblemAlert problem={invite.problem()} />
                <Show when={invite.done()}>
                  <p role="status">{invite.done()}</p>
                </Show>
                <button type="submit" class="button button--primary" disabled={invite.busy()}>
                  {s("send")}
                </button>
              </form>
            </section>
          </>
        );
      }}
    </OrgFrame>
  );
}

/** How many accounts a payment's audit entry splits its amount across (0 when it is not a payment). */
const splitSize = (details: Record<string, unknown> | null) => (Array.isArray(details?.split) ? details.split.length : 0);

/** The audit log, newest first, a page at a time (administrators). */
export function OrgAuditPage() {
  const { lang } = useI18n();
  const s = useStrings(businessStrings);
  const actionName = (a: string) => {
    const key = `action.${a}` as Parameters<typeof s>[0];
    return key in businessStrings.ru ? s(key) : a;
  };
  // The filter shown in the list: a new object on each «Показать», so the list (and its paging) starts again.
  const [applied, setApplied] = createSignal<AuditFilter>({});
  const onFilter = (e: SubmitEvent) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const field = (name: string) => String(form.get(name) ?? "") || undefined;
    setApplied({ kind: field("kind"), actor: field("actor"), from: field("from"), to: field("to") });
  };
  return (
    <OrgFrame tab="audit">
      {(orgId) => {
        // The people to choose from; without them (an error) the choice is simply «Все».
        const [people] = createResource(() => orgId, businessApi.employees);
        return (
          <section aria-labelledby="org-audit">
            <h2 id="org-audit">{s("auditTitle")}</h2>
            <form class="filters" onSubmit={onFilter} aria-label={s("auditFilter")}>
              <div class="field">
                <label for="audit-kind">{s("auditKind")}</label>
                <select id="audit-kind" name="kind">
                  <option value="">{s("auditKindAll")}</option>
                  <For each={AUDIT_KINDS}>{(k) => <option value={k}>{s(`auditKind.${k}`)}</option>}</For>
                </select>
              </div>
              <div class="field">
                <label for="audit-actor">{s("auditActor")}</label>
                <select id="audit-actor" name="actor">
                  <option value="">{s("auditActorAll")}</option>
                  <For each={people.state === "ready" ? people().members : []}>
                    {(m) => <option value={m.subscriberId}>{m.name}</option>}
                  </For>
                </select>
              </div>
              <div class="field">
                <label for="audit-from">{s("auditFrom")}</label>
                <input id="audit-from" name="from" type="date" />
              </div>
              <div class="field">
                <label for="audit-to">{s("auditTo")}</label>
                <input id="audit-to" name="to" type="date" />
              </div>
              <button type="submit" class="button">
                {s("auditApply")}
              </button>
            </form>
            <p>
              {s("auditExport")}:{" "}
              <a href={businessApi.auditExportUrl(orgId, "xlsx", applied())} download="">
                {s("auditExportXlsx")}
              </a>
              {" · "}
              <a href={businessApi.auditExportUrl(orgId, "csv", applied())} download="">
                {s("auditExportCsv")}
              </a>
            </p>
            <Show when={applied()} keyed>
              {(filter) => {
                const { first, refetch, extra, more, next, loadMore } = createPaged(orgId, (id, cursor) =>
                  businessApi.audit(id, cursor, 30, filter),
                );
                return (
                  <Loadable resource={first} onRetry={refetch}>
                    {(p) => (
                      <Show when={p.items.length > 0} fallback={<p role="status">{s("auditEmpty")}</p>}>
                        <section class="table-scroll" tabindex="0" aria-labelledby="org-audit">
                          <table class="history history--cards">
                            <thead>
                              <tr>
                                <th scope="col">{s("when")}</th>
                                <th scope="col">{s("who")}</th>
                                <th scope="col">{s("what")}</th>
                                <th scope="col">{s("from")}</th>
                              </tr>
                            </thead>
                            <tbody>
                              <For each={[...p.items, ...extra()]}>
                                {(e) => (
                                  <tr>
                                    <th scope="row">{formatMoment(e.at, lang())}</th>
                                    <td data-label={s("who")}>{e.actor.name}</td>
                                    <td data-label={s("what")}>
                                      {actionName(e.action)}
                                      <Show when={e.target}>: {e.target}</Show>
                                      <Show when={typeof e.details?.amountKop === "number"}>
                                        {" "}
                                        — {formatRub(e.details?.amountKop as number, lang())}
                                        <Show when={splitSize(e.details) > 1}>, {s("accountCount", { n: splitSize(e.details) })}</Show>
                                      </Show>
                                      <Show when={typeof e.details?.to === "string"}>
                                        {" "}
                                        ({s(`role.${e.details?.from as OrgRole}`)} → {s(`role.${e.details?.to as OrgRole}`)})
                                      </Show>
                                    </td>
                                    <td data-label={s("from")}>{e.address ?? ""}</td>
                                  </tr>
                                )}
                              </For>
                            </tbody>
                          </table>
                        </section>
                        <ProblemAlert problem={more.problem()} />
                        <Show when={next()}>
                          <button type="button" class="button" onClick={() => void loadMore()} disabled={more.busy()}>
                            {more.busy() ? s("loadingMore") : s("more")}
                          </button>
                        </Show>
                      </Show>
                    )}
                  </Loadable>
                );
              }}
            </Show>
          </section>
        );
      }}
    </OrgFrame>
  );
}

/** «Поддержка»: the personal manager or the business lines, the business chat and the organisation's requests. */
export function OrgSupportPage() {
  return <OrgFrame tab="support">{(orgId) => <OrgSupport orgId={orgId} />}</OrgFrame>;
}
