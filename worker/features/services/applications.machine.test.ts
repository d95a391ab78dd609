import { describe, expect, it } from "vitest";
import { APPLICATION_KINDS, APPLICATION_STATUSES } from "../../db/schema/region";
import { canMove, nextStatuses, TRANSITIONS } from "./applications.machine";

describe("application state machine", () => {
  it("lets nothing leave a finished application", () => {
    for (const from of ["done", "rejected", "cancelled"] as const)
      for (const to of APPLICATION_STATUSES)
        for (const actor of ["subscriber", "operator", "system"] as const) expect(canMove("connection", from, to, actor)).toBe(false);
  });

  it("lets a subscriber only withdraw what nobody has started", () => {
    const allowed = APPLICATION_STATUSES.flatMap((from) =>
      APPLICATION_STATUSES.filter((to) => canMove("connection", from, to, "subscriber")).map((to) => `${from}>${to}`),
    );
    expect(allowed).toEqual(["received>cancelled"]);
  });

  it("keeps operators off the applications the calendar carries out (voluntary block)", () => {
    for (const from of APPLICATION_STATUSES) expect(nextStatuses("block", from, "operator")).toEqual([]);
    expect(canMove("block", "received", "in_work", "system")).toBe(true);
    expect(canMove("block", "in_work", "done", "system")).toBe(true);
  });

  it("never moves an application back to received, and goes through work before a technician", () => {
    for (const kind of APPLICATION_KINDS)
      for (const from of APPLICATION_STATUSES) {
        expect(canMove(kind, from, "received", "operator")).toBe(false);
        expect(canMove(kind, from, from, "operator")).toBe(false);
      }
    expect(canMove("connection", "received", "technician_assigned", "operator")).toBe(false);
    expect(Object.keys(TRANSITIONS.in_work)).toContain("technician_assigned");
  });
});
