import { ApiError } from "../../lib/api";
import { authApi } from "./authApi";

/** Solves the server's proof-of-work challenge (ALTCHA v2) in the browser; returns the payload to send. */
export async function solveCaptcha(): Promise<string> {
  const [{ solveChallenge }, { deriveKey }] = await Promise.all([import("altcha-lib"), import("altcha-lib/algorithms/web/pbkdf2")]);
  const challenge = (await authApi.captcha()) as unknown as Parameters<typeof solveChallenge>[0]["challenge"];
  const solution = await solveChallenge({ challenge, deriveKey });
  if (!solution) throw new Error("captcha");
  return btoa(JSON.stringify({ challenge, solution }));
}

/** The server asks for a solved challenge first (the password login while many logins are failing). */
export const isChallengeRequired = (e: unknown) => e instanceof ApiError && e.problem.type === "urn:kabinet:problem:challenge-required";
