import type { GlobalDb } from "../../platform/db";
import { putInOutbox } from "../outbox";

export interface EmailOptions {
  /** A notification's List-Unsubscribe target (RFC 2369): where the subscriber turns it off. */
  listUnsubscribe?: string;
}

/** Sends an email. The production provider implements the same interface. */
export interface EmailSender {
  /**
   * Sends once per `dedupeKey`; resolves to false when that key was already sent.
   * Throws `EmailRejected` when the message can never go (a malformed address),
   * any other error when it may go through later (the queue retries).
   */
  send(to: string, subject: string, text: string, dedupeKey: string, html?: string, options?: EmailOptions): Promise<boolean>;
}

/** The message can never be sent as it is. */
export class EmailRejected extends Error {
  readonly permanent = true;
  constructor(readonly detail: string) {
    super(detail);
    this.name = "EmailRejected";
  }
}

/** The provider could not take the message now: try again later. */
export class EmailUnavailable extends Error {
  constructor(readonly detail: string) {
    super(detail);
    this.name = "EmailUnavailable";
  }
}

/** Local default: the dev outbox (visible at /dev/outbox). */
export function localEmail(db: GlobalDb): EmailSender {
  return {
    send: (to, subject, text, dedupeKey, html) => putInOutbox(db, { channel: "email", to, subject, body: text, html, dedupeKey }),
  };
}
