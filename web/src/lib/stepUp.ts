import { authApi } from "../features/auth/authApi";
import { ApiError } from "./api";
import { sendCode } from "./codes";

/** Sends the step-up code (`sendCode`: one sent a moment ago leads to the field too). */
export const startStepUp = () => sendCode(authApi.startStepUp);

/**
 * Runs a money operation; when the server answers that it needs a fresh SMS
 * code (step-up), sends the code and calls `ask` (the form then shows the code
 * field and runs the operation again). Returns whether the operation ran.
 */
export async function runOrStepUp(operation: () => Promise<unknown>, ask: () => void): Promise<boolean> {
  try {
    await operation();
    return true;
  } catch (e) {
    if (!(e instanceof ApiError && e.problem.type.endsWith(":step-up-required"))) throw e;
    await startStepUp();
    ask();
    return false;
  }
}
