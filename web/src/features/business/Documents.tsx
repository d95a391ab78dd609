import { A } from "@solidjs/router";
import { createMemo, createResource, createSignal, createUniqueId, For, Show } from "solid-js";
import { qrMatrix } from "../../../../shared/qr";
import { Loadable } from "../../app/Loadable";
import { useI18n } from "../../i18n";
import { useStrings } from "../../i18n/local";
import { createAction } from "../../lib/createAction";
import { formatAccountNo, formatDay, formatRub } from "../../lib/format";
import { ProblemAlert } from "../auth/ProblemAlert";
import { businessApi, type OrgAccountDto } from "./business.api";
import { documentsStrings } from "./documents.strings";
import { type InvoiceDto, invoicesApi, parseRubles } from "./invoicesApi";
import { OrgFrame } from "./OrgScreens";

/** The payment QR drawn on the screen from the invoice's payload (shared/qr.ts), for a phone's banking app. */
function PaymentQr(props: { payload: string; label: string }) {
  const svg = createMemo(() => {
    const m = qrMatrix(props.payload);
    let d = "";
    for (const [y, row] of m.entries()) for (const [x, dark] of row.entries()) if (dark) d += `M${x + 4} ${y + 4}h1v1h-1z`;
    return { n: m.length + 8, d };
  });
  return (
    <svg class="sbp-qr" viewBox={`0 0 ${svg().n} ${svg().n}`} shape-rendering="crispEdges" role="img" aria-label={props.label}>
      <rect width={svg().n} height={svg().n} fill="#fff" />
      <path d={svg().d} fill="#000" />
    </svg>
  );
}

/** One invoice: number, date, amount with VAT, status, its accounts, the PDF and the QR shown on demand. */
function InvoiceRow(props: { orgId: string; invoice: InvoiceDto; open?: boolean }) {
  const { lang } = useI18n();
  const s = useStrings(documentsStrings);
  const [shown, setShown] = createSignal(props.open ?? false);
  const qrId = `invoice-qr-${createUniqueId()}`;
  const amount = () => formatRub(props.invoice.totalKop, lang());
  return (
    <li class="list__row invoice">
      <div>
        <strong>№ {props.invoice.number}</strong> · {formatDay(props.invoice.date, lang())}
        <br />
        <span>
          {amount()} <small class="muted">({s("vat", { vat: formatRub(props.invoice.vatKop, lang()) })})</small>
        </span>
        <br />
        <span class="invoice__status" data-status={props.invoice.status}>
          {s(`status.${props.invoice.status}`)}
          <Show when={props.invoice.status === "part_paid"}> · {s("paidOf", { paid: formatRub(props.invoice.paidKop, lang()) })}</Show>
        </span>
        <br />
        <small class="muted">
          {s("accounts")}: {props.invoice.lines.map((l) => formatAccountNo(l.accountNo)).join(", ")}
        </small>
      </div>
      <div class="invoice__actions">
        <a
          class="button button--small"
          href={invoicesApi.pdfUrl(props.orgId, props.invoice.id)}
          download=""
          aria-label={s("pdfOf", { number: props.invoice.number })}
        >
          {s("pdf")}
        </a>{" "}
        <button type="button" class="button button--small" aria-expanded={shown()} aria-controls={qrId} onClick={() => setShown(!shown())}>
          {shown() ? s("hideQr") : s("showQr")}
        </button>
        <div id={qrId} hidden={!shown()}>
          <Show when={shown()}>
            <figure class="invoice__qr">
              <PaymentQr payload={props.invoice.qrPayload} label={s("qrOf", { number: props.invoice.number, amount: amount() })} />
              <figcaption>
                <small>{s("qrHint")}</small>
              </figcaption>
            </figure>
          </Show>
        </div>
      </div>
    </li>
  );
}

/** The organisation's invoices, newest first, a page at a time. */
function InvoiceList(props: { orgId: string; version: number; justIssued: string | null }) {
  const s = useStrings(documentsStrings);
  const [first, { refetch }] = createResource(
    () => [props.orgId, props.version] as const,
    ([id]) => invoicesApi.list(id),
  );
  const [extra, setExtra] = createSignal<InvoiceDto[]>([]);
  const [cursor, setCursor] = createSignal<string | null | undefined>(undefined);
  const more = createAction();
  const next = () => (cursor() === undefined ? first.latest?.nextCursor : cursor());
  const loadMore = () =>
    more.run(async () => {
      const page = await invoicesApi.list(props.orgId, next());
      setExtra([...extra(), ...page.items]);
      setCursor(page.nextCursor);
    });
  return (
    <section aria-labelledby="org-invoices">
      <h2 id="org-invoices">{s("invoices")}</h2>
      <Loadable resource={first} onRetry={refetch}>
        {(p) => (
          <Show when={p.items.length > 0} fallback={<p>{s("invoicesEmpty")}</p>}>
            <ul class="list invoices">
              <For each={[...p.items, ...extra()]}>
                {(inv) => <InvoiceRow orgId={props.orgId} invoice={inv} open={inv.id === props.justIssued} />}
              </For>
            </ul>
            <ProblemAlert problem={more.problem()} />
            <Show when={next()}>
              <button type="button" class="button" onClick={() => void loadMore()} disabled={more.busy()}>
                {more.busy() ? s("loadingMore") : s("more")}
              </button>
            </Show>
          </Show>
        )}
      </Loadable>
    </section>
  );
}

/**
 * «Выставить счёт»: the accounts the employee sees (a page at a time), an amount for some of them and/or a total
 * that the server splits evenly between the others; the running total; one Idempotency-Key per attempt, so a
 * double click or a retry after a lost answer issues one invoice.
 */
function IssueForm(props: { orgId: string; onIssued: (invoice: InvoiceDto) => void }) {
  const { lang } = useI18n();
  const s = useStrings(documentsStrings);
  const [accounts, { refetch }] = createResource(
    () => props.orgId,
    (id) => businessApi.accounts(id, null, 100),
  );
  const [extra, setExtra] = createSignal<OrgAccountDto[]>([]);
  const [cursor, setCursor] = createSignal<string | null | undefined>(undefined);
  const more = createAction();
  const next = () => (cursor() === undefined ? accounts.latest?.nextCursor : cursor());
  const loadMore = () =>
    more.run(async () => {
      const page = await businessApi.accounts(props.orgId, next(), 100);
      setExtra([...extra(), ...page.items]);
      setCursor(page.nextCursor);
    });

  /** Chosen account → the amount typed for it ("" for none: a share of the total). */
  const [chosen, setChosen] = createSignal<Record<string, string>>({});
  const [totalText, setTotalText] = createSignal("");
  const [localError, setLocalError] = createSignal<string | null>(null);
  const [key, setKey] = createSignal(crypto.randomUUID());
  const action = createAction();
  const totalId = `invoice-total-${createUniqueId()}`;
  const errorId = `invoice-error-${createUniqueId()}`;

  const toggle = (no: string, on: boolean) => {
    const next = { ...chosen() };
    if (on) next[no] = next[no] ?? "";
    else delete next[no];
    setChosen(next);
  };
  const setAmount = (no: string, text: string) => setChosen({ ...chosen(), [no]: text });
  const count = () => Object.keys(chosen()).length;
  /** What will be paid: the sum of the amounts, or the total when some account has none. */
  const preview = createMemo(() => {
    const entries = Object.values(chosen());
    const amounts = entries.map((t) => (t.trim() ? parseRubles(t) : undefined));
    if (amounts.some((a) => a === null)) return null;
    const open = amounts.filter((a) => a === undefined).length;
    const total = totalText().trim() ? parseRubles(totalText()) : undefined;
    if (total === null) return null;
    if (open === 0 && entries.length > 0) return { kop: amounts.reduce<number>((sum, a) => sum + (a ?? 0), 0), split: false };
    return total === undefined ? null : { kop: total, split: open > 0 };
  });

  const onSubmit = (e: SubmitEvent) => {
    e.preventDefault();
    setLocalError(null);
    const entries = Object.entries(chosen());
    if (entries.length === 0) return setLocalError(s("noneChosen"));
    const lines = entries.map(([accountNo, text]) => {
      const amountKop = text.trim() ? parseRubles(text) : undefined;
      return { accountNo, amountKop };
    });
    const totalKop = totalText().trim() ? parseRubles(totalText()) : undefined;
    if (lines.some((l) => l.amountKop === null) || totalKop === null) return setLocalError(s("badAmount"));
    void action.run(async () => {
      const invoice = await invoicesApi.issue(
        props.orgId,
        {
          lines: lines.map((l) =>
            l.amountKop === undefined ? { accountNo: l.accountNo } : { accountNo: l.accountNo, amountKop: l.amountKop as number },
          ),
          ...(totalKop === undefined ? {} : { totalKop }),
        },
        key(),
      );
      setChosen({});
      setTotalText("");
      setKey(crypto.randomUUID());
      props.onIssued(invoice);
      return s("issued", { number: invoice.number, amount: formatRub(invoice.totalKop, lang()) });
    });
  };

  return (
    <section aria-labelledby="issue-invoice">
      <h2 id="issue-invoice">{s("issueTitle")}</h2>
      <p class="muted">{s("issueLead")}</p>
      <form class="form" onSubmit={onSubmit} aria-describedby={localError() ? errorId : undefined}>
        <Loadable resource={accounts} onRetry={refetch}>
          {(p) => (
            <Show when={p.items.length > 0} fallback={<p>{s("noAccounts")}</p>}>
              <fieldset class="invoice-accounts">
                <legend>{s("accountsLegend")}</legend>
                <ul class="list">
                  <For each={[...p.items, ...extra()]}>
                    {(a) => {
                      const boxId = `acc-${a.accountNo}-${createUniqueId()}`;
                      return (
                        <li class="list__row">
                          <span>
                            <input
                              type="checkbox"
                              id={boxId}
                              checked={a.accountNo in chosen()}
                              onChange={(e) => toggle(a.accountNo, e.currentTarget.checked)}
                            />{" "}
                            <label for={boxId}>
                              {s("accountLabel", { no: formatAccountNo(a.accountNo), region: a.region })}
                              <br />
                              <small class="muted">{a.address}</small>
                            </label>
                          </span>
                          <Show when={a.accountNo in chosen()}>
                            <input
                              class="invoice-amount"
                              inputmode="decimal"
                              autocomplete="off"
                              aria-label={s("amountOf", { no: formatAccountNo(a.accountNo) })}
                              value={chosen()[a.accountNo] ?? ""}
                              onInput={(e) => setAmount(a.accountNo, e.currentTarget.value)}
                            />
                          </Show>
                        </li>
                      );
                    }}
                  </For>
                </ul>
                <ProblemAlert problem={more.problem()} />
                <Show when={next()}>
                  <button type="button" class="button button--small" onClick={() => void loadMore()} disabled={more.busy()}>
                    {more.busy() ? s("loadingMore") : s("moreAccounts")}
                  </button>
                </Show>
              </fieldset>
            </Show>
          )}
        </Loadable>
        <div class="field">
          <label for={totalId}>{s("totalToSplit")}</label>
          <input
            id={totalId}
            inputmode="decimal"
            autocomplete="off"
            value={totalText()}
            onInput={(e) => setTotalText(e.currentTarget.value)}
            aria-describedby={`${totalId}-hint`}
          />
          <small id={`${totalId}-hint`} class="muted">
            {s("totalHint")}
          </small>
        </div>
        <p role="status" aria-live="polite">
          {s("chosen", { n: count() })}
          <Show when={preview()}>
            {(p) => (
              <>
                {" · "}
                {p().split ? s("totalSplit", { total: formatRub(p().kop, lang()) }) : s("total", { total: formatRub(p().kop, lang()) })}
              </>
            )}
          </Show>
        </p>
        <Show when={localError()}>
          <p id={errorId} class="field__error" role="alert">
            {localError()}
          </p>
        </Show>
        <ProblemAlert problem={action.problem()} />
        <Show when={action.done()}>
          <p role="status">{action.done()}</p>
        </Show>
        <button type="submit" class="button button--primary" disabled={action.busy()}>
          {action.busy() ? s("issuing") : s("issue")}
        </button>
      </form>
    </section>
  );
}

/**
 * «Документы» of an organisation: invoices for payment with their PDF and payment QR, the form to issue one, and
 * the way to the closing documents and the акт сверки (their own screens).
 */
export function OrgDocumentsPage() {
  const s = useStrings(documentsStrings);
  return (
    <OrgFrame tab="documents">
      {(orgId) => {
        const [version, setVersion] = createSignal(0);
        const [justIssued, setJustIssued] = createSignal<string | null>(null);
        const base = `/business/${encodeURIComponent(orgId)}/documents`;
        const [org, { refetch }] = createResource(() => orgId, businessApi.organisation);
        return (
          <Loadable resource={org} onRetry={refetch}>
            {(o) => (
              <Show when={o.role === "administrator" || o.role === "accountant"} fallback={<p>{s("notAllowed")}</p>}>
                <nav aria-labelledby="other-documents">
                  <h2 id="other-documents">{s("otherDocuments")}</h2>
                  <ul class="chips">
                    <li>
                      <A href={`${base}/closing`}>{s("closing")}</A>
                    </li>
                    <li>
                      <A href={`${base}/reconciliation`}>{s("reconciliation")}</A>
                    </li>
                  </ul>
                </nav>
                <InvoiceList orgId={orgId} version={version()} justIssued={justIssued()} />
                <IssueForm
                  orgId={orgId}
                  onIssued={(invoice) => {
                    setJustIssued(invoice.id);
                    setVersion(version() + 1);
                  }}
                />
              </Show>
            )}
          </Loadable>
        );
      }}
    </OrgFrame>
  );
}

export default OrgDocumentsPage;
