import type { GlobalDb } from "../../platform/db";
import { putInOutbox } from "../outbox";

/** Sends an email. The production provider implements the same interface. */
export interface EmailSender {
  /** Sends once per `dedupeKey`; resolves to false when that key was already sent. */
  send(to: string, subject: string, text: string, dedupeKey: string, html?: string): Promise<boolean>;
}

/** Local default: the dev outbox (visible at /dev/outbox). */
export function localEmail(db: GlobalDb): EmailSender {
  return {
    send: (to, subject, text, dedupeKey, html) => putInOutbox(db, { channel: "email", to, subject, body: text, html, dedupeKey }),
  };
}
