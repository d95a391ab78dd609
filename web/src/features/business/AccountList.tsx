import { createResource, createSignal, createUniqueId, For, Show } from "solid-js";
import { SnapshotTime } from "../../app/Freshness";
import { Loadable } from "../../app/Loadable";
import { useI18n } from "../../i18n";
import { useStrings } from "../../i18n/local";
import { createAction } from "../../lib/createAction";
import { formatAccountNo, formatRub } from "../../lib/format";
import { latestOf } from "../../lib/resource";
import { ProblemAlert } from "../auth/ProblemAlert";
import { regionApi } from "../region/regionApi";
import { type AccountFilter, NO_FILTER } from "./accountFilter";
import { businessApi } from "./business.api";
import { OrgFrame } from "./OrgScreens";
import { mayPay, PayLink } from "./PayLink";
import { type AccountListDto, type ListedAccountDto, type SiteDto, sitesApi } from "./sitesApi";
import { sitesStrings } from "./sitesStrings";
import { businessStrings } from "./strings";

const PAGE = 50;
const SORTS: AccountFilter["sort"][] = ["site", "balance", "monthly"];

/** One site's group: its heading row (name, the figures of all its accounts found, rename) and its accounts. */
interface Group {
  id: string | null;
  name: string | null;
  figures: AccountListDto["sites"][number] | undefined;
  items: ListedAccountDto[];
}

/** The loaded accounts in their order, cut into consecutive runs of one site (the server orders by site first). */
function grouped(items: readonly ListedAccountDto[], sites: AccountListDto["sites"]): Group[] {
  const groups: Group[] = [];
  for (const a of items) {
    const last = groups[groups.length - 1];
    if (last && last.id === a.siteId) last.items.push(a);
    else groups.push({ id: a.siteId, name: a.siteName, figures: sites.find((s) => s.id === a.siteId), items: [a] });
  }
  return groups;
}

/** An administrator's inline rename of a site. */
function RenameSite(props: { orgId: string; siteId: string; name: string; onDone: (notice: string) => void }) {
  const s = useStrings(sitesStrings);
  const [open, setOpen] = createSignal(false);
  const action = createAction();
  const inputId = `rename-${createUniqueId()}`;
  const submit = (e: SubmitEvent) => {
    e.preventDefault();
    const name = String(new FormData(e.currentTarget as HTMLFormElement).get("name") ?? "");
    void action.run(async () => {
      await sitesApi.rename(props.orgId, props.siteId, name);
      setOpen(false);
      props.onDone(s("renamed"));
    });
  };
  return (
    <>
      <Show
        when={open()}
        fallback={
          <button type="button" class="button button--small" onClick={() => setOpen(true)}>
            {s("rename")}
          </button>
        }
      >
        <form class="filters" onSubmit={submit}>
          <label class="field" for={inputId}>
            <span>{s("renameSite", { name: props.name })}</span>
            <input id={inputId} name="name" value={props.name} required minLength={2} maxLength={100} autocomplete="off" autofocus />
          </label>
          <button type="submit" class="button button--small" disabled={action.busy()}>
            {s("save")}
          </button>
          <button type="button" class="button button--small" onClick={() => setOpen(false)}>
            {s("cancel")}
          </button>
        </form>
      </Show>
      <ProblemAlert problem={action.problem()} />
    </>
  );
}

/** An administrator's move of one account to another site. */
function MoveAccount(props: { orgId: string; account: ListedAccountDto; sites: SiteDto[]; onDone: (notice: string) => void }) {
  const s = useStrings(sitesStrings);
  const action = createAction();
  const [target, setTarget] = createSignal(props.account.siteId ?? "");

  const move = () =>
    action.run(async () => {
      await sitesApi.move(props.orgId, props.account.accountNo, target());
      props.onDone(s("moved"));
    });
  return (
    <span class="move">
      <select
        aria-label={s("moveTo", { no: formatAccountNo(props.account.accountNo) })}
        value={target()}
        onChange={(e) => setTarget(e.currentTarget.value)}
      >
        <For each={props.sites}>{(site) => <option value={site.id}>{site.name}</option>}</For>
      </select>{" "}
      <button
        type="button"
        class="button button--small"
        disabled={action.busy() || !target() || target() === props.account.siteId}
        onClick={() => void move()}
      >
        {s("move")}
      </button>
      <ProblemAlert problem={action.problem()} />
    </span>
  );
}

/**
 * The organisation's accounts grouped by site: search, filters, order within a site, the totals of everything
 * found (not only what is shown), the export of what is found, and «Показать ещё» for the next page.
 */
function AccountList(props: { orgId: string }) {
  const { lang } = useI18n();
  const s = useStrings(sitesStrings);
  const b = useStrings(businessStrings);
  const [filter, setFilter] = createSignal<AccountFilter>(NO_FILTER);
  const [first, { refetch }] = createResource(
    () => ({ orgId: props.orgId, f: filter() }),
    ({ orgId, f }) => sitesApi.list(orgId, f, 0, PAGE),
  );
  const [extra, setExtra] = createSignal<ListedAccountDto[]>([]);
  const [nextOffset, setNextOffset] = createSignal<number | null | undefined>(undefined);
  // A new search, or a change made here, starts again from the first page.
  const restart = () => {
    setExtra([]);
    setNextOffset(undefined);
  };
  const next = () => (nextOffset() === undefined ? first.latest?.nextOffset : nextOffset());
  const more = createAction();
  const loadMore = () =>
    more.run(async () => {
      const page = await sitesApi.list(props.orgId, filter(), next() ?? 0, PAGE);
      setExtra([...extra(), ...page.items]);
      setNextOffset(page.nextOffset);
    });
  const [mine] = createResource(businessApi.mine);
  const role = () => latestOf(mine)?.find((o) => o.id === props.orgId)?.role;
  const admin = () => role() === "administrator";
  // «Пополнить» for the roles that pay (administrators and accountants), per account and for several.
  const canPay = () => mayPay(role());
  const [sites, { refetch: refetchSites }] = createResource(
    () => (admin() ? props.orgId : false),
    (id) => sitesApi.sites(id),
  );
  const [catalogue] = createResource(regionApi.regions);
  const regionName = (code: string) => latestOf(catalogue)?.find((r) => r.code === code)?.name[lang()] ?? code;
  // What a rename or a move did: said here, as the list is drawn again after it.
  const [notice, setNotice] = createSignal("");
  const changed = (said: string) => {
    setNotice(said);
    restart();
    void refetch();
    void refetchSites();
  };

  const apply = (e: SubmitEvent) => {
    e.preventDefault();
    const d = new FormData(e.currentTarget as HTMLFormElement);
    restart();
    setFilter({
      q: String(d.get("q") ?? ""),
      region: String(d.get("region") ?? ""),
      status: String(d.get("status") ?? "") as AccountFilter["status"],
      negative: d.get("negative") === "on",
      sort: String(d.get("sort") ?? "site") as AccountFilter["sort"],
      order: String(d.get("order") ?? "asc") as AccountFilter["order"],
    });
  };
  const reset = (e: Event) => {
    (e.currentTarget as HTMLButtonElement).form?.reset();
    restart();
    setFilter(NO_FILTER);
  };
  const rub = (kop: number) => formatRub(kop, lang());

  return (
    <section aria-labelledby="org-account-list">
      <h2 id="org-account-list">{s("title")}</h2>
      <Show when={canPay()}>
        <p>
          <PayLink orgId={props.orgId} />
        </p>
      </Show>
      <form class="filters" aria-label={s("filters")} onSubmit={apply}>
        <label class="field">
          <span>{s("search")}</span>
          <input type="search" name="q" maxLength={100} placeholder={s("searchHint")} autocomplete="off" />
        </label>
        <label class="field">
          <span>{s("region")}</span>
          <select name="region">
            <option value="">{s("allRegions")}</option>
            <For each={latestOf(first)?.regions ?? []}>{(code) => <option value={code}>{regionName(code)}</option>}</For>
          </select>
        </label>
        <label class="field">
          <span>{s("status")}</span>
          <select name="status">
            <option value="">{s("anyStatus")}</option>
            <For each={["active", "blocked", "closed"] as const}>{(st) => <option value={st}>{b(`status.${st}`)}</option>}</For>
          </select>
        </label>
        <label class="checkbox filters__check">
          <input type="checkbox" name="negative" /> <span>{s("negative")}</span>
        </label>
        <label class="field">
          <span>{s("sort")}</span>
          <select name="sort">
            <For each={SORTS}>{(k) => <option value={k}>{s(`sort.${k}`)}</option>}</For>
          </select>
        </label>
        <label class="field">
          <span>{s("order")}</span>
          <select name="order">
            <option value="asc">{s("order.asc")}</option>
            <option value="desc">{s("order.desc")}</option>
          </select>
        </label>
        <button type="submit" class="button button--primary">
          {s("find")}
        </button>
        <button type="button" class="button" onClick={reset}>
          {s("reset")}
        </button>
      </form>
      <Loadable resource={first} onRetry={refetch}>
        {(p) => (
          <>
            <section aria-labelledby="org-account-totals">
              <h3 id="org-account-totals">{s("totals")}</h3>
              <SnapshotTime at={p.figuresAt} text={(time) => s("figuresAt", { time })} />
              <dl class="list">
                <div class="list__row">
                  <dt>{s("count")}</dt>
                  <dd>{p.totals.count}</dd>
                </div>
                <div class="list__row">
                  <dt>{s("balanceSum")}</dt>
                  <dd classList={{ debt: p.totals.balanceKop < 0 }}>{rub(p.totals.balanceKop)}</dd>
                </div>
                <div class="list__row">
                  <dt>{s("monthlySum")}</dt>
                  <dd>{rub(p.totals.monthlyKop)}</dd>
                </div>
                <div class="list__row">
                  <dt>{s("belowZero")}</dt>
                  <dd>{p.totals.negative}</dd>
                </div>
              </dl>
            </section>
            <Show when={notice()}>
              <p class="notice" role="status">
                {notice()}
              </p>
            </Show>
            <p role="status" aria-live="polite">
              {s("found", { n: p.totals.count })}
              <Show when={p.totals.count > 0}>. {s("shown", { shown: p.items.length + extra().length, total: p.totals.count })}</Show>
              <Show when={first.loading}> {s("loadingMore")}</Show>
            </p>
            <Show when={p.totals.count > 0} fallback={<p>{s("nothing")}</p>}>
              <p>
                {s("export")}:{" "}
                <a href={sitesApi.exportUrl(props.orgId, filter(), "xlsx", lang())} download="">
                  {s("exportXlsx")}
                </a>
                {" · "}
                <a href={sitesApi.exportUrl(props.orgId, filter(), "csv", lang())} download="">
                  {s("exportCsv")}
                </a>
              </p>
              <section class="table-scroll" tabindex="0" aria-labelledby="org-account-list">
                <table class="history history--cards">
                  <thead>
                    <tr>
                      <th scope="col">{s("accountNo")}</th>
                      <th scope="col">{b("region")}</th>
                      <th scope="col">{s("address")}</th>
                      <th scope="col">{s("status")}</th>
                      <th scope="col" class="num">
                        {s("balance")}
                      </th>
                      <th scope="col" class="num">
                        {s("monthly")}
                      </th>
                      <Show when={admin()}>
                        <th scope="col">{s("site")}</th>
                      </Show>
                    </tr>
                  </thead>
                  <For each={grouped([...p.items, ...extra()], p.sites)}>
                    {(g) => {
                      const headingId = `site-${createUniqueId()}`;
                      return (
                        <tbody aria-labelledby={headingId}>
                          <tr class="site-row">
                            <th scope="colgroup" colSpan={admin() ? 7 : 6} id={headingId}>
                              {g.name ?? s("noSite")}
                              <Show when={g.figures}>
                                {(f) => (
                                  <>
                                    {" "}
                                    <small class="muted">
                                      {s("siteSummary", { n: f().count, balance: rub(f().balanceKop), monthly: rub(f().monthlyKop) })}
                                    </small>
                                  </>
                                )}
                              </Show>
                              <Show when={admin() && g.id}>
                                {(id) => (
                                  <>
                                    {" "}
                                    <RenameSite orgId={props.orgId} siteId={id()} name={g.name ?? ""} onDone={changed} />
                                  </>
                                )}
                              </Show>
                            </th>
                          </tr>
                          <For each={g.items}>
                            {(a) => (
                              <tr>
                                <th scope="row">
                                  {formatAccountNo(a.accountNo)}
                                  <Show when={canPay()}>
                                    {" "}
                                    <PayLink orgId={props.orgId} accountNo={a.accountNo} />
                                  </Show>
                                </th>
                                <td data-label={b("region")}>{regionName(a.region)}</td>
                                <td data-label={s("address")}>{a.address}</td>
                                <td data-label={s("status")}>{b(`status.${a.status}`)}</td>
                                <td class="num" data-label={s("balance")} classList={{ debt: a.balanceKop < 0 }}>
                                  {rub(a.balanceKop)}
                                </td>
                                <td class="num" data-label={s("monthly")}>
                                  {rub(a.monthlyKop)}
                                </td>
                                <Show when={admin()}>
                                  <td data-label={s("site")}>
                                    <Show when={latestOf(sites)} fallback={a.siteName ?? ""}>
                                      {(list) => <MoveAccount orgId={props.orgId} account={a} sites={list()} onDone={changed} />}
                                    </Show>
                                  </td>
                                </Show>
                              </tr>
                            )}
                          </For>
                        </tbody>
                      );
                    }}
                  </For>
                </table>
              </section>
              <ProblemAlert problem={more.problem()} />
              <Show when={next()}>
                <button type="button" class="button" onClick={() => void loadMore()} disabled={more.busy()}>
                  {more.busy() ? s("loadingMore") : s("more")}
                </button>
              </Show>
            </Show>
          </>
        )}
      </Loadable>
    </section>
  );
}

/** The accounts tab of the corporate cabinet: the list grouped by site. */
export function OrgAccountListPage() {
  return <OrgFrame tab="accounts">{(orgId) => <AccountList orgId={orgId} />}</OrgFrame>;
}
