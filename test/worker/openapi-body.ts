/** An OpenAPI 3.1 document as the route tests read it, and the least request body an operation's schema accepts. */
export type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  example?: unknown;
  default?: unknown;
  minimum?: number;
  minItems?: number;
  minLength?: number;
  format?: string;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  $ref?: string;
};
export type Operation = {
  parameters?: { name: string; in: string; required?: boolean; schema?: Schema }[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
};
export type Doc = { paths: Record<string, Record<string, Operation>>; components?: { schemas?: Record<string, Schema> } };

/** The least request body the schema accepts: required fields only, from examples, enums and minimums. */
export function minimal(doc: Doc, s: Schema | undefined): unknown {
  if (!s) return {};
  if (s.$ref) return minimal(doc, doc.components?.schemas?.[s.$ref.replace("#/components/schemas/", "")]);
  if (s.example !== undefined) return s.example;
  if (s.default !== undefined) return s.default;
  if (s.enum?.length) return s.enum[0];
  const variants = s.anyOf ?? s.oneOf;
  if (variants?.length) return minimal(doc, variants.find((v) => v.type !== "null") ?? variants[0]);
  if (s.allOf?.length) return Object.assign({}, ...s.allOf.map((p) => minimal(doc, p) as object));
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== "null") : s.type;
  switch (type) {
    case "object": {
      const out: Record<string, unknown> = {};
      for (const k of s.required ?? []) out[k] = minimal(doc, s.properties?.[k]);
      return out;
    }
    case "array":
      return Array.from({ length: s.minItems ?? 0 }, () => minimal(doc, s.items));
    case "integer":
    case "number":
      return Math.max(1, s.minimum ?? 1);
    case "boolean":
      return false;
    default:
      return "x".repeat(Math.max(1, s.minLength ?? 1));
  }
}
