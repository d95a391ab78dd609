import { createResource, For, Show } from "solid-js";
import { Loadable } from "../../app/Loadable";
import { useI18n } from "../../i18n";
import { formatRub } from "../../lib/format";
import { paymentsApi } from "./paymentsApi";

/**
 * The electronic receipt of a payment, with the fields a Russian online-payment
 * receipt carries; without fiscal data (the acquirer registers the receipt and
 * sends it), the same details as «Информация о платеже».
 */
export function ReceiptView(props: { accountNo: string; paymentId: string }) {
  const { t, lang } = useI18n();
  const [receipt, { refetch }] = createResource(
    () => [props.accountNo, props.paymentId] as const,
    ([no, id]) => paymentsApi.receipt(no, id),
  );
  return (
    <Loadable resource={receipt} onRetry={refetch}>
      {(r) => (
        <section class="receipt card" aria-label={r.fiscal ? t("receipt.title", { number: r.number }) : t("receipt.infoTitle")}>
          <h3>{r.fiscal ? t("receipt.title", { number: r.number }) : t("receipt.infoTitle")}</h3>
          <p>
            {r.seller.name}, {t("receipt.inn")} {r.seller.inn}
            <br />
            {r.seller.address}, {r.seller.site}
          </p>
          <dl>
            <dt>{t("receipt.kind")}</dt>
            <dd>{r.kind}</dd>
            <dt>{t("receipt.date")}</dt>
            <dd>{new Date(r.issuedAt).toLocaleString(lang() === "ru" ? "ru-RU" : "en-GB")}</dd>
            <dt>{t("receipt.taxation")}</dt>
            <dd>{r.seller.taxation}</dd>
          </dl>
          <For each={r.items}>
            {(i) => (
              <dl>
                <dt>{i.name}</dt>
                <dd>
                  {i.quantity} × {formatRub(i.priceKop, lang())}
                </dd>
                <dt>{i.paymentMethod}</dt>
                <dd>{formatRub(i.amountKop, lang())}</dd>
                <dt>
                  {t("receipt.vat")} {i.vatRate}
                </dt>
                <dd>{formatRub(i.vatKop, lang())}</dd>
              </dl>
            )}
          </For>
          <dl>
            <dt>
              <strong>{t("receipt.total")}</strong>
            </dt>
            <dd>
              <strong>{formatRub(r.totalKop, lang())}</strong>
            </dd>
            <dt>{r.payment.form}</dt>
            <dd>{[r.payment.method, r.payment.card].filter(Boolean).join(": ")}</dd>
            <Show when={r.fiscal}>
              {(f) => (
                <>
                  <dt>{t("receipt.fiscal")}</dt>
                  <dd>
                    РН ККТ {f().register}, ФН {f().fiscalDrive}, ФД {f().document}, ФП {f().sign}
                  </dd>
                </>
              )}
            </Show>
          </dl>
          <Show when={r.fiscal} fallback={<p class="muted">{t("receipt.byAcquirer")}</p>}>
            <Show when={r.accountNo}>
              <p class="muted">{t("receipt.emailed")}</p>
            </Show>
          </Show>
        </section>
      )}
    </Loadable>
  );
}
