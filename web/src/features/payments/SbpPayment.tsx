import { useNavigate } from "@solidjs/router";
import { createMemo, createSignal, Match, onCleanup, onMount, Show, Switch } from "solid-js";
import { qrMatrix } from "../../../../shared/qr";
import { useI18n } from "../../i18n";
import { formatRub } from "../../lib/format";
import { type PaymentDto, paymentsApi } from "./paymentsApi";

/** How often the app asks whether the QR was paid (the server asks the acquirer; the webhook settles it too). */
export const SBP_POLL_MS = 2000;

/** The QR's modules as one SVG path, with a 4-module quiet zone; drawn here, no image from the network. */
function QrImage(props: { payload: string; label: string }) {
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

/**
 * An СБП payment under way: on a desktop the QR to scan with the amount, on a
 * phone the link to the bank-choice list; either way the payment's status is
 * asked every few seconds until it is paid (then its page with the receipt),
 * fails, or the QR expires (then a new QR, or another method).
 */
export function SbpPayment(props: {
  accountNo: string;
  payment: PaymentDto;
  payload: string;
  url: string;
  phone: boolean;
  onAgain: () => void;
  onBack: () => void;
}) {
  const { t, lang } = useI18n();
  const navigate = useNavigate();
  const [status, setStatus] = createSignal<PaymentDto>(props.payment);
  const [checkFailed, setCheckFailed] = createSignal(false);
  const amount = () => formatRub(props.payment.amountKop, lang());
  let heading: HTMLHeadingElement | undefined;
  let stopped = false;
  const timer = setInterval(async () => {
    try {
      const p = await paymentsApi.payment(props.accountNo, props.payment.id);
      if (stopped) return;
      setCheckFailed(false);
      setStatus(p);
      if (p.status === "succeeded") {
        clearInterval(timer);
        navigate(`/accounts/${props.accountNo}/payments/${p.id}`);
      } else if (p.status !== "created" && p.status !== "pending") clearInterval(timer);
    } catch {
      if (!stopped) setCheckFailed(true);
    }
  }, SBP_POLL_MS);
  onMount(() => heading?.focus());
  onCleanup(() => {
    stopped = true;
    clearInterval(timer);
  });
  const waiting = () => status().status === "created" || status().status === "pending";
  const expired = () => status().status === "failed" && status().failureCode === "expired";
  return (
    <section class="sbp" aria-labelledby="sbp-title">
      <h3 id="sbp-title" tabindex="-1" ref={heading}>
        {t("pay.method.sbp")}: {amount()}
      </h3>
      <Show when={waiting()}>
        <Show
          when={props.phone}
          fallback={
            <figure class="sbp-figure">
              <QrImage payload={props.payload} label={t("pay.sbp.qrLabel", { amount: amount() })} />
              <figcaption>{t("pay.sbp.scan")}</figcaption>
            </figure>
          }
        >
          {/* rel="external": the bank list is the acquirer's page, not one of the app's routes (the router would keep it). */}
          <a class="button button--primary" href={props.url} rel="external">
            {t("pay.sbp.openBank", { amount: amount() })}
          </a>
          <p class="muted">{t("pay.sbp.phoneNote")}</p>
        </Show>
      </Show>
      <p role="status" aria-live="polite" class="payment-status">
        <Switch>
          <Match when={waiting()}>{checkFailed() ? t("pay.sbp.checkFailed") : t("pay.sbp.waiting", { amount: amount() })}</Match>
          <Match when={expired()}>{t("pay.sbp.expired")}</Match>
          <Match when={status().status === "failed"}>{t("pay.failed", { reason: t("pay.failure.other") })}</Match>
        </Switch>
      </p>
      <Show when={expired()}>
        <button type="button" class="button button--primary" onClick={() => props.onAgain()}>
          {t("pay.sbp.newQr")}
        </button>
      </Show>
      <button type="button" class="button" onClick={() => props.onBack()}>
        {t("pay.sbp.other")}
      </button>
    </section>
  );
}
