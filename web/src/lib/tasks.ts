import { type Accessor, createSignal, onCleanup, untrack } from "solid-js";

/**
 * Breaking up the first render into tasks. A page drawn in one task is one long task: on a mid-range phone
 * (4–5× slower than a desktop) the layout and two account cards took 400–500 ms, during which a tap is not
 * answered (Lighthouse's total blocking time). Drawn a part per task, each part is short and the browser may
 * answer input or paint in between. What is drawn later is below what is drawn first, and `main` is at least a
 * screen tall, so nothing already on the screen moves.
 */

interface Scheduler {
  yield(): Promise<void>;
}

/** Resolves in a new task: `scheduler.yield()` where the browser has it, else a message to a channel (no 4 ms clamp of nested timers). */
export function nextTask(): Promise<void> {
  const s = (globalThis as { scheduler?: Scheduler }).scheduler;
  if (typeof s?.yield === "function") return s.yield();
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

/**
 * True from the `tasks`-th task after the one the component was created in (the next one by default): what it
 * guards is drawn in a task of its own.
 */
export function createNextTask(tasks = 1): Accessor<boolean> {
  const [ready, setReady] = createSignal(false);
  let live = true;
  onCleanup(() => {
    live = false;
  });
  void (async () => {
    for (let i = 0; i < tasks && live; i++) await nextTask();
    if (live) setReady(true);
  })();
  return ready;
}

/**
 * The first items of `list`, `perTask` more in each next task until all are shown (then it follows `list` as
 * is): a long list's cards are drawn a few per task. `done` turns true when the whole list is out, for what
 * comes after it on the page.
 */
export function createStaged<T>(list: Accessor<readonly T[]>, perTask = 1): { shown: Accessor<readonly T[]>; done: Accessor<boolean> } {
  const [count, setCount] = createSignal(0);
  let live = true;
  onCleanup(() => {
    live = false;
  });
  const step = async () => {
    while (live && count() < list().length) {
      await nextTask();
      if (live) setCount((n) => n + perTask);
    }
    if (live) setCount(Number.POSITIVE_INFINITY);
  };
  // Untracked: a caller's memo (a `Show`'s or `Loadable`'s children) must not re-run on the count it reads.
  untrack(() => void step());
  return {
    shown: () => (count() >= list().length ? list() : list().slice(0, count())),
    done: () => count() === Number.POSITIVE_INFINITY,
  };
}
