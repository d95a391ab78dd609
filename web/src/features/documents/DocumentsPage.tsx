import { A } from "@solidjs/router";
import { createResource, For, Show } from "solid-js";
import { Loadable } from "../../app/Loadable";
import { useI18n } from "../../i18n";
import { useStrings } from "../../i18n/local";
import { ApiError } from "../../lib/api";
import { formatAccountNo, formatDay, formatMoment, formatRub } from "../../lib/format";
import { type AccountDto, accountsApi } from "../accounts/accountsApi";
import { RequireLogin } from "../auth/RequireLogin";
import { paymentsApi } from "../payments/paymentsApi";
import { usageApi } from "../usage/usageApi";
import { privateDocumentsStrings } from "./strings";

/** The account's payment receipts: each succeeded payment with a receipt, opening its payment page (the receipt). */
function Receipts(props: { account: AccountDto }) {
  const { lang } = useI18n();
  const s = useStrings(privateDocumentsStrings);
  const [payments, { refetch }] = createResource(() => props.account.accountNo, paymentsApi.payments);
  const withReceipt = () => (payments.latest ?? []).filter((p) => p.status === "succeeded" && p.receiptNumber);
  return (
    <section aria-label={`${s("receipts")}, ${formatAccountNo(props.account.accountNo)}`}>
      <h3>{s("receipts")}</h3>
      <Loadable resource={payments} onRetry={refetch}>
        {() => (
          <Show when={withReceipt().length > 0} fallback={<p class="muted">{s("receiptsNone")}</p>}>
            <ul class="list">
              <For each={withReceipt()}>
                {(p) => (
                  <li class="list__row">
                    <A
                      href={`/accounts/${encodeURIComponent(p.accountNo)}/payments/${encodeURIComponent(p.id)}`}
                      aria-label={s("receiptOf", {
                        number: p.receiptNumber ?? "",
                        amount: formatRub(p.amountKop, lang()),
                        date: formatMoment(p.createdAt, lang()),
                      })}
                    >
                      {s("receipt", { number: p.receiptNumber ?? "" })}
                    </A>
                    <span>
                      {formatRub(p.amountKop, lang())} · {formatMoment(p.createdAt, lang())}
                    </span>
                  </li>
                )}
              </For>
            </ul>
          </Show>
        )}
      </Loadable>
    </section>
  );
}

const monthTitle = (month: string, lang: "ru" | "en") =>
  new Intl.DateTimeFormat(lang === "ru" ? "ru-RU" : "en-GB", { month: "long", year: "numeric", timeZone: "UTC" })
    .format(new Date(`${month}-01T00:00:00Z`))
    .replace(/\s*г\.$/, "");

/** The account's monthly statements (выписки): each closed month with its opening and closing balance, as a PDF. */
function Statements(props: { account: AccountDto }) {
  const { lang } = useI18n();
  const s = useStrings(privateDocumentsStrings);
  const [list, { refetch }] = createResource(() => props.account.accountNo, accountsApi.statements);
  return (
    <section aria-label={`${s("statements")}, ${formatAccountNo(props.account.accountNo)}`}>
      <h3>{s("statements")}</h3>
      <Loadable resource={list} onRetry={refetch}>
        {(l) => (
          <Show when={l.items.length > 0} fallback={<p class="muted">{s("statementsNone")}</p>}>
            <ul class="list">
              <For each={l.items}>
                {(st) => (
                  <li class="list__row">
                    <a
                      href={st.pdfUrl}
                      download=""
                      aria-label={s("statementOf", {
                        month: monthTitle(st.month, lang()),
                        opening: formatRub(st.openingKop, lang()),
                        closing: formatRub(st.closingKop, lang()),
                      })}
                    >
                      {monthTitle(st.month, lang())}
                    </a>
                    <span>
                      {s("statementRow", { opening: formatRub(st.openingKop, lang()), closing: formatRub(st.closingKop, lang()) })}
                    </span>
                  </li>
                )}
              </For>
            </ul>
          </Show>
        )}
      </Loadable>
    </section>
  );
}

/** The usage reports (детализации) ordered for the account: ready ones to download, others with their state. */
function Reports(props: { account: AccountDto }) {
  const { lang } = useI18n();
  const s = useStrings(privateDocumentsStrings);
  // Only the holder orders and reads reports: for a relative's account there is nothing to ask for.
  const [reports, { refetch }] = createResource(
    () => props.account.accountNo,
    (no) =>
      usageApi.reports(no).catch((e: unknown) => {
        if (e instanceof ApiError && e.problem.status === 403) return null;
        throw e;
      }),
  );
  return (
    <section aria-label={`${s("reports")}, ${formatAccountNo(props.account.accountNo)}`}>
      <h3>{s("reports")}</h3>
      <Loadable resource={reports} onRetry={refetch}>
        {(items) => (
          <Show when={items} fallback={<p class="muted">{s("reportsHolderOnly")}</p>}>
            {(list) => (
              <>
                <Show when={list().length > 0} fallback={<p class="muted">{s("reportsNone")}</p>}>
                  <ul class="list">
                    <For each={list()}>
                      {(r) => {
                        const period = () => s("period", { from: formatDay(r.from, lang()), to: formatDay(r.to, lang()) });
                        return (
                          <li class="list__row">
                            <span>{period()}</span>
                            <Show when={r.status === "ready" && r.downloadUrl} fallback={<span>{s(`status.${r.status}`)}</span>}>
                              <a
                                href={r.downloadUrl ?? ""}
                                download=""
                                aria-label={s("downloadOf", {
                                  from: formatDay(r.from, lang()),
                                  to: formatDay(r.to, lang()),
                                  format: r.format.toUpperCase(),
                                })}
                              >
                                {s("download", { format: r.format.toUpperCase() })}
                              </a>
                            </Show>
                          </li>
                        );
                      }}
                    </For>
                  </ul>
                </Show>
                <p>
                  <A href={`/accounts/${encodeURIComponent(props.account.accountNo)}/usage`}>{s("orderReport")}</A>
                </p>
              </>
            )}
          </Show>
        )}
      </Loadable>
    </section>
  );
}

/**
 * «Документы» of the private cabinet: for each of the subscriber's accounts, the monthly statements of its closed
 * months, the payment receipts and the usage reports they ordered, and the way to the account's history.
 */
export default function DocumentsPage() {
  const s = useStrings(privateDocumentsStrings);
  return (
    <RequireLogin>
      {() => {
        const [accounts, { refetch }] = createResource(accountsApi.accounts);
        return (
          <>
            <h1>{s("title")}</h1>
            <p class="muted">{s("lead")}</p>
            <Loadable resource={accounts} onRetry={refetch}>
              {(a) => (
                <Show when={a.items.length > 0} fallback={<p>{s("noAccounts")}</p>}>
                  <For each={a.items}>
                    {(account) => (
                      <section class="card" aria-labelledby={`docs-${account.accountNo}`}>
                        <h2 id={`docs-${account.accountNo}`}>{s("account", { no: formatAccountNo(account.accountNo) })}</h2>
                        <p class="muted">{account.address}</p>
                        <Statements account={account} />
                        <Receipts account={account} />
                        <Reports account={account} />
                        <p>
                          <A href={`/accounts/${encodeURIComponent(account.accountNo)}`}>{s("history")}</A>
                        </p>
                      </section>
                    )}
                  </For>
                </Show>
              )}
            </Loadable>
          </>
        );
      }}
    </RequireLogin>
  );
}
