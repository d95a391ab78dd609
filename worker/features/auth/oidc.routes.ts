import { createRoute, z } from "@hono/zod-openapi";
import { jsonResponse, problem, type ResponseOf } from "../../platform/openapi";

const ProviderParam = z.object({ provider: z.string().max(32).openapi({ example: "gosuslugi" }) });
const Localized = z.object({ ru: z.string(), en: z.string() });

export const providersRoute = createRoute({
  method: "get",
  path: "/auth/providers",
  tags: ["Auth"],
  summary: "Identity providers that are configured (Госуслуги, T-ID, VK ID, Яндекс ID, Mail.ru, OK)",
  responses: { 200: jsonResponse("Providers", z.object({ items: z.array(z.object({ id: z.string(), name: Localized })) })) },
});

export const oidcStartRoute = createRoute({
  method: "get",
  path: "/auth/oidc/{provider}/start",
  tags: ["Auth"],
  summary: "Go to the provider to log in, or to link it to the logged-in subscriber",
  request: {
    params: ProviderParam,
    query: z.object({ mode: z.enum(["login", "link"]).default("login"), return: z.string().max(200).optional() }),
  },
  responses: {
    302: { description: "Redirect to the provider (state, nonce, PKCE)" },
    401: problem("Linking needs a login"),
    404: problem("No such provider"),
  },
});

export const oidcCallbackRoute = createRoute({
  method: "get",
  path: "/auth/oidc/{provider}/callback",
  tags: ["Auth"],
  summary: "The provider sends the browser back here",
  request: { params: ProviderParam },
  responses: { 302: { description: "Back to the regional site: logged in, linked, or with ?auth_error=" } },
});

export const identitiesRoute = createRoute({
  method: "get",
  path: "/me/identities",
  tags: ["Profile"],
  summary: "Linked identity providers",
  responses: {
    200: jsonResponse(
      "Linked providers",
      z.object({
        items: z.array(
          z.object({ provider: z.string(), name: Localized, displayName: z.string().nullable(), linkedAt: z.string().datetime() }),
        ),
      }),
    ),
    401: problem("Not logged in"),
  },
});

export const unlinkRoute = createRoute({
  method: "delete",
  path: "/me/identities/{provider}",
  tags: ["Profile"],
  summary: "Unlink a provider",
  request: { params: ProviderParam },
  responses: {
    204: { description: "Unlinked" },
    401: problem("Not logged in"),
    404: problem("Not linked"),
    409: problem("It is the only way to log in"),
  },
});

export type ProviderDto = ResponseOf<typeof providersRoute>["items"][number];
export type IdentityDto = ResponseOf<typeof identitiesRoute>["items"][number];
