import { ApiError, api } from "./api";
import { tooSoonFor } from "./codes";

/**
 * Sends the step-up code. One sent a moment ago is still good (the server refuses another for a minute): then the
 * form goes on to the code field all the same. Returns the seconds until another can be sent, if that was the case.
 */
export async function startStepUp(): Promise<number | undefined> {
  try {
    await api.startStepUp();
    return undefined;
  } catch (e) {
    const seconds = tooSoonFor(e);
    if (seconds === null) throw e;
    return seconds;
  }
}

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
