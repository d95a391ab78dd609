import { ApiError } from "./api";

/** How long after sending a code the server takes another one for the same phone or email (`resend` in the limits). */
export const RESEND_AFTER_SECONDS = 60;

/**
 * When sending a code was refused because one was sent a moment ago (`code-too-soon`), the seconds until another
 * can be sent: that code is valid, so the form goes on to its field rather than stopping at the refusal.
 */
export function tooSoonFor(e: unknown): number | null {
  if (!(e instanceof ApiError && e.problem.type.endsWith(":code-too-soon"))) return null;
  return e.problem.retryAfter ?? RESEND_AFTER_SECONDS;
}

/**
 * Sends a code. One sent a moment ago is still good: then the form goes on to its field all the same. Returns the
 * seconds until another can be sent when that was the case (undefined when a code was sent now); other errors throw.
 */
export async function sendCode(send: () => Promise<unknown>): Promise<number | undefined> {
  try {
    await send();
    return undefined;
  } catch (e) {
    const seconds = tooSoonFor(e);
    if (seconds === null) throw e;
    return seconds;
  }
}
