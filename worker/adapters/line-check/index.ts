import { LINE_FAULTS } from "../../data/services.data";

/** What the operator's side knows of a home line: the subscriber's port on the switch and the internet session. */
export interface LineState {
  accountNo: string;
  serviceId: string;
  /** The service: `suspended` while voluntarily blocked. */
  serviceStatus: "active" | "suspended";
  /** The account: `blocked` for debt (the session is refused). */
  accountStatus: "active" | "blocked" | "closed";
  /** The tariff's speed, Mbit/s. */
  speedMbps: number | null;
}

/**
 * The outcome: `ok`, or why the line does not work. `port_down`: no link from
 * the subscriber's equipment (a cable, the router off); `no_session`: the port
 * is up but the router does not log in; `blocked`/`suspended`: the operator
 * holds the session back on purpose.
 */
export type LineVerdict = "ok" | "port_down" | "no_session" | "blocked" | "suspended";

export interface LineCheckResult {
  verdict: LineVerdict;
  port: "up" | "down";
  session: "up" | "down";
  /** The session's negotiated speed, Mbit/s (while it is up). */
  speedMbps: number | null;
  checkedAt: string;
}

/** Asks the network (the switch and the access server) about one line. The production adapter talks to the OSS. */
export interface LineCheck {
  check(line: LineState, now?: Date): Promise<LineCheckResult>;
}

/**
 * Local default: answers from the service's own state as the network would
 * (active: port and session up at the tariff's speed; a debt block or a
 * voluntary block: the port is up and the session is refused), and fails the
 * way `LINE_FAULTS` says for the demo lines, so the next steps can be shown.
 */
export const localLineCheck: LineCheck = {
  async check(line, now = new Date()) {
    const checkedAt = now.toISOString();
    const fault = LINE_FAULTS[line.accountNo.slice(0, 11)];
    if (line.accountStatus !== "active") return { verdict: "blocked", port: "up", session: "down", speedMbps: null, checkedAt };
    if (line.serviceStatus === "suspended") return { verdict: "suspended", port: "up", session: "down", speedMbps: null, checkedAt };
    if (fault === "port_down") return { verdict: "port_down", port: "down", session: "down", speedMbps: null, checkedAt };
    if (fault === "no_session") return { verdict: "no_session", port: "up", session: "down", speedMbps: null, checkedAt };
    return { verdict: "ok", port: "up", session: "up", speedMbps: line.speedMbps, checkedAt };
  },
};

/** The line check in use (configuration picks the production adapter here). */
export function lineCheckFor(_env: unknown): LineCheck {
  return localLineCheck;
}
