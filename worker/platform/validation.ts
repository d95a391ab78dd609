import { AppError } from "./errors";
import type { Lang } from "./i18n";

interface IssueLike {
  code: string;
  path: PropertyKey[];
  minimum?: number | bigint;
  maximum?: number | bigint;
  expected?: string;
  format?: string;
  values?: unknown[];
}

/** A zod issue in words a subscriber understands, in their language. */
export function issueMessage(issue: IssueLike, lang: Lang): string {
  const ru = lang === "ru";
  switch (issue.code) {
    case "invalid_type":
      return issue.expected === "undefined" ? (ru ? "Лишнее поле" : "Unexpected field") : ru ? "Заполните поле" : "Fill in this field";
    case "too_small":
      return ru ? `Не меньше ${issue.minimum}` : `At least ${issue.minimum}`;
    case "too_big":
      return ru ? `Не больше ${issue.maximum}` : `At most ${issue.maximum}`;
    case "invalid_format":
      return ru ? "Неверный формат" : "Wrong format";
    case "invalid_value":
      return ru ? `Допустимые значения: ${(issue.values ?? []).join(", ")}` : `Allowed values: ${(issue.values ?? []).join(", ")}`;
    case "unrecognized_keys":
      return ru ? "Лишние поля" : "Unexpected fields";
    default:
      return ru ? "Неверное значение" : "Invalid value";
  }
}

export function fieldName(path: PropertyKey[]): string {
  return path.map(String).join(".") || "(body)";
}

/**
 * A percent-encoded header value (`encodeURIComponent` on the client), decoded.
 * Broken encoding (`%`, `%E0%A4%A`) is the client's mistake: a 400 naming the
 * header, never the URIError that decodeURIComponent throws.
 */
export function decodeHeader(value: string, header: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw new AppError(400, "validation", {}, [{ field: header, message: "problem.validation" }]);
  }
}
