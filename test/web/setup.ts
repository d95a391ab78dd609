import { configure } from "@solidjs/testing-library";
import { IDBFactory } from "fake-indexeddb";
import { vi } from "vitest";

// Whole screens render in jsdom while `npm test` runs the Worker and browser suites beside this one on the same
// cores: a `findBy…`/`waitFor` waits up to 5 s for what a person would see (testing-library's default is 1 s).
configure({ asyncUtilTimeout: 5_000 });

// The files of a Vitest worker share one jsdom (`isolate: false`, vitest.web.config.ts): each starts as in a new one.
// Modules are evaluated again (a language chosen, a dictionary loaded or a store filled by an earlier file is not
// there), storage, cookies and the page are empty, and fakes and stubs are undone.
vi.resetModules();
vi.useRealTimers();
vi.unstubAllGlobals();
vi.unstubAllEnvs();
vi.restoreAllMocks();
// And IndexedDB is new: the app does not await its device cache's writes and wipes (web/src/lib/offline.ts), and one
// still in flight when an earlier file ended landed in the next file's database (`fake-indexeddb/auto` sets one
// factory for the whole worker): test/web/offline.test.ts once found the copy it had just saved wiped.
Object.defineProperty(globalThis, "indexedDB", { value: new IDBFactory(), configurable: true, writable: true });
// (Files in the Node environment, `// @vitest-environment node`, have no page.)
if (typeof document !== "undefined") {
  localStorage.clear();
  sessionStorage.clear();
  for (const c of document.cookie.split(";")) {
    const name = c.split("=")[0]?.trim();
    // biome-ignore lint/suspicious/noDocumentCookie: jsdom has no Cookie Store API; this expires what a file set.
    if (name) document.cookie = `${name}=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/`;
  }
  document.head.innerHTML = "";
  document.body.innerHTML = "";
  for (const a of [...document.documentElement.attributes]) document.documentElement.removeAttribute(a.name);
}
