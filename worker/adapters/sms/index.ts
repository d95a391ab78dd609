import type { GlobalDb } from "../../platform/db";
import { putInOutbox } from "../outbox";

/** Sends a text message. The production gateway implements the same interface. */
export interface SmsSender {
  /** Sends once per `dedupeKey`; resolves to false when that key was already sent. */
  send(to: string, text: string, dedupeKey: string): Promise<boolean>;
}

/** Local default: the dev outbox (visible at /dev/outbox). */
export function localSms(db: GlobalDb): SmsSender {
  return { send: (to, text, dedupeKey) => putInOutbox(db, { channel: "sms", to, body: text, dedupeKey }) };
}
