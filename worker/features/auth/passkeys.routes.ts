import { createRoute, z } from "@hono/zod-openapi";
import { jsonBody, jsonResponse, problem, type ResponseOf } from "../../platform/openapi";
import { Profile } from "./auth.routes";

const Json = z.record(z.string(), z.unknown());
const Credential = z
  .object({
    id: z.string().max(1024),
    rawId: z.string().max(1024),
    type: z.literal("public-key"),
    response: Json,
    clientExtensionResults: Json.optional(),
  })
  .passthrough();

export const passkeyRegisterOptionsRoute = createRoute({
  method: "post",
  path: "/me/passkeys/options",
  tags: ["Passkeys"],
  summary: "WebAuthn options to create a passkey for the logged-in subscriber",
  responses: { 200: jsonResponse("PublicKeyCredentialCreationOptionsJSON", Json), 401: problem("Not logged in") },
});

export const passkeyRegisterRoute = createRoute({
  method: "post",
  path: "/me/passkeys",
  tags: ["Passkeys"],
  summary: "Save the passkey the authenticator created",
  request: { body: jsonBody(z.object({ credential: Credential, name: z.string().max(60).default("") })) },
  responses: { 201: jsonResponse("Saved", z.object({ id: z.string() })), 400: problem("Not verified"), 401: problem("Not logged in") },
});

export const passkeysRoute = createRoute({
  method: "get",
  path: "/me/passkeys",
  tags: ["Passkeys"],
  summary: "The subscriber's passkeys",
  responses: {
    200: jsonResponse(
      "Passkeys",
      z.object({
        items: z.array(z.object({ id: z.string(), name: z.string(), createdAt: z.string(), lastUsedAt: z.string().nullable() })),
      }),
    ),
    401: problem("Not logged in"),
  },
});

export const passkeyDeleteRoute = createRoute({
  method: "delete",
  path: "/me/passkeys/{id}",
  tags: ["Passkeys"],
  summary: "Remove a passkey",
  request: { params: z.object({ id: z.string().max(1024) }) },
  responses: { 204: { description: "Removed" }, 401: problem("Not logged in"), 404: problem("Not yours or unknown") },
});

export const passkeyLoginOptionsRoute = createRoute({
  method: "post",
  path: "/auth/passkey/options",
  tags: ["Passkeys"],
  summary: "WebAuthn options to log in with a passkey",
  responses: { 200: jsonResponse("PublicKeyCredentialRequestOptionsJSON", Json) },
});

export const passkeyLoginRoute = createRoute({
  method: "post",
  path: "/auth/passkey/verify",
  tags: ["Passkeys"],
  summary: "Log in with the passkey's assertion",
  request: { body: jsonBody(z.object({ credential: Credential })) },
  responses: { 200: jsonResponse("Logged in", z.object({ profile: Profile })), 401: problem("Not verified") },
});

export type PasskeySavedDto = ResponseOf<typeof passkeyRegisterRoute, 201>;
export type PasskeyDto = ResponseOf<typeof passkeysRoute>["items"][number];
