import { createRoute, z } from "@hono/zod-openapi";
import { type BodyOf, jsonBody, jsonResponse, problem, type ResponseOf } from "../../platform/openapi";
import { Profile } from "./auth.routes";

const Identifier = z.string().trim().min(1).max(254).openapi({ description: "Phone, email, login or personal account number" });
const Code = z.string().trim().min(1).max(12).openapi({ description: "The 6-digit one-time code", example: "123456" });
const Channel = z.enum(["sms", "email"]);
const Password = z.string().min(1).max(1024);

const CodeSent = z
  .object({ expiresAt: z.string().datetime() })
  .openapi("CodeSent", { description: "A code was sent if the identifier exists; the answer is the same either way" });

const loggedIn = jsonResponse("Logged in; the session cookie is set", z.object({ profile: Profile }));
const limited = problem("Too many attempts or a code was sent less than a minute ago: see Retry-After");
const invalid = problem("Invalid input, or a wrong, expired or spent code");
const unauthorized = problem("Not logged in");

const codeSent = { 202: jsonResponse("Code issued", CodeSent), 400: invalid, 429: limited };

export const requestLoginCodeRoute = createRoute({
  method: "post",
  path: "/auth/code",
  tags: ["Auth"],
  summary: "Send a one-time login code by SMS or email",
  request: { body: jsonBody(z.object({ identifier: Identifier, channel: Channel.optional() }).openapi("LoginCodeRequest")) },
  responses: codeSent,
});

export const verifyLoginCodeRoute = createRoute({
  method: "post",
  path: "/auth/code/verify",
  tags: ["Auth"],
  summary: "Log in with a one-time code",
  request: { body: jsonBody(z.object({ identifier: Identifier, code: Code }).openapi("LoginCodeVerify")) },
  responses: { 200: loggedIn, 400: invalid, 429: limited },
});

const RegisterBy = z.discriminatedUnion("by", [
  z.object({ by: z.literal("account"), accountNo: z.string().trim().min(1).max(40), channel: Channel }),
  z.object({ by: z.literal("phone"), phone: z.string().trim().min(1).max(40) }),
  z.object({ by: z.literal("email"), email: z.string().trim().min(1).max(254) }),
]);

export const startRegistrationRoute = createRoute({
  method: "post",
  path: "/auth/register/start",
  tags: ["Registration"],
  summary: "Registration step 1: a code to the contract's phone/email (by account number), or to the given phone/email",
  request: { body: jsonBody(RegisterBy.openapi("RegistrationStart")) },
  responses: codeSent,
});

export const completeRegistrationRoute = createRoute({
  method: "post",
  path: "/auth/register/complete",
  tags: ["Registration"],
  summary: "Registration step 2: the code, a login and a password",
  request: {
    body: jsonBody(
      z
        .intersection(
          RegisterBy,
          z.object({
            code: Code,
            login: z.string().trim().min(1).max(64),
            password: Password,
            displayName: z.string().trim().max(100).optional(),
          }),
        )
        .openapi("RegistrationComplete"),
    ),
  },
  responses: {
    201: jsonResponse("Registered and logged in", z.object({ profile: Profile })),
    400: invalid,
    404: problem("No contract with the confirmed contact"),
    409: problem("The login is taken, or the subscriber already has a cabinet"),
    422: problem("More contracts on the contact than one registration connects (register with an account number)"),
    429: limited,
    503: problem("One of the contracts is being moved between databases: try again in a few seconds (the code still works)"),
  },
});

export const captchaRoute = createRoute({
  method: "get",
  path: "/auth/captcha",
  tags: ["Auth"],
  summary: "A proof-of-work challenge (ALTCHA v2) for the password recovery form",
  responses: {
    200: jsonResponse(
      "Challenge",
      z.object({ parameters: z.record(z.string(), z.unknown()), signature: z.string().optional() }).openapi("Captcha"),
    ),
  },
});

export const startRecoveryRoute = createRoute({
  method: "post",
  path: "/auth/recover/start",
  tags: ["Auth"],
  summary: "Forgotten password: after the captcha, a code by the chosen channel",
  request: {
    body: jsonBody(
      z
        .object({
          identifier: Identifier,
          channel: Channel,
          captcha: z.string().min(1).max(8192).openapi({ description: "base64 JSON {challenge, solution}" }),
        })
        .openapi("RecoveryStart"),
    ),
  },
  responses: codeSent,
});

export const completeRecoveryRoute = createRoute({
  method: "post",
  path: "/auth/recover/complete",
  tags: ["Auth"],
  summary: "Forgotten password: the code and a new password; every session ends",
  request: { body: jsonBody(z.object({ identifier: Identifier, code: Code, password: Password }).openapi("RecoveryComplete")) },
  responses: { 200: loggedIn, 400: invalid, 429: limited },
});

export const startStepUpRoute = createRoute({
  method: "post",
  path: "/auth/step-up/start",
  tags: ["Auth"],
  summary: "Send an SMS code to confirm a money operation",
  responses: { 202: jsonResponse("Code sent", CodeSent), 401: unauthorized, 409: problem("No phone in the profile"), 429: limited },
});

export const verifyStepUpRoute = createRoute({
  method: "post",
  path: "/auth/step-up/verify",
  tags: ["Auth"],
  summary: "Confirm with the SMS code; money operations are allowed for 5 minutes",
  request: { body: jsonBody(z.object({ code: Code }).openapi("StepUpVerify")) },
  responses: {
    200: jsonResponse("Confirmed; the session token was renewed", z.object({ validUntil: z.string().datetime() })),
    400: invalid,
    401: unauthorized,
    429: limited,
  },
});

export const changePasswordRoute = createRoute({
  method: "post",
  path: "/me/password",
  tags: ["Profile"],
  summary: "Change the password (with the current one, or after a step-up); other sessions end",
  request: { body: jsonBody(z.object({ currentPassword: Password.optional(), newPassword: Password }).openapi("PasswordChange")) },
  responses: { 204: { description: "Changed" }, 400: invalid, 401: unauthorized },
});

const contactRoutes = (kind: "phone" | "email") => ({
  start: createRoute({
    method: "post",
    path: `/me/${kind}/start`,
    tags: ["Profile"],
    summary:
      kind === "phone" ? "Change the phone: after a step-up, a code to the new number" : "Change the email: a code to the new address",
    request: { body: jsonBody(z.object({ [kind]: z.string().trim().min(1).max(254) })) },
    responses: {
      202: jsonResponse("Code sent", CodeSent),
      400: invalid,
      401: unauthorized,
      403: problem("Step-up required"),
      429: limited,
    },
  }),
  verify: createRoute({
    method: "post",
    path: `/me/${kind}/verify`,
    tags: ["Profile"],
    summary: `Confirm the new ${kind} with its code`,
    request: { body: jsonBody(z.object({ code: Code })) },
    responses: {
      200: jsonResponse("Changed", z.object({ profile: Profile })),
      400: invalid,
      401: unauthorized,
      409: problem("Used by another cabinet"),
    },
  }),
});

export const phoneRoutes = contactRoutes("phone");
export const emailRoutes = contactRoutes("email");

export type CodeSentDto = z.infer<typeof CodeSent>;
export type RegisterBy = z.input<typeof RegisterBy>;
export type CompleteRegistrationBody = BodyOf<typeof completeRegistrationRoute>;
export type StepUpDto = ResponseOf<typeof verifyStepUpRoute>;
