import { createSignal } from "solid-js";
import { useI18n } from "../i18n";
import { type Problem, problemOf } from "./api";

/**
 * The state of a form's action: busy while it runs, the API's problem if it
 * fails, and an optional success message it returns.
 */
export function createAction(initial: Problem | null = null) {
  const { t } = useI18n();
  const [busy, setBusy] = createSignal(false);
  const [problem, setProblem] = createSignal<Problem | null>(initial);
  const [done, setDone] = createSignal<string | null>(null);
  /** Runs the action; a string it resolves to is shown as the success message. */
  const run = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    setProblem(null);
    setDone(null);
    try {
      const message = await fn();
      setDone(typeof message === "string" ? message : null);
    } catch (e) {
      setProblem(problemOf(e, t("common.error")));
    } finally {
      setBusy(false);
    }
  };
  const clear = () => {
    setProblem(null);
    setDone(null);
  };
  return { busy, problem, done, run, clear };
}

/**
 * One action for the rows of a list that is drawn again after it runs (a `Loadable` rebuilds its rows when the list
 * comes again): busy, the problem and the message outlive the row that ran it, and `isFor(key)` says which row that
 * was (`key()`: none yet).
 */
export function createRowAction() {
  const action = createAction();
  const [key, setKey] = createSignal<string | null>(null);
  /** Runs `fn` for the row `rowKey`. */
  const runFor = (rowKey: string, fn: () => Promise<unknown>) => {
    setKey(rowKey);
    return action.run(fn);
  };
  return { ...action, key, isFor: (rowKey: string) => key() === rowKey, runFor };
}

export type RowAction = ReturnType<typeof createRowAction>;

/**
 * Text typed in a box that a redraw must not wipe (a `Loadable` rebuilds the box when what it shows comes again):
 * kept here, and emptied once sent unless more was typed meanwhile.
 */
export function createDraft() {
  const draft = createEdit<string>();
  /** `sent(was)`: `was` went out, and the box is emptied, unless it holds more than that now. */
  return { text: () => draft.value() ?? "", setText: draft.set, sent: draft.sent };
}

/**
 * A value changed in a form and not saved yet, that a redraw must not put back as it was saved (a `Loadable` rebuilds
 * the form when what it shows comes again): `value()` is undefined until it is changed, when the form shows what was
 * saved; forgotten once sent unless changed again meanwhile (each change is a new value).
 */
export function createEdit<T>() {
  const [value, setValue] = createSignal<T>();
  const set = (v: T) => setValue(() => v);
  /** `was` went out: the form shows what is saved again, unless it was changed since. */
  const sent = (was: T | undefined) => setValue((now) => (now === was ? undefined : now));
  return { value, set, sent };
}
