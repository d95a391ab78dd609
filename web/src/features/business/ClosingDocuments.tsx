import { A, useParams } from "@solidjs/router";
import { createResource, For, Show } from "solid-js";
import { Loadable } from "../../app/Loadable";
import { useI18n } from "../../i18n";
import { useStrings } from "../../i18n/local";
import { formatDay, formatMonth, formatRub } from "../../lib/format";
import { RequireLogin } from "../auth/RequireLogin";
import { closingStrings } from "./closing.strings";
import { closingApi } from "./closingApi";

/**
 * The organisation's monthly closing documents (УПД and their corrections) with their status and the PDF and
 * ФНС XML to download: for administrators and accountants (others see the server's refusal). A component the
 * «Документы» page can embed, and the screen at /business/:id/documents/closing.
 */
export function ClosingDocuments(props: { orgId: string }) {
  const { lang } = useI18n();
  const s = useStrings(closingStrings);
  const [docs, { refetch }] = createResource(() => props.orgId, closingApi.list);
  return (
    <section aria-labelledby="closing-title">
      <h2 id="closing-title">{s("title")}</h2>
      <p class="muted">{s("lead")}</p>
      <Loadable resource={docs} onRetry={refetch}>
        {(items) => (
          <Show when={items.length > 0} fallback={<p>{s("empty")}</p>}>
            <section class="table-scroll" tabindex="0" aria-labelledby="closing-title">
              <table class="history history--cards">
                <thead>
                  <tr>
                    <th scope="col">{s("number")}</th>
                    <th scope="col">{s("period")}</th>
                    <th scope="col">{s("date")}</th>
                    <th scope="col" class="num">
                      {s("total")}
                    </th>
                    <th scope="col" class="num">
                      {s("vat")}
                    </th>
                    <th scope="col">{s("status")}</th>
                    <th scope="col">{s("files")}</th>
                  </tr>
                </thead>
                <tbody>
                  <For each={items}>
                    {(d) => (
                      <tr>
                        <th scope="row">
                          {d.number ?? s("numberPending")}
                          <br />
                          <span class="muted">{d.kind === "upd" ? s("upd") : s("ukd", { number: d.correctsNumber ?? "" })}</span>
                        </th>
                        <td data-label={s("period")}>{formatMonth(d.period, lang())}</td>
                        <td data-label={s("date")}>{formatDay(d.docDate, lang())}</td>
                        <td class="num" data-label={s("total")} classList={{ debt: d.totalKop < 0 }}>
                          {formatRub(d.totalKop, lang())}
                        </td>
                        <td class="num" data-label={s("vat")}>
                          {formatRub(d.vatKop, lang())} {s("vatRate", { rate: String(d.vatPercent) })}
                        </td>
                        <td data-label={s("status")}>{s(`status.${d.status}`)}</td>
                        <td data-label={s("files")}>
                          <Show when={d.pdfUrl} fallback={<span class="muted">{s("notYet")}</span>}>
                            {(url) => (
                              <a href={url()} download="" aria-label={s("pdfOf", { number: d.number ?? "" })}>
                                {s("pdf")}
                              </a>
                            )}
                          </Show>
                          <Show when={d.xmlUrl}>
                            {(url) => (
                              <>
                                {" · "}
                                <a href={url()} download="" aria-label={s("xmlOf", { number: d.number ?? "" })}>
                                  {s("xml")}
                                </a>
                              </>
                            )}
                          </Show>
                        </td>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
            </section>
          </Show>
        )}
      </Loadable>
    </section>
  );
}

/** The screen at /business/:id/documents/closing. */
export default function ClosingDocumentsPage() {
  const s = useStrings(closingStrings);
  const params = useParams();
  const orgId = () => params.id ?? "";
  return (
    <RequireLogin>
      {() => (
        <>
          <p>
            <A href={`/business/${encodeURIComponent(orgId())}`}>← {s("back")}</A>
          </p>
          <h1>{s("title")}</h1>
          <Show when={orgId()} keyed>
            {(id) => <ClosingDocuments orgId={id} />}
          </Show>
        </>
      )}
    </RequireLogin>
  );
}
