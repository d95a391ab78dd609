import { cleanup, render, screen } from "@solidjs/testing-library";
import { createResource } from "solid-js";
import { afterEach, describe, expect, it } from "vitest";
import { Loadable } from "../../web/src/app/Loadable";
import { I18nProvider } from "../../web/src/i18n";
import { ApiError } from "../../web/src/lib/api";

function Harness(props: { fail: boolean }) {
  let attempt = 0;
  let release: (v: string) => void = () => {};
  const [res, { refetch }] = createResource(() =>
    props.fail && attempt++ === 0
      ? Promise.reject(new ApiError({ type: "x", title: "Регион не найден", status: 404 }))
      : new Promise<string>((r) => {
          release = r;
        }),
  );
  return (
    <>
      <button type="button" onClick={() => release("готово")}>
        release
      </button>
      <Loadable resource={res} onRetry={refetch}>
        {(v) => <p>{v}</p>}
      </Loadable>
    </>
  );
}

afterEach(cleanup);

describe("Loadable", () => {
  it("announces loading, then shows the value", async () => {
    render(() => (
      <I18nProvider initial="ru">
        <Harness fail={false} />
      </I18nProvider>
    ));
    expect(screen.getByRole("status").textContent).toBe("Загрузка…");
    screen.getByText("release").click();
    expect(await screen.findByText("готово")).toBeTruthy();
  });

  it("shows the problem's title as an alert with a retry that works", async () => {
    render(() => (
      <I18nProvider initial="ru">
        <Harness fail={true} />
      </I18nProvider>
    ));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Регион не найден");
    screen.getByRole("button", { name: "Повторить" }).click();
    expect((await screen.findByRole("status")).textContent).toBe("Загрузка…");
    screen.getByText("release").click();
    expect(await screen.findByText("готово")).toBeTruthy();
    expect(screen.queryByRole("alert")).toBeNull();
  });
});
