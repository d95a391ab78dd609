import { ZxcvbnFactory } from "@zxcvbn-ts/core";
import { adjacencyGraphs, dictionary } from "@zxcvbn-ts/language-common";
import type { FieldError } from "./errors";

/** NIST SP 800-63B: at least 8 characters, long passphrases allowed, any characters, no composition rules. */
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 256;

let factory: ZxcvbnFactory | undefined;
const zxcvbn = () => {
  factory ??= new ZxcvbnFactory({ dictionary, graphs: adjacencyGraphs });
  return factory;
};

const COMMON = () => new Set(dictionary["passwords-common"]);
let common: Set<string> | undefined;

export type PasswordProblem = "too_short" | "too_long" | "common" | "contains_personal" | "guessable";

/**
 * Why a new password is refused, or null when it is accepted. Rejects what
 * 800-63B asks to reject: too short, found in lists of common or breached
 * passwords, containing the subscriber's own login, phone or email, or
 * trivially guessable (repeats, sequences, keyboard walks: zxcvbn score < 2).
 */
export function checkPassword(password: string, personal: (string | null | undefined)[]): PasswordProblem | null {
  const length = [...password].length;
  if (length < PASSWORD_MIN) return "too_short";
  if (length > PASSWORD_MAX) return "too_long";
  common ??= COMMON();
  const lower = password.toLowerCase();
  if (common.has(lower)) return "common";
  const inputs = personal
    .filter((p): p is string => !!p)
    .flatMap((p) => {
      const v = p.toLowerCase();
      const digits = v.replace(/\D/g, "");
      return [v, v.split("@")[0] ?? "", digits.slice(-10), digits.slice(-7)];
    })
    .filter((v) => v.length >= 4);
  if (inputs.some((v) => lower.includes(v))) return "contains_personal";
  if (zxcvbn().check(password, inputs).score < 2) return "guessable";
  return null;
}

/** The refusal as a field error (message is an i18n key). */
export function passwordFieldError(problem: PasswordProblem, field = "password"): FieldError {
  return { field, message: `password.${problem}` };
}
