import type { GlobalDb } from "../../platform/db";
import { putInOutbox } from "../outbox";

/** Sends a text message. The production gateway implements the same interface. */
export interface SmsSender {
  /**
   * Sends once per `dedupeKey`; resolves to false when that key was already sent.
   * Throws `SmsRejected` when the gateway refuses this message for good (retrying
   * cannot help), any other error when it may go through later (the queue retries).
   */
  send(to: string, text: string, dedupeKey: string): Promise<boolean>;
}

/** The gateway refused this message for good (bad number, forbidden text or sender name, too long). */
export class SmsRejected extends Error {
  readonly permanent = true;
  constructor(readonly detail: string) {
    super(detail);
    this.name = "SmsRejected";
  }
}

/** The gateway could not take the message now (down, rate-limited, credentials or funds): try again later. */
export class SmsUnavailable extends Error {
  constructor(readonly detail: string) {
    super(detail);
    this.name = "SmsUnavailable";
  }
}

/** Local default: the dev outbox (visible at /dev/outbox). */
export function localSms(db: GlobalDb): SmsSender {
  return { send: (to, text, dedupeKey) => putInOutbox(db, { channel: "sms", to, body: text, dedupeKey }) };
}
