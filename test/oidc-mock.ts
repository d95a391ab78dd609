import { OAuth2Server } from "oauth2-mock-server";

/**
 * A local OpenID Connect / OAuth2 server standing in for Госуслуги, VK ID and
 * the others, which are unreachable here. It signs real ID tokens (RS256),
 * checks PKCE and approves every authorization as the user "johndoe".
 */
export async function startOidcMock(port = 0): Promise<{ issuer: string; stop: () => Promise<void> }> {
  const server = new OAuth2Server();
  await server.issuer.keys.generate("RS256");
  await server.start(port, "127.0.0.1");
  const issuer = server.issuer.url ?? "";
  return { issuer, stop: () => server.stop() };
}

/** OIDC_PROVIDERS for the mock: Госуслуги as OIDC (discovery + ID token), VK ID as plain OAuth2 (userinfo). */
export function mockProviders(issuer: string): string {
  return JSON.stringify([
    { id: "gosuslugi", type: "oidc", issuer, clientId: "kabinet", clientSecret: "secret" },
    {
      id: "vkid",
      type: "oauth2",
      issuer,
      clientId: "kabinet-vk",
      clientSecret: "secret",
      authorizationEndpoint: `${issuer}/authorize`,
      tokenEndpoint: `${issuer}/token`,
      userinfoEndpoint: `${issuer}/userinfo`,
      subjectClaim: "sub",
    },
  ]);
}
