import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { type Applicant, createApplication, withdrawApplication } from "../../worker/features/services/applications.service";
import { firstBookableDay, visitCutoff } from "../../worker/features/services/visits.rules";
import { moveVisit } from "../../worker/features/services/visits.service";
import { createDataAccess, type ShardBinding } from "../../worker/platform/db";
import { AppError } from "../../worker/platform/errors";
import { makeAccountNo } from "../../worker/platform/ids";
import { addDays, localDay } from "../../worker/platform/region";
import { api, json, login } from "./helpers";

const ANNA_NSK = makeAccountNo("60700000003"); // nsk: the default 3 visits per window
type Problem = { type: string; title: string; errors?: { field: string }[] };
type App = {
  id: string;
  preferredDay: string;
  preferredSlot: string;
  visit: { day: string; slot: string; cutoffAt: string; changeable: boolean } | null;
  history: { comment: string | null }[];
};
type Slots = { cutoffHour: number; days: { day: string; slots: { slot: string; free: number; current: boolean }[] }[] };

const data = () => createDataAccess(env);
/** Anna as a session names her: her id and her home shard. */
const annaApplicant = async (): Promise<Applicant> => {
  const row = await env.DB.prepare("SELECT id, home_shard FROM subscribers WHERE login = 'anna'").first<{
    id: string;
    home_shard: ShardBinding;
  }>();
  return { subscriberId: row?.id ?? "", homeShard: row?.home_shard ?? "DB_MOSCOW" };
};
/** A technician call-out of anna's in Novosibirsk booked for a day and window. */
async function callout(day: string, slot: string) {
  const app = await createApplication(data(), async () => {}, {
    region: "nsk",
    ...(await annaApplicant()),
    kind: "callout",
    accountNo: ANNA_NSK,
    contactPhone: "+79000000001",
    preferredDay: day,
    preferredSlot: slot,
    details: { problem: "Нет интернета" },
  });
  return app.id;
}
const moveTo = (cookie: string, id: string, day: string, slot: string, lang = "ru") =>
  api(cookie, `/applications/${id}/visit?lang=${lang}`, { method: "PUT", body: JSON.stringify({ day, slot }) });

describe("technician visits (выезд специалиста)", () => {
  it("gives the last free place of a window to exactly one of several parallel moves", async () => {
    const anna = await login("anna");
    const first = firstBookableDay("nsk", new Date());
    const target = addDays(first, 3);
    await callout(target, "13-17");
    await callout(target, "13-17");
    const movers = [
      await callout(addDays(first, 2), "09-13"),
      await callout(addDays(first, 2), "13-17"),
      await callout(addDays(first, 2), "17-21"),
      await callout(addDays(first, 1), "09-13"),
    ];
    const before = await json<Slots>(await api(anna, `/applications/${movers[0]}/visit/slots`));
    expect(before.days.find((d) => d.day === target)?.slots.find((s) => s.slot === "13-17")?.free).toBe(1);
    const answers = await Promise.all(movers.map((id) => moveTo(anna, id, target, "13-17")));
    expect(answers.map((r) => r.status).sort()).toEqual([200, 409, 409, 409]);
    for (const res of answers.filter((r) => r.status === 409)) {
      expect(res.headers.get("content-type")).toContain("application/problem+json");
      const p = await json<Problem>(res);
      expect(p.type).toBe("urn:kabinet:problem:visit-slot-taken");
      expect(p.title).toBe("Это время уже занято: выберите другое");
    }
    const after = await json<Slots>(await api(anna, `/applications/${movers[0]}/visit/slots`));
    expect(after.days.find((d) => d.day === target)?.slots.find((s) => s.slot === "13-17")?.free).toBe(0);
    const booked = await Promise.all(movers.map(async (id) => (await json<App>(await api(anna, `/applications/${id}`))).visit?.day));
    expect(booked.filter((d) => d === target)).toHaveLength(1);
  });

  it("moves a visit once when asked twice, records it in the history and frees the old window", async () => {
    const anna = await login("anna");
    const first = firstBookableDay("nsk", new Date());
    const id = await callout(addDays(first, 5), "17-21");
    const [a, b] = await Promise.all([moveTo(anna, id, addDays(first, 6), "09-13"), moveTo(anna, id, addDays(first, 6), "09-13")]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const app = await json<App>(await api(anna, `/applications/${id}`));
    expect(app.visit).toMatchObject({ day: addDays(first, 6), slot: "09-13", changeable: true });
    expect(app.history.filter((h) => h.comment?.startsWith("Визит перенесён"))).toHaveLength(1);
    const slots = await json<Slots>(await api(anna, `/applications/${id}/visit/slots`));
    expect(slots.days.find((d) => d.day === addDays(first, 5))?.slots.find((s) => s.slot === "17-21")?.free).toBe(3);
    expect(slots.days.find((d) => d.day === addDays(first, 6))?.slots.find((s) => s.slot === "09-13")?.current).toBe(true);
  });

  it("refuses moving or cancelling after 18:00 local the day before, in ru and en", async () => {
    const anna = await login("anna");
    // Booked for today: its cutoff was yesterday at 18:00.
    const today = localDay("Asia/Novosibirsk");
    const late = await callout(today, "17-21");
    const first = firstBookableDay("nsk", new Date());
    const ru = await moveTo(anna, late, addDays(first, 1), "09-13");
    expect(ru.status).toBe(409);
    expect(ru.headers.get("content-type")).toContain("application/problem+json");
    expect((await json<Problem>(ru)).title).toBe("Визит можно перенести или отменить до 18:00 накануне");
    expect((await json<Problem>(await moveTo(anna, late, addDays(first, 1), "09-13", "en"))).title).toBe(
      "A visit can be moved or cancelled until 18:00 the day before",
    );
    expect((await api(anna, `/applications/${late}/cancel`, { method: "POST" })).status).toBe(409);
    const shown = await json<App>(await api(anna, `/applications/${late}`));
    expect(shown.visit?.changeable).toBe(false);
    // One minute before the cutoff it can still be moved; one minute after, neither moved nor cancelled.
    const day = addDays(first, 4);
    const id = await callout(day, "09-13");
    const cutoff = visitCutoff("nsk", day).getTime();
    const tooLate = new Date(cutoff + 60_000);
    const err = await moveVisit(data(), await annaApplicant(), id, { day: addDays(day, 1), slot: "09-13" }, tooLate).catch((e) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).slug).toBe("visit_cutoff");
    const cancel = await withdrawApplication(data(), async () => {}, await annaApplicant(), id, tooLate).catch((e) => e);
    expect((cancel as AppError).slug).toBe("visit_cutoff");
    const moved = await moveVisit(data(), await annaApplicant(), id, { day: addDays(day, 1), slot: "13-17" }, new Date(cutoff - 60_000));
    expect(moved.visit).toMatchObject({ day: addDays(day, 1), slot: "13-17" });
  });

  it("does not book a new call-out into a full window", async () => {
    const anna = await login("anna");
    const day = addDays(firstBookableDay("nsk", new Date()), 7);
    const ids = [await callout(day, "17-21"), await callout(day, "17-21"), await callout(day, "17-21")];
    const apply = (slot: string) =>
      api(anna, "/applications", {
        method: "POST",
        body: JSON.stringify({
          kind: "callout",
          accountNo: ANNA_NSK,
          problem: "Нет интернета",
          preferredDay: day,
          preferredSlot: slot,
          contactPhone: "+79000000001",
        }),
      });
    const full = await apply("17-21");
    expect(full.status).toBe(409);
    expect((await json<Problem>(full)).type).toBe("urn:kabinet:problem:visit-slot-taken");
    const slots = await json<Slots>(await api(anna, `/applications/${ids[0]}/visit/slots`));
    expect(slots.days.find((d) => d.day === day)?.slots.find((s) => s.slot === "17-21")?.free).toBe(0);
    expect((await apply("13-17")).status).toBe(201);
  });

  it("answers someone else's application the same 404 as none, and bad input with a 400 naming the field", async () => {
    const petr = await login("petr");
    const anna = await login("anna");
    const id = await callout(addDays(firstBookableDay("nsk", new Date()), 8), "09-13");
    for (const res of [
      await api(petr, `/applications/${id}/visit/slots`),
      await moveTo(petr, id, addDays(firstBookableDay("nsk", new Date()), 3), "09-13"),
      await api(petr, `/applications/0000000000000000000000zzzz/visit/slots`),
    ]) {
      expect(res.status).toBe(404);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
    }
    const badSlot = await moveTo(anna, id, addDays(firstBookableDay("nsk", new Date()), 3), "08-12");
    expect(badSlot.status).toBe(400);
    expect((await json<Problem>(badSlot)).errors?.map((e) => e.field)).toContain("slot");
    const farDay = await moveTo(anna, id, addDays(firstBookableDay("nsk", new Date()), 40), "09-13");
    expect(farDay.status).toBe(400);
    expect((await json<Problem>(farDay)).errors?.map((e) => e.field)).toContain("day");
  });
});
