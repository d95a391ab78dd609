import { A, useParams } from "@solidjs/router";
import { createResource, createSignal, Match, onCleanup, Show, Switch } from "solid-js";
import { Loadable } from "../../app/Loadable";
import { useI18n } from "../../i18n";
import { formatAccountNo, formatRub } from "../../lib/format";
import { RequireLogin } from "../auth/RequireLogin";
import { PushOffer } from "../notifications/PushOffer";
import { type PaymentDto, paymentsApi } from "./paymentsApi";
import { ReceiptView } from "./Receipt";

const FINAL = new Set(["succeeded", "failed", "refunded"]);
/** Failure codes the acquirer adapters report (the sandbox's, and ЮKassa's cancellation reasons mapped in adapters/payments/yookassa.ts). */
const FAILURES = [
  "card_declined",
  "insufficient_funds",
  "3ds_failed",
  "canceled",
  "card_expired",
  "invalid_card",
  "timed_out",
  "issuer_unavailable",
  "limit_exceeded",
  "method_restricted",
  "fraud_suspected",
  "permission_revoked",
  "expired",
] as const;
const failureKey = (code: string | null) =>
  `pay.failure.${FAILURES.includes(code as (typeof FAILURES)[number]) ? (code as (typeof FAILURES)[number]) : "other"}` as const;

/** Where the acquirer sends the payer back: the payment's result, checked until it is final, then its receipt. */
export default function PaymentPage() {
  const { t, lang } = useI18n();
  const params = useParams<{ no: string; id: string }>();
  const [tick, setTick] = createSignal(0);
  const [payment, { refetch }] = createResource(
    () => [params.no, params.id, tick()] as const,
    ([no, id]) => paymentsApi.payment(no, id),
  );
  // Unfinished: ask again every 1.5 s for a minute (the server also asks the acquirer).
  let tries = 0;
  const timer = setInterval(() => {
    const p = payment.latest as PaymentDto | undefined;
    if ((p && FINAL.has(p.status)) || ++tries > 40) clearInterval(timer);
    else setTick((n) => n + 1);
  }, 1500);
  onCleanup(() => clearInterval(timer));
  return (
    <RequireLogin>
      {() => (
        <>
          <h1>{t("pay.resultTitle", { account: formatAccountNo(params.no) })}</h1>
          <Loadable resource={payment} onRetry={refetch}>
            {(p) => (
              <>
                <p class="payment-status" role="status" aria-live="polite">
                  <Switch fallback={t("pay.processing", { amount: formatRub(p.amountKop, lang()) })}>
                    <Match when={p.status === "succeeded"}>{t("pay.succeeded", { amount: formatRub(p.amountKop, lang()) })}</Match>
                    <Match when={p.status === "failed"}>{t("pay.failed", { reason: t(failureKey(p.failureCode)) })}</Match>
                    <Match when={p.status === "refunded"}>{t("pay.refunded", { amount: formatRub(p.amountKop, lang()) })}</Match>
                  </Switch>
                </p>
                <Show when={p.status === "succeeded" && p.receiptNumber}>
                  <ReceiptView accountNo={params.no} paymentId={p.id} />
                  <PushOffer reason="payment" />
                </Show>
                <p>
                  <A href={`/accounts/${params.no}`} class="button">
                    {t("pay.toAccount")}
                  </A>{" "}
                  <Show when={p.status === "failed"}>
                    <A href={`/accounts?topup=${params.no}`} class="button button--primary">
                      {t("pay.again")}
                    </A>
                  </Show>
                </p>
              </>
            )}
          </Loadable>
        </>
      )}
    </RequireLogin>
  );
}
