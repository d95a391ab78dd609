import "fake-indexeddb/auto";
import { describe, expect, it } from "vitest";
import { filterEntries } from "../../web/src/features/accounts/AccountPage";
import type { LedgerEntryDto } from "../../web/src/features/accounts/accountsApi";
import { cacheOwner, claimCache, fetchWithSnapshot, loadSnapshot, saveSnapshot, wipeCache } from "../../web/src/lib/offline";

describe("the device cache", () => {
  it("belongs to one subscriber: another one logging in finds it empty", async () => {
    await claimCache("anna");
    await saveSnapshot("accounts", { totalKop: 100 });
    await claimCache("anna");
    expect((await loadSnapshot("accounts"))?.data).toEqual({ totalKop: 100 });
    await claimCache("petr");
    expect(await loadSnapshot("accounts")).toBeUndefined();
    expect(await cacheOwner()).toBe("petr");
  });

  it("is empty after a wipe", async () => {
    await claimCache("olga");
    await saveSnapshot("x", 1);
    await wipeCache();
    expect(await loadSnapshot("x")).toBeUndefined();
    expect(await cacheOwner()).toBeUndefined();
  });

  it("keeps the order it was asked for when the app does not wait: a claim, then copies, then a logout", async () => {
    await claimCache("anna");
    await saveSnapshot("accounts", { owner: "anna" });
    // The app draws at once and does not await these (the session's claim and its first copies).
    const claim = claimCache("petr");
    const copy = saveSnapshot("accounts", { owner: "petr" });
    // Read before anything was awaited: it sees the state after the claim and the copy, never anna's.
    const seen = loadSnapshot<{ owner: string }>("accounts");
    await Promise.all([claim, copy]);
    expect((await seen)?.data).toEqual({ owner: "petr" });
    // And the copy was not wiped by the claim that was asked for before it (it would be, written first).
    expect((await loadSnapshot("accounts"))?.data).toEqual({ owner: "petr" });
    expect(await cacheOwner()).toBe("petr");
    // A write still in flight when the logout wipes lands before the wipe, so nothing is left after it.
    const late = saveSnapshot("history", [1, 2, 3]);
    await wipeCache();
    await late;
    expect(await loadSnapshot("history")).toBeUndefined();
    expect(await loadSnapshot("accounts")).toBeUndefined();
  });

  it("serves the copy only when the network is unreachable, not when the server says no", async () => {
    await claimCache("anna");
    expect(await fetchWithSnapshot("k", async () => 42)).toMatchObject({ data: 42, stale: false });
    expect(
      await fetchWithSnapshot("k", async () => {
        throw new TypeError("Failed to fetch");
      }),
    ).toMatchObject({ data: 42, stale: true });
    await expect(
      fetchWithSnapshot("k", async () => {
        throw new Error("401");
      }),
    ).rejects.toThrow("401");
  });
});

describe("offline history filters", () => {
  const e = (kind: LedgerEntryDto["kind"], localDay: string, serviceId: string | null): LedgerEntryDto => ({
    id: `${kind}${localDay}`,
    kind,
    amountKop: kind === "payment" ? 100 : -10,
    occurredAt: `${localDay}T09:00:00.000Z`,
    localDay,
    bookedDay: localDay,
    tz: "Europe/Moscow",
    serviceId,
    description: { ru: "", en: "" },
    balanceAfterKop: 0,
  });
  const items = [e("charge", "2026-11-20", "s1"), e("payment", "2026-11-05", null), e("charge", "2026-10-20", "s2")];
  it("apply type, service and period on the device", () => {
    expect(filterEntries(items, new URLSearchParams("type=payment")).map((x) => x.kind)).toEqual(["payment"]);
    expect(filterEntries(items, new URLSearchParams("service=s2")).map((x) => x.localDay)).toEqual(["2026-10-20"]);
    expect(filterEntries(items, new URLSearchParams("from=2026-11-01&to=2026-11-30"))).toHaveLength(2);
  });
  it("find a refund that came after its month was closed in the open month, as the server does", () => {
    const late = { ...e("refund", "2026-10-20", null), bookedDay: "2026-11-01" };
    expect(filterEntries([...items, late], new URLSearchParams("from=2026-11-01&type=refund")).map((x) => x.localDay)).toEqual([
      "2026-10-20",
    ]);
    expect(filterEntries([...items, late], new URLSearchParams("to=2026-10-31&type=refund"))).toEqual([]);
  });
});
