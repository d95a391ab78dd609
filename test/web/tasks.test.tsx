import { cleanup, render, screen, waitFor } from "@solidjs/testing-library";
import { createResource, createSignal, For, Show } from "solid-js";
import { afterEach, describe, expect, it } from "vitest";
import { Loadable } from "../../web/src/app/Loadable";
import { I18nProvider } from "../../web/src/i18n";
import { createNextTask, createStaged, nextTask } from "../../web/src/lib/tasks";

afterEach(cleanup);

/** A list drawn one item per task inside `Loadable`'s children, and what comes after it, as the accounts page does. */
function Cards(props: { items: string[]; onCreate: () => void }) {
  const [res] = createResource(async () => props.items);
  const [listed, setListed] = createSignal(false);
  return (
    <I18nProvider initial="ru">
      <Loadable resource={res} onRetry={() => {}}>
        {(items) => {
          props.onCreate();
          const staged = createStaged(() => items);
          queueMicrotask(() => setListed(staged.done()));
          return (
            <ul>
              <For each={staged.shown()}>{(x) => <li>{x}</li>}</For>
              <Show when={staged.done()}>
                <li>{"всё"}</li>
              </Show>
            </ul>
          );
        }}
      </Loadable>
      <Show when={listed()}>
        <form aria-label="после списка" />
      </Show>
    </I18nProvider>
  );
}

describe("drawing a page in several tasks", () => {
  it("draws a list one item per task, every item in the end, and what follows it only after the last", async () => {
    let created = 0;
    render(() => <Cards items={["один", "два", "три", "четыре"]} onCreate={() => created++} />);
    await waitFor(() => expect(screen.getAllByRole("listitem").length).toBeGreaterThan(0));
    // Not all at once: the first task shows fewer than the whole list.
    expect(screen.queryByText("всё")).toBeNull();
    await waitFor(() => expect(screen.getByText("всё")).toBeTruthy());
    expect(screen.getAllByRole("listitem").map((li) => li.textContent)).toEqual(["один", "два", "три", "четыре", "всё"]);
    // The children were made once: counting the items did not make the page again (it looped forever when it did).
    expect(created).toBe(1);
    for (let i = 0; i < 5; i++) await nextTask();
    expect(created).toBe(1);
  });

  it("follows the list as is once it is out: an item added later shows at once", async () => {
    const [items, setItems] = createSignal(["а"]);
    let staged!: ReturnType<typeof createStaged<string>>;
    render(() => {
      staged = createStaged(items);
      return <For each={staged.shown()}>{(x) => <p>{x}</p>}</For>;
    });
    await waitFor(() => expect(staged.done()).toBe(true));
    setItems(["а", "б"]);
    expect(screen.getByText("б")).toBeTruthy();
  });

  it("an empty list is done at once", () => {
    let done = false;
    render(() => {
      done = createStaged(() => [] as string[]).done();
      return null;
    });
    expect(done).toBe(true);
  });

  it("shows what is guarded by createNextTask in the next task, not in the one that made it", async () => {
    render(() => {
      const later = createNextTask();
      return (
        <Show when={later()} fallback={<p>сначала</p>}>
          <p>потом</p>
        </Show>
      );
    });
    expect(screen.getByText("сначала")).toBeTruthy();
    await nextTask();
    expect(screen.getByText("потом")).toBeTruthy();
  });

  it("waits as many tasks as asked: the layout's menus and footer come a task after the page", async () => {
    render(() => {
      const page = createNextTask();
      const menus = createNextTask(2);
      return (
        <>
          <Show when={page()}>
            <p>страница</p>
          </Show>
          <Show when={menus()}>
            <p>меню</p>
          </Show>
        </>
      );
    });
    expect(screen.queryByText("страница")).toBeNull();
    await nextTask();
    expect(screen.getByText("страница")).toBeTruthy();
    expect(screen.queryByText("меню")).toBeNull();
    await nextTask();
    expect(screen.getByText("меню")).toBeTruthy();
  });
});
