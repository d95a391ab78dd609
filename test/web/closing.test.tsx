import "fake-indexeddb/auto";
import { createMemoryHistory, MemoryRouter, Route } from "@solidjs/router";
import { cleanup, render, screen, within } from "@solidjs/testing-library";
import { describe, expect, it, vi } from "vitest";
import { SessionProvider } from "../../web/src/features/auth/SessionContext";
import ClosingDocumentsPage from "../../web/src/features/business/ClosingDocuments";
import { I18nProvider, type Lang } from "../../web/src/i18n";
import { screenTestHooks } from "./harness";

const ORG = "org-demo-veter";
const profile = { id: "demo-biz-accountant", displayName: "Бухгалтер", phone: "+79000000011", email: null, login: "biz.accountant" };
const LIST = `/api/v1/business/organisations/${ORG}/documents/closing`;
const file = (id: string, f: string) => `${LIST}/${id}/${f}`;

const DOCS = [
  {
    id: "01kbq7m3w0v9c6d2h8r4t5y1zx",
    kind: "ukd",
    number: "УКД-2026-000001",
    period: "2026-11",
    revision: 1,
    correctsNumber: "УПД-2026-000124",
    docDate: "2026-12-06",
    totalKop: -12_000,
    vatKop: -2_164,
    vatPercent: 22,
    status: "ready",
    pdfUrl: file("01kbq7m3w0v9c6d2h8r4t5y1zx", "pdf"),
    xmlUrl: null,
  },
  {
    id: "01kbq7m3w0v9c6d2h8r4t5y1zy",
    kind: "upd",
    number: "УПД-2026-000124",
    period: "2026-11",
    revision: 0,
    correctsNumber: null,
    docDate: "2026-11-30",
    totalKop: 24_000_000,
    vatKop: 4_327_869,
    vatPercent: 22,
    status: "ready",
    pdfUrl: file("01kbq7m3w0v9c6d2h8r4t5y1zy", "pdf"),
    xmlUrl: file("01kbq7m3w0v9c6d2h8r4t5y1zy", "xml"),
  },
  {
    id: "01kbq7m3w0v9c6d2h8r4t5y1zz",
    kind: "upd",
    // Written, not numbered yet (a moment, or until the next run after one that died between the two).
    number: null,
    period: "2026-12",
    revision: 0,
    correctsNumber: null,
    docDate: "2026-12-31",
    totalKop: 100_00,
    vatKop: 18_03,
    vatPercent: 22,
    status: "generating",
    pdfUrl: null,
    xmlUrl: null,
  },
  {
    id: "01kbq7m3w0v9c6d2h8r4t5y1zw",
    kind: "upd",
    number: "УПД-2026-000002",
    period: "2025-12",
    revision: 0,
    correctsNumber: null,
    docDate: "2025-12-31",
    totalKop: 120_00,
    vatKop: 20_00,
    vatPercent: 20,
    status: "ready",
    pdfUrl: file("01kbq7m3w0v9c6d2h8r4t5y1zw", "pdf"),
    xmlUrl: file("01kbq7m3w0v9c6d2h8r4t5y1zw", "xml"),
  },
];

/** The server: a path → [status, body]; anything else is a 404 problem. */
function serve(routes: Record<string, [number, unknown]>) {
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: RequestInfo | URL) => {
      const url = new URL(String(input), "http://msk.kabinet.localhost");
      const [status, body] = routes[url.pathname] ?? [404, { type: "urn:kabinet:problem:not_found", title: "Не найдено", status: 404 }];
      return new Response(JSON.stringify(body), {
        status,
        headers: { "content-type": status >= 400 ? "application/problem+json" : "application/json" },
      });
    }),
  );
}

function mount(lang: Lang = "ru") {
  // biome-ignore lint/suspicious/noDocumentCookie: a test sets what the server would
  document.cookie = "kab_in=1";
  const history = createMemoryHistory();
  history.set({ value: `/business/${ORG}/documents/closing` });
  render(() => (
    <I18nProvider initial={lang}>
      <SessionProvider>
        <MemoryRouter history={history}>
          <Route path="/business/:id/documents/closing" component={ClosingDocumentsPage} />
        </MemoryRouter>
      </SessionProvider>
    </I18nProvider>
  ));
}

screenTestHooks();

describe("«Закрывающие документы» of an organisation", () => {
  it("lists each month's УПД and its corrections with status, sums and labelled PDF and XML links", async () => {
    serve({ "/api/v1/me": [200, { profile }], [LIST]: [200, { items: DOCS }] });
    mount();
    expect(await screen.findByRole("heading", { name: "Закрывающие документы", level: 1 })).toBeTruthy();
    const table = await screen.findByRole("table");
    const rows = within(table).getAllByRole("row").slice(1);
    expect(rows).toHaveLength(4);
    const [fix, upd, pending, december] = rows as [HTMLElement, HTMLElement, HTMLElement, HTMLElement];
    expect(within(upd).getByRole("rowheader").textContent).toBe("УПД-2026-000124УПД");
    expect(upd.textContent).toContain("ноябрь 2026 г.");
    expect(upd.textContent).toContain("30 ноября 2026 г.");
    expect(upd.textContent).toContain("240\u00a0000\u00a0₽");
    // VAT at the rate of the month of the services: 22 % for 2026 (425-ФЗ), 20 % for December 2025.
    expect(within(table).getAllByRole("columnheader")[4]?.textContent).toBe("В т. ч. НДС");
    expect(upd.querySelector('[data-label="В т. ч. НДС"]')?.textContent).toBe("43\u00a0278,69\u00a0₽ (22 %)");
    expect(december.querySelector('[data-label="В т. ч. НДС"]')?.textContent).toBe("20\u00a0₽ (20 %)");
    expect(table.textContent).not.toContain("НДС 20");
    expect(upd.textContent).toContain("Сформирован");
    expect(within(upd).getByRole("link", { name: "Скачать PDF документа УПД-2026-000124" }).getAttribute("href")).toBe(DOCS[1]?.pdfUrl);
    expect(within(upd).getByRole("link", { name: "Скачать XML документа УПД-2026-000124 для ЭДО" }).getAttribute("href")).toBe(
      DOCS[1]?.xmlUrl,
    );
    // A correction says what it corrects and has a PDF only; a document being made has no links yet.
    expect(fix.textContent).toContain("Корректировочный к УПД-2026-000124");
    expect(fix.textContent).toContain("-120\u00a0₽");
    expect(within(fix).getAllByRole("link")).toHaveLength(1);
    expect(pending.textContent).toContain("Формируется");
    expect(within(pending).getByRole("rowheader").textContent).toBe("Номер присваиваетсяУПД");
    expect(within(pending).queryAllByRole("link")).toHaveLength(0);
    expect(pending.textContent).toContain("Файлы появятся, когда документ сформируется");
    // The table scrolls in its own focusable box on a narrow screen.
    expect(table.closest("section.table-scroll")?.getAttribute("tabindex")).toBe("0");
  });

  it("speaks English, says when there is nothing yet, and shows a refusal with a retry", async () => {
    serve({ "/api/v1/me": [200, { profile }], [LIST]: [200, { items: [] }] });
    mount("en");
    expect(await screen.findByText(/No documents yet/)).toBeTruthy();
    cleanup();
    serve({ "/api/v1/me": [200, { profile }], [LIST]: [200, { items: DOCS.slice(3) }] });
    mount("en");
    const row = (await screen.findAllByRole("row"))[1] as HTMLElement;
    expect(screen.getAllByRole("columnheader")[4]?.textContent).toBe("Incl. VAT");
    expect(row.querySelector('[data-label="Incl. VAT"]')?.textContent).toMatch(/^(₽|RUB)?\s?20(\.00)?\s?(₽|RUB)? \(20%\)$/);
    cleanup();
    serve({ "/api/v1/me": [200, { profile }], [LIST]: [200, { items: [] }] });
    mount("en");
    expect(await screen.findByText(/No documents yet/)).toBeTruthy();
    expect(screen.getByRole("link", { name: "← Back to the organisation" }).getAttribute("href")).toBe(`/business/${ORG}`);
    cleanup();
    serve({
      "/api/v1/me": [200, { profile }],
      [LIST]: [403, { type: "urn:kabinet:problem:org_forbidden", title: "Недостаточно прав в организации", status: 403 }],
    });
    mount();
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Недостаточно прав в организации");
    expect(within(alert).getByRole("button")).toBeTruthy();
  });
});
