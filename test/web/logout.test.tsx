import "fake-indexeddb/auto";
import { cleanup, fireEvent, screen, waitFor } from "@solidjs/testing-library";
import { afterEach, describe, expect, it, vi } from "vitest";
import { useSession } from "../../web/src/features/auth/SessionContext";
import { mount, sent, serve } from "./harness";

const anna = { id: "demo-anna", displayName: "Анна Смирнова", phone: "+79000000001", email: null, login: "anna" };

/** A screen with who is logged in and a logout button. */
function Who() {
  const session = useSession();
  return (
    <div>
      <p>{session.profile() ? `Вы вошли как ${session.profile()?.displayName}` : session.profile() === null ? "Вход" : "…"}</p>
      <button type="button" onClick={() => void session.logout()}>
        Выйти
      </button>
    </div>
  );
}

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("logging out", () => {
  it("shows the login screen only once the server has ended the session — a login made sooner would lose its new cookie to the late logout", async () => {
    let answer: (() => void) | undefined;
    serve({
      "/api/v1/me": { profile: anna },
      "POST /api/v1/auth/logout": () =>
        new Promise((resolve) => {
          answer = () => resolve({ status: 204, body: null });
        }),
    });
    mount("/", "/", Who);
    await screen.findByText("Вы вошли как Анна Смирнова");
    fireEvent.click(screen.getByRole("button", { name: "Выйти" }));
    await waitFor(() => expect(sent.some((s) => s.method === "POST" && s.url === "/api/v1/auth/logout")).toBe(true));
    // The server has not answered yet: no login form to type into.
    expect(screen.queryByText("Вход")).toBeNull();
    answer?.();
    await screen.findByText("Вход");
  });

  it("shows the login screen when the server cannot be reached (the device is wiped either way)", async () => {
    serve({ "/api/v1/me": { profile: anna } });
    mount("/", "/", Who);
    await screen.findByText("Вы вошли как Анна Смирнова");
    vi.stubGlobal(
      "fetch",
      vi.fn(async () => {
        throw new TypeError("Failed to fetch");
      }),
    );
    fireEvent.click(screen.getByRole("button", { name: "Выйти" }));
    await screen.findByText("Вход");
  });
});
