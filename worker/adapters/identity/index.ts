import * as oauth from "oauth4webapi";

/** The identity providers the seed names; which of them are on is configuration (OIDC_PROVIDERS). */
export const KNOWN_PROVIDERS = {
  gosuslugi: { ru: "Госуслуги", en: "Gosuslugi" },
  tid: { ru: "T-ID", en: "T-ID" },
  vkid: { ru: "VK ID", en: "VK ID" },
  yandex: { ru: "Яндекс ID", en: "Yandex ID" },
  mailru: { ru: "Mail.ru", en: "Mail.ru" },
  ok: { ru: "Одноклассники", en: "OK" },
} as const;
export type ProviderId = keyof typeof KNOWN_PROVIDERS;

export interface ProviderConfig {
  id: ProviderId;
  /** "oidc": discovery + ID token; "oauth2": explicit endpoints + userinfo (VK ID, OK, Mail.ru, Яндекс ID). */
  type: "oidc" | "oauth2";
  issuer: string;
  clientId: string;
  clientSecret: string;
  scope?: string;
  authorizationEndpoint?: string;
  tokenEndpoint?: string;
  userinfoEndpoint?: string;
  /** The userinfo field that identifies the person (VK: user_id, Яндекс/Mail.ru: id, OK: uid). */
  subjectClaim?: string;
}

/** Parses OIDC_PROVIDERS; unknown ids and malformed entries are dropped. */
export function configuredProviders(raw: string | undefined): ProviderConfig[] {
  try {
    const list = JSON.parse(raw || "[]") as ProviderConfig[];
    return Array.isArray(list) ? list.filter((p) => p && p.id in KNOWN_PROVIDERS && p.issuer && p.clientId) : [];
  } catch {
    return [];
  }
}

const isLoopback = (url: string) => /^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?\//.test(url.endsWith("/") ? url : `${url}/`);

/** Plain HTTP is allowed only for a provider on this machine (the local mock server in tests). */
const insecure = (p: ProviderConfig) => (isLoopback(p.issuer) ? { [oauth.allowInsecureRequests]: true } : {});

async function authorizationServer(p: ProviderConfig): Promise<oauth.AuthorizationServer> {
  if (p.type === "oauth2") {
    return {
      issuer: p.issuer,
      authorization_endpoint: p.authorizationEndpoint,
      token_endpoint: p.tokenEndpoint,
      userinfo_endpoint: p.userinfoEndpoint,
    };
  }
  const issuer = new URL(p.issuer);
  return oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: "oidc", ...insecure(p) }));
}

export interface AuthStart {
  url: string;
  state: string;
  nonce: string;
  verifier: string;
}

/** The provider's authorization URL with state, nonce and PKCE (S256). */
export async function startAuthorization(p: ProviderConfig, redirectUri: string): Promise<AuthStart> {
  const as = await authorizationServer(p);
  if (!as.authorization_endpoint) throw new Error("provider has no authorization endpoint");
  const state = oauth.generateRandomState();
  const nonce = oauth.generateRandomNonce();
  const verifier = oauth.generateRandomCodeVerifier();
  const url = new URL(as.authorization_endpoint);
  url.searchParams.set("client_id", p.clientId);
  url.searchParams.set("redirect_uri", redirectUri);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("scope", p.scope ?? (p.type === "oidc" ? "openid" : ""));
  url.searchParams.set("state", state);
  if (p.type === "oidc") url.searchParams.set("nonce", nonce);
  url.searchParams.set("code_challenge", await oauth.calculatePKCECodeChallenge(verifier));
  url.searchParams.set("code_challenge_method", "S256");
  return { url: url.href, state, nonce, verifier };
}

/** Exchanges the callback's code and returns the person's stable id at the provider. */
export async function finishAuthorization(
  p: ProviderConfig,
  callbackUrl: URL,
  expected: { state: string; nonce: string; verifier: string; redirectUri: string },
): Promise<{ subject: string; name: string | null }> {
  const as = await authorizationServer(p);
  const client: oauth.Client = { client_id: p.clientId };
  const auth = oauth.ClientSecretPost(p.clientSecret);
  const params = oauth.validateAuthResponse(as, client, callbackUrl, expected.state);
  const response = await oauth.authorizationCodeGrantRequest(
    as,
    client,
    auth,
    params,
    expected.redirectUri,
    expected.verifier,
    insecure(p),
  );
  if (p.type === "oidc") {
    const result = await oauth.processAuthorizationCodeResponse(as, client, response, {
      expectedNonce: expected.nonce,
      requireIdToken: true,
    });
    const claims = oauth.getValidatedIdTokenClaims(result);
    if (!claims?.sub) throw new Error("no subject in the ID token");
    return { subject: claims.sub, name: typeof claims.name === "string" ? claims.name : null };
  }
  const result = await oauth.processAuthorizationCodeResponse(as, client, response);
  // OAuth2-only providers answer userinfo in their own shapes (VK nests it under "user"), so it is read as JSON.
  const res = await oauth.userInfoRequest(as, client, result.access_token, insecure(p));
  if (!res.ok) throw new Error(`userinfo answered ${res.status}`);
  const body = (await res.json()) as Record<string, unknown>;
  const info = (typeof body.user === "object" && body.user ? body.user : body) as Record<string, unknown>;
  const raw = info[p.subjectClaim ?? "sub"];
  if (raw === undefined || raw === null || raw === "") throw new Error("no subject in userinfo");
  return { subject: String(raw), name: typeof info.name === "string" ? info.name : null };
}
