import { createEffect, createResource, createSignal, createUniqueId, For, Show } from "solid-js";
import { createStore, reconcile } from "solid-js/store";
import { SnapshotTime } from "../../app/Freshness";
import { Loadable } from "../../app/Loadable";
import { useI18n } from "../../i18n";
import { useStrings } from "../../i18n/local";
import type { Problem } from "../../lib/api";
import { createAction } from "../../lib/createAction";
import { formatPhone, formatRub } from "../../lib/format";
import { Field } from "../auth/fields";
import { ProblemAlert } from "../auth/ProblemAlert";
import { businessApi } from "./business.api";
import type { NumberFilter } from "./numberFilter";
import { numbersStrings } from "./numbers.strings";
import { type NumberDto, numbersApi } from "./numbersApi";
import { OrgFrame } from "./OrgScreens";

/** «Корпоративные номера»: the organisation's mobile numbers, their ЕСИА status, spend against the limit, blocks. */
export default function NumbersPage() {
  return <OrgFrame tab="numbers">{(orgId) => <NumbersList orgId={orgId} />}</OrgFrame>;
}

function NumbersList(props: { orgId: string }) {
  const s = useStrings(numbersStrings);
  const [filter, setFilter] = createSignal<NumberFilter>({ esia: false, over80: false });
  const [list, { refetch }] = createResource(
    () => ({ orgId: props.orgId, ...filter() }),
    (k) => numbersApi.list(k.orgId, k),
  );
  const [mine] = createResource(businessApi.mine);
  // Assignment, limits and blocks are the administrators' and managers' (the server checks it too).
  const canManage = () => {
    const role = mine.latest?.find((o) => o.id === props.orgId)?.role;
    return role === "administrator" || role === "manager";
  };
  // The cards keep their state (an open form, a message, focus) while the list is fetched again: one per number.
  const [items, setItems] = createStore<NumberDto[]>([]);
  // The numbers as this page changed them, and when: an organisation on many shards gets its list from a snapshot up
  // to 10 minutes old (`figuresAt`), which must not put back a number as it was before a change made here since
  // (the card, and the form filled from it, would show and send the old limit or block).
  const changedHere = new Map<string, { n: NumberDto; at: number }>();
  createEffect(() => {
    // Only an answer that has come: while the list is asked again ("refreshing") `latest` is the previous answer,
    // which would undo a change the card has just shown (a limit saved while the list was being fetched). An errored
    // resource throws when read: the error is Loadable's to show.
    if (list.state !== "ready") return;
    const { items: got, figuresAt } = list();
    if (!figuresAt) changedHere.clear();
    const asOf = figuresAt ? Date.parse(figuresAt) : Number.POSITIVE_INFINITY;
    const shown = got.map((n) => {
      const local = changedHere.get(n.msisdn);
      return local && local.at > asOf ? local.n : n;
    });
    setItems(reconcile(shown, { key: "msisdn" }));
  });
  const changed = (n: NumberDto) => {
    // The server's time of the change (the snapshot's time is the server's too; the browser's clock may be off).
    changedHere.set(n.msisdn, { n, at: n.changedAt ? Date.parse(n.changedAt) : Date.now() });
    setItems((x) => x.msisdn === n.msisdn, reconcile(n));
    // The counts (unconfirmed, over 80 %) and the filters' answer follow from the server.
    void refetch();
  };
  const filtered = () => filter().esia || filter().over80;
  return (
    <section aria-labelledby="org-numbers">
      <h2 id="org-numbers">{s("title")}</h2>
      <fieldset class="chips">
        <legend>{s("filters")}</legend>
        <label class="checkbox">
          <input type="checkbox" checked={filter().esia} onChange={(e) => setFilter({ ...filter(), esia: e.currentTarget.checked })} />
          <span>{s("filterEsia")}</span>
        </label>
        <label class="checkbox">
          <input type="checkbox" checked={filter().over80} onChange={(e) => setFilter({ ...filter(), over80: e.currentTarget.checked })} />
          <span>{s("filterOver")}</span>
        </label>
      </fieldset>
      {/* The counts and the warning follow each answer; the cards stay (an open form, a message, focus) while it comes. */}
      <Loadable resource={list} onRetry={refetch}>
        {(l) => (
          <>
            <Show when={l.unconfirmed > 0}>
              <div class="notice notice--warning" role="note" aria-labelledby="esia-warning">
                <p id="esia-warning">
                  <strong>{s("esiaWarning", { n: l.unconfirmed })}</strong>
                </p>
                <p>{s("esiaHint")}</p>
              </div>
            </Show>
            <p>{s("summary", { total: l.total, unconfirmed: l.unconfirmed, over80: l.over80 })}</p>
            <SnapshotTime at={l.figuresAt} text={(time) => s("figuresAt", { time })} />
          </>
        )}
      </Loadable>
      <Show when={list.state === "ready" || list.state === "refreshing"}>
        <Show when={items.length > 0} fallback={<p>{filtered() ? s("emptyFiltered") : s("empty")}</p>}>
          <ul class="numbers">
            <For each={items}>
              {(n) => (
                <li>
                  <NumberCard orgId={props.orgId} number={n} canManage={canManage()} onChanged={changed} />
                </li>
              )}
            </For>
          </ul>
        </Show>
      </Show>
    </section>
  );
}

/** "2 500,50" or "2500.5" roubles as kopecks; null when empty; NaN when not a positive amount. */
function parseRub(text: string): number | null {
  const t = text.replace(/[\s\u00a0₽]/g, "").replace(",", ".");
  if (t === "") return null;
  if (!/^\d+(\.\d{1,2})?$/.test(t)) return Number.NaN;
  const kop = Math.round(Number(t) * 100);
  return kop > 0 ? kop : Number.NaN;
}

function NumberCard(props: { orgId: string; number: NumberDto; canManage: boolean; onChanged: (n: NumberDto) => void }) {
  const s = useStrings(numbersStrings);
  const { lang } = useI18n();
  const id = createUniqueId();
  const n = () => props.number;
  const [editing, setEditing] = createSignal(false);
  const [confirming, setConfirming] = createSignal(false);
  const action = createAction();
  const [saved, setSaved] = createSignal(false);
  let blockButton: HTMLButtonElement | undefined;
  let editButton: HTMLButtonElement | undefined;
  const phone = () => formatPhone(n().msisdn);
  const spendText = () =>
    n().limitKop === null
      ? s("spendNoLimit", { spent: formatRub(n().spendKop, lang()) })
      : s("spend", { spent: formatRub(n().spendKop, lang()), limit: formatRub(n().limitKop ?? 0, lang()), pct: n().usedPct ?? 0 });
  const toggleBlock = (block: boolean) =>
    action.run(async () => {
      setSaved(false);
      const after = block ? await numbersApi.block(props.orgId, n().msisdn) : await numbersApi.unblock(props.orgId, n().msisdn);
      setConfirming(false);
      props.onChanged(after);
      // The confirmation is gone: back to the button that opened it, once it is enabled again (after this action).
      setTimeout(() => blockButton?.focus());
      return block ? s("blocked") : s("unblocked");
    });
  const closeConfirm = () => {
    setConfirming(false);
    blockButton?.focus();
  };
  return (
    <article class="number-card" aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>{phone()}</h3>
      <p>
        <span class="muted">{n().assignee.kind === "device" ? s("device") : s("employee")}:</span> {n().assignee.name}
      </p>
      <p class="number-card__badges">
        <span class="badge" classList={{ "badge--warning": !n().esiaConfirmed }}>
          {n().esiaConfirmed ? s("esiaOk") : s("esiaNo")}
        </span>{" "}
        <span class="badge" classList={{ "badge--blocked": n().status !== "active" }}>
          {s(`status.${n().status}`)}
        </span>
      </p>
      <p id={`${id}-spend`}>
        {spendText()}
        <Show when={n().limitKop !== null && n().blockAtLimit}>
          <span class="muted"> · {s("blockAtLimit")}</span>
        </Show>
      </p>
      <Show when={n().limitKop}>
        {(limit) => (
          <meter
            min={0}
            max={limit()}
            low={Math.round(limit() * 0.8)}
            high={limit()}
            optimum={0}
            value={Math.min(n().spendKop, limit())}
            aria-labelledby={`${id}-spend`}
          />
        )}
      </Show>
      <Show when={props.canManage}>
        <div class="number-card__actions">
          <button
            ref={editButton}
            type="button"
            class="button button--small"
            aria-expanded={editing()}
            aria-controls={`${id}-edit`}
            onClick={() => setEditing(!editing())}
          >
            {s("edit")}
          </button>
          <button
            ref={blockButton}
            type="button"
            class="button button--small"
            aria-expanded={confirming()}
            onClick={() => setConfirming(true)}
            disabled={action.busy()}
          >
            {n().status === "blocked" ? s("unblock") : s("block")}
          </button>
        </div>
        <Show when={confirming()}>
          <div class="notice" role="alertdialog" aria-labelledby={`${id}-confirm`}>
            <p id={`${id}-confirm`}>
              {n().status === "blocked" ? s("unblockConfirm", { number: phone() }) : s("blockConfirm", { number: phone() })}
            </p>
            <button
              ref={(el) => queueMicrotask(() => el.focus())}
              type="button"
              class="button button--primary"
              disabled={action.busy()}
              onClick={() => void toggleBlock(n().status !== "blocked")}
              onKeyDown={(e) => e.key === "Escape" && closeConfirm()}
            >
              {n().status === "blocked" ? s("unblockYes") : s("blockYes")}
            </button>{" "}
            <button type="button" class="button" onClick={closeConfirm} onKeyDown={(e) => e.key === "Escape" && closeConfirm()}>
              {s("cancel")}
            </button>
          </div>
        </Show>
        <Show when={editing()}>
          <EditNumber
            id={`${id}-edit`}
            orgId={props.orgId}
            number={n()}
            onDone={(after) => {
              setEditing(false);
              editButton?.focus();
              setSaved(after !== null);
              if (after) props.onChanged(after);
            }}
          />
        </Show>
        <ProblemAlert problem={action.problem()} />
        <p role="status">{action.done() ?? (saved() ? s("saved") : "")}</p>
      </Show>
    </article>
  );
}

/** The assignee (an employee or a device), the monthly limit in roubles, and the block at 100 %. */
function EditNumber(props: { id: string; orgId: string; number: NumberDto; onDone: (after: NumberDto | null) => void }) {
  const s = useStrings(numbersStrings);
  const action = createAction();
  const [kind, setKind] = createSignal(props.number.assignee.kind);
  const [name, setName] = createSignal(props.number.assignee.name);
  const [limit, setLimit] = createSignal(props.number.limitKop === null ? "" : String(props.number.limitKop / 100).replace(".", ","));
  const [blockAtLimit, setBlockAtLimit] = createSignal(props.number.blockAtLimit);
  const [invalid, setInvalid] = createSignal<Problem | null>(null);
  const problem = () => invalid() ?? action.problem();
  const submit = (e: SubmitEvent) => {
    e.preventDefault();
    const limitKop = parseRub(limit());
    const wrong = (field: string, message: string) =>
      setInvalid({ type: "urn:kabinet:problem:validation", title: message, status: 400, errors: [{ field, message }] });
    if (name().trim() === "") return wrong("assignee.name", s("badName"));
    if (Number.isNaN(limitKop)) return wrong("limitKop", s("badLimit"));
    setInvalid(null);
    void action.run(async () => {
      const same = name().trim() === props.number.assignee.name && kind() === props.number.assignee.kind;
      const after = await numbersApi.change(props.orgId, props.number.msisdn, {
        assignee: { kind: kind(), name: name().trim(), subscriberId: same ? props.number.assignee.subscriberId : null },
        limitKop,
        blockAtLimit: blockAtLimit(),
      });
      props.onDone(after);
    });
  };
  return (
    <form
      id={props.id}
      class="number-edit"
      onSubmit={submit}
      aria-label={s("editTitle", { number: formatPhone(props.number.msisdn) })}
      novalidate
    >
      <fieldset class="chips">
        <legend>{s("assigneeKind")}</legend>
        <For each={["employee", "device"] as const}>
          {(k) => (
            <label class="checkbox">
              <input type="radio" name={`${props.id}-kind`} value={k} checked={kind() === k} onChange={() => setKind(k)} />
              <span>{s(k)}</span>
            </label>
          )}
        </For>
      </fieldset>
      <Field
        label={s("assigneeName")}
        name="assignee.name"
        problem={problem()}
        value={name()}
        maxLength={120}
        onInput={(e) => setName(e.currentTarget.value)}
      />
      <Field
        label={s("limit")}
        name="limitKop"
        problem={problem()}
        value={limit()}
        inputMode="decimal"
        onInput={(e) => setLimit(e.currentTarget.value)}
      />
      <label class="checkbox">
        <input type="checkbox" checked={blockAtLimit()} onChange={(e) => setBlockAtLimit(e.currentTarget.checked)} />
        <span>{s("blockAtLimitLabel")}</span>
      </label>
      <ProblemAlert problem={action.problem()} />
      <div class="number-card__actions">
        <button type="submit" class="button button--primary" disabled={action.busy()}>
          {s("save")}
        </button>
        <button type="button" class="button" onClick={() => props.onDone(null)}>
          {s("cancel")}
        </button>
      </div>
    </form>
  );
}
