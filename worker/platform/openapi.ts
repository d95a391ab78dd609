import { z } from "@hono/zod-openapi";
import { isCalendarDay } from "./dates";

/** The problem+json schema (RFC 9457) shared by every route contract. */
export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    requestId: z.string().optional(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .openapi("Problem");

export const problem = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: Problem } },
});

export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { "application/json": { schema } },
});

export const jsonResponse = <T extends z.ZodType>(description: string, schema: T) => ({
  description,
  content: { "application/json": { schema } },
});

type JsonContent<T extends z.ZodType> = { content: { "application/json": { schema: T } } };

/**
 * The JSON a route answers with at `status`, as a type: the web client's response types are derived from the
 * route contracts with it (`import type` only), so they cannot drift from what the Worker validates and documents.
 */
export type ResponseOf<R, S extends number = 200> = R extends { responses: { [K in S]: JsonContent<infer T> } } ? z.output<T> : never;

/** The JSON body a route takes, as a client writes it (before the schema's defaults apply). */
export type BodyOf<R> = R extends { request: { body: JsonContent<infer T> } } ? z.input<T> : never;

/** A local day as YYYY-MM-DD that is on the calendar (2021-13-45 and 2027-02-30 are a 400 naming the field). */
export const CalendarDay = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .refine((d) => isCalendarDay(d))
  .openapi({ description: "A region-local day, YYYY-MM-DD", example: "2026-11-01" });
