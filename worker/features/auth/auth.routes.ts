import { createRoute, z } from "@hono/zod-openapi";
import { jsonBody, jsonResponse, problem, type ResponseOf } from "../../platform/openapi";

export const Profile = z
  .object({
    id: z.string(),
    displayName: z.string(),
    phone: z.string().nullable(),
    email: z.string().nullable(),
    login: z.string().nullable(),
    hasPassword: z.boolean(),
    maskedPhone: z.string().nullable(),
    maskedEmail: z.string().nullable(),
  })
  .openapi("Profile");

export const Session = z
  .object({
    id: z.string(),
    current: z.boolean(),
    userAgent: z.string().nullable(),
    authMethod: z.string(),
    createdAt: z.string().datetime(),
    lastSeenAt: z.string().datetime(),
  })
  .openapi("Session");

const Identifier = z
  .string()
  .trim()
  .min(1)
  .max(254)
  .openapi({ description: "Phone, email, login or personal account number", example: "+7 900 000-00-01" });

const LoginBody = z
  .object({
    identifier: Identifier,
    password: z.string().min(1).max(1024),
    captcha: z.string().min(1).max(8192).optional().openapi({
      description:
        "A solved challenge of GET /auth/captcha (base64 JSON {challenge, solution}); needed only while logins are asked for one",
    }),
  })
  .openapi("PasswordLogin");

const unauthorized = problem("Not logged in");

export const loginRoute = createRoute({
  method: "post",
  path: "/auth/login",
  tags: ["Auth"],
  summary: "Log in with a password and any identifier",
  request: { body: jsonBody(LoginBody) },
  responses: {
    200: jsonResponse("Logged in; the session cookie is set", z.object({ profile: Profile })),
    400: problem("Invalid input"),
    401: problem("Wrong identifier or password (the same answer for both)"),
    429: problem(
      "Too many attempts (see Retry-After); or, type `urn:kabinet:problem:challenge-required` with an error for field `captcha`: " +
        "many logins are failing, solve GET /auth/captcha and send the solution as `captcha` (each solution once)",
    ),
  },
});

export const logoutRoute = createRoute({
  method: "post",
  path: "/auth/logout",
  tags: ["Auth"],
  summary: "End this session",
  responses: { 204: { description: "Logged out; the cookie is cleared" } },
});

export const meRoute = createRoute({
  method: "get",
  path: "/me",
  tags: ["Profile"],
  summary: "The logged-in subscriber",
  responses: { 200: jsonResponse("Profile", z.object({ profile: Profile })), 401: unauthorized },
});

export const sessionsRoute = createRoute({
  method: "get",
  path: "/me/sessions",
  tags: ["Profile"],
  summary: "Devices where the subscriber is logged in",
  responses: { 200: jsonResponse("Sessions, most recently used first", z.object({ items: z.array(Session) })), 401: unauthorized },
});

export const endSessionRoute = createRoute({
  method: "delete",
  path: "/me/sessions/{id}",
  tags: ["Profile"],
  summary: "End one session (\u201cend this session\u201d)",
  request: { params: z.object({ id: z.string().max(64) }) },
  responses: { 204: { description: "Ended" }, 401: unauthorized, 404: problem("No such session of yours") },
});

export const endOtherSessionsRoute = createRoute({
  method: "post",
  path: "/me/sessions/end-others",
  tags: ["Profile"],
  summary: "End every session but this one",
  responses: { 204: { description: "Ended" }, 401: unauthorized },
});

export type ProfileDto = z.infer<typeof Profile>;
export type SessionDto = z.infer<typeof Session>;
/** The answer of every way in (password, code, registration, recovery, passkey): the profile; the cookie is set. */
export type LoggedInDto = ResponseOf<typeof loginRoute>;
