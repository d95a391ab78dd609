import { VISIT_CUTOFF_HOUR, VISIT_DAYS_SHOWN, VISIT_WINDOWS, type VisitWindow, visitCapacity } from "../../data/visits.data";
import type { DataAccess } from "../../platform/db";
import { rawBatch } from "../../platform/db";
import { AppError } from "../../platform/errors";
import { newId } from "../../platform/ids";
import { addDays } from "../../platform/region";
import * as q from "./applications.queries";
import { type Applicant, applicationView, findOwnApplication } from "./applications.service";
import { firstBookableDay, visitOf } from "./visits.rules";

async function mine(data: DataAccess, who: Applicant, id: string) {
  // Anyone else's application is the same 404 as none.
  return findOwnApplication(data, who, id);
}

/** Open visits booked in a window: counted from the applications themselves, so the booking and the count cannot drift. */
const TAKEN_SQL = `SELECT count(*) FROM applications WHERE region = ? AND preferred_day = ? AND preferred_slot = ?
  AND status IN ('received', 'in_work', 'technician_assigned')`;

/** Free windows for moving one of the subscriber's visits: each day from the first bookable, with what is left. */
export async function visitSlots(data: DataAccess, who: Applicant, id: string, now = new Date()) {
  const { app, db } = await mine(data, who, id);
  const visit = visitOf(app, now);
  if (!visit) throw new AppError(409, "visit_none");
  const first = firstBookableDay(app.region, now);
  const days = Array.from({ length: VISIT_DAYS_SHOWN }, (_, i) => addDays(first, i));
  const last = days[days.length - 1] as string;
  const rows = await rawBatch(db, [
    [
      `SELECT preferred_day d, preferred_slot s, count(*) n FROM applications
         WHERE region = ? AND preferred_day BETWEEN ? AND ? AND status IN ('received', 'in_work', 'technician_assigned')
         GROUP BY preferred_day, preferred_slot`,
      app.region,
      first,
      last,
    ],
  ]);
  const taken = new Map(((rows[0]?.results ?? []) as { d: string; s: string; n: number }[]).map((r) => [`${r.d} ${r.s}`, r.n]));
  const capacity = visitCapacity(app.region);
  return {
    visit,
    cutoffHour: VISIT_CUTOFF_HOUR,
    days: days.map((day) => ({
      day,
      slots: VISIT_WINDOWS.map((slot) => {
        const own = day === app.preferredDay && slot === app.preferredSlot;
        return { slot, free: Math.max(0, capacity - (taken.get(`${day} ${slot}`) ?? 0)), current: own };
      }),
    })),
  };
}

/**
 * Moves a visit to another free window, until the cutoff of both the old and
 * the new day. The window is taken by one conditional UPDATE (only while
 * fewer than its capacity are booked there), so parallel moves into the last
 * place cannot both win; moving to where it already is answers the same.
 */
export async function moveVisit(data: DataAccess, who: Applicant, id: string, to: { day: string; slot: VisitWindow }, now = new Date()) {
  const { app, db } = await mine(data, who, id);
  const visit = visitOf(app, now);
  if (!visit) throw new AppError(409, "visit_none");
  const view = async () => {
    const fresh = (await q.selectApplication(db, id)) ?? app;
    return applicationView(fresh, await q.selectEvents(db, id), "subscriber", undefined, now);
  };
  if (visit.day === to.day && visit.slot === to.slot) return view();
  if (!visit.changeable) throw new AppError(409, "visit_cutoff", { hour: VISIT_CUTOFF_HOUR });
  const first = firstBookableDay(app.region, now);
  if (to.day < first || to.day > addDays(first, VISIT_DAYS_SHOWN - 1))
    throw new AppError(400, "validation", {}, [{ field: "day", message: "field.visit.day" }]);
  const t = now.getTime();
  const [moved] = await rawBatch(db, [
    [
      `UPDATE applications SET preferred_day = ?, preferred_slot = ?, updated_at = ?
         WHERE id = ? AND preferred_day = ? AND preferred_slot = ? AND status IN ('received', 'in_work', 'technician_assigned')
           AND (${TAKEN_SQL}) < ?`,
      to.day,
      to.slot,
      t,
      id,
      visit.day,
      visit.slot,
      app.region,
      to.day,
      to.slot,
      visitCapacity(app.region),
    ],
    [
      `INSERT INTO application_events (id, application_id, from_status, to_status, actor, comment, at)
         SELECT ?, ?, ?, ?, 'subscriber', ?, ? WHERE changes() = 1`,
      newId(t),
      id,
      app.status,
      app.status,
      `Визит перенесён: ${to.day}, ${to.slot.replace("-", ":00–")}:00`,
      t,
    ],
  ]);
  if ((moved?.meta.changes ?? 0) === 1) return view();
  // Nothing changed: a parallel request of the same move won (the same answer), or the window is full.
  const again = await q.selectApplication(db, id);
  if (again?.preferredDay === to.day && again.preferredSlot === to.slot) return view();
  throw new AppError(409, "visit_slot_taken");
}
