import { A } from "@solidjs/router";
import { createResource, Show } from "solid-js";
import { useStrings } from "../../i18n/local";
import { formatAccountNo } from "../../lib/format";
import { businessApi } from "./business.api";
import { payStrings } from "./payStrings";

/** The roles that may pay for the organisation's accounts (the Worker's `pay` permission). */
const PAYERS = new Set(["administrator", "accountant"]);

/** Whether a member of this role may pay for the organisation's accounts. */
export const mayPay = (role: string | undefined) => PAYERS.has(role ?? "");

/** Whether the person may pay for this organisation's accounts (their role in it), for showing «Пополнить». */
export function createCanPay() {
  const [mine] = createResource(businessApi.mine);
  return (orgId: string) => mayPay(mine.latest?.find((o) => o.id === orgId)?.role);
}

/** «Пополнить» for one account (or, without one, for several), leading to the payment screen. */
export function PayLink(props: { orgId: string; accountNo?: string }) {
  const s = useStrings(payStrings);
  const href = () =>
    `/business/${encodeURIComponent(props.orgId)}/pay${props.accountNo ? `?account=${encodeURIComponent(props.accountNo)}` : ""}`;
  return (
    <Show
      when={props.accountNo}
      fallback={
        <A href={href()} class="button">
          {s("payMany")}
        </A>
      }
    >
      {(no) => (
        <A href={href()} class="button button--small" aria-label={s("payOneLabel", { no: formatAccountNo(no()) })}>
          {s("payOne")}
        </A>
      )}
    </Show>
  );
}
