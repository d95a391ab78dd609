import { A } from "@solidjs/router";
import { createSignal, onMount, Show } from "solid-js";
import { useI18n } from "../../i18n";
import { currentSubscription, enablePush, permission } from "../../lib/push";
import { useSession } from "../auth/SessionContext";

const DISMISSED = "kab_push_offer_dismissed";

/**
 * The moment to ask: after something the person cares about (a payment, the
 * inbox), with what they get and how to change it. Never on first load; "not
 * now" is remembered on this device.
 */
export function PushOffer(props: { reason: "payment" | "inbox" }) {
  const { t, lang } = useI18n();
  const session = useSession();
  const [state, setState] = createSignal<"ask" | "busy" | "on" | "denied" | "hidden">("hidden");
  // Offered when this device could receive pushes and does not yet (and the person did not say "not now").
  onMount(async () => {
    const p = permission();
    if (p === "unsupported" || p === "denied" || localStorage.getItem(DISMISSED) === "1") return;
    if (!(await currentSubscription())) setState("ask");
  });
  const enable = async () => {
    setState("busy");
    try {
      const r = await enablePush(lang(), session.profile()?.id ?? "");
      setState(r === "on" ? "on" : r === "denied" ? "denied" : "hidden");
    } catch {
      setState("denied");
    }
  };
  return (
    <Show when={state() !== "hidden"}>
      <section class="card push-offer" aria-labelledby="push-offer-title">
        <h2 id="push-offer-title" class="small-heading">
          {t("push.offer.title")}
        </h2>
        <Show
          when={state() === "ask" || state() === "busy"}
          fallback={
            <p role="status">
              {state() === "on" ? t("push.offer.on") : t("push.offer.denied")} <A href="/settings/notifications">{t("push.settings")}</A>
            </p>
          }
        >
          <p>{props.reason === "payment" ? t("push.offer.payment") : t("push.offer.inbox")}</p>
          <p class="muted">{t("push.offer.how")}</p>
          <div class="actions">
            <button type="button" class="button button--primary" disabled={state() === "busy"} onClick={enable}>
              {t("push.offer.enable")}
            </button>
            <button
              type="button"
              class="button"
              onClick={() => {
                localStorage.setItem(DISMISSED, "1");
                setState("hidden");
              }}
            >
              {t("push.offer.later")}
            </button>
          </div>
        </Show>
      </section>
    </Show>
  );
}
