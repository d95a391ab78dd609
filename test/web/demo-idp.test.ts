// @vitest-environment node
import * as oauth from "oauth4webapi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientIdOf, type IdentityProvider, startIdentityProvider } from "../../scripts/demo-idp.mts";
import { configuredProviders, type ProviderConfig } from "../../worker/adapters/identity/index.ts";
import { DEMO_IDP_PEOPLE } from "../../worker/data/demo.data.ts";

const REDIRECT = "http://kabinet.localhost:8787/api/v1/auth/oidc/gosuslugi/callback";
const insecure = { [oauth.allowInsecureRequests]: true };

let idp: IdentityProvider;
beforeAll(async () => {
  idp = await startIdentityProvider({ people: DEMO_IDP_PEOPLE });
});
afterAll(async () => {
  await idp?.stop();
});

const provider = (id: string): ProviderConfig => {
  const p = configuredProviders(idp.providers).find((x) => x.id === id);
  if (!p) throw new Error(`${id} is not configured`);
  return p;
};

/** What a browser does on the sign-in page: the form's fields, and the button of one person (or «Отмена»). */
async function signIn(authorizeUrl: string, person: string | null, lang = "ru") {
  const pageRes = await fetch(authorizeUrl, { headers: { "accept-language": lang } });
  const html = await pageRes.text();
  const action = /<form method="get" action="([^"]+)"/.exec(html)?.[1] ?? "";
  const form = new URL(action, authorizeUrl);
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    form.searchParams.set(m[1] ?? "", (m[2] ?? "").replace(/&amp;/g, "&").replace(/&quot;/g, '"'));
  }
  form.searchParams.set("demo_person", person ?? "");
  const back = await fetch(form, { redirect: "manual" });
  return { html, status: pageRes.status, back: new URL(back.headers.get("location") ?? "") };
}

/** The Worker's side: discovery or configured endpoints, state, nonce and an S256 challenge. */
async function start(id: string) {
  const p = provider(id);
  const as: oauth.AuthorizationServer =
    p.type === "oidc"
      ? await oauth.processDiscoveryResponse(new URL(p.issuer), await oauth.discoveryRequest(new URL(p.issuer), insecure))
      : {
          issuer: p.issuer,
          authorization_endpoint: p.authorizationEndpoint,
          token_endpoint: p.tokenEndpoint,
          userinfo_endpoint: p.userinfoEndpoint,
        };
  const state = oauth.generateRandomState();
  const nonce = oauth.generateRandomNonce();
  const verifier = oauth.generateRandomCodeVerifier();
  const url = new URL(as.authorization_endpoint ?? "");
  url.search = new URLSearchParams({
    client_id: p.clientId,
    redirect_uri: REDIRECT,
    response_type: "code",
    scope: p.type === "oidc" ? "openid" : "",
    state,
    ...(p.type === "oidc" ? { nonce } : {}),
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
  }).toString();
  return { p, as, client: { client_id: p.clientId } as oauth.Client, state, nonce, verifier, url: url.href };
}

describe("npm start's demo identity provider", () => {
  it("is configured as Госуслуги, T-ID and VK ID, on this machine", () => {
    expect(configuredProviders(idp.providers).map((p) => [p.id, p.type])).toEqual([
      ["gosuslugi", "oidc"],
      ["tid", "oidc"],
      ["vkid", "oauth2"],
    ]);
    expect(idp.issuer).toMatch(/^http:\/\/localhost:\d+$/);
  });

  it("shows a sign-in page to choose a demo person, then completes the code flow with PKCE and the nonce (Госуслуги)", async () => {
    const s = await start("gosuslugi");
    expect(new URL(s.url).pathname).toBe("/signin");
    const { html, status, back } = await signIn(s.url, "petr");
    expect(status).toBe(200);
    expect(html).toContain("<h1>Вход через Госуслуги</h1>");
    for (const p of DEMO_IDP_PEOPLE) expect(html).toContain(p.name);
    expect(html).toContain("Отмена");
    expect(`${back.origin}${back.pathname}`).toBe(REDIRECT);

    const params = oauth.validateAuthResponse(s.as, s.client, back, s.state);
    const res = await oauth.authorizationCodeGrantRequest(
      s.as,
      s.client,
      oauth.ClientSecretPost("demo-secret"),
      params,
      REDIRECT,
      s.verifier,
      insecure,
    );
    const result = await oauth.processAuthorizationCodeResponse(s.as, s.client, res, { expectedNonce: s.nonce, requireIdToken: true });
    const claims = oauth.getValidatedIdTokenClaims(result);
    expect(claims?.sub).toBe("1000000002");
    expect(claims?.name).toBe("Пётр Смирнов");
    expect(claims?.aud).toBe(clientIdOf("gosuslugi"));
  });

  it("gives each person their own id at T-ID, and the page in English when asked", async () => {
    const s = await start("tid");
    const { html, back } = await signIn(s.url, "stranger", "en-GB,en;q=0.9");
    expect(html).toContain("<h1>Sign in with T-ID</h1>");
    const params = oauth.validateAuthResponse(s.as, s.client, back, s.state);
    const res = await oauth.authorizationCodeGrantRequest(
      s.as,
      s.client,
      oauth.ClientSecretPost("demo-secret"),
      params,
      REDIRECT,
      s.verifier,
      insecure,
    );
    const result = await oauth.processAuthorizationCodeResponse(s.as, s.client, res, { expectedNonce: s.nonce, requireIdToken: true });
    expect(oauth.getValidatedIdTokenClaims(result)?.sub).toBe("6f1d2a40-demo-4000-8000-000000000099");
  });

  it("answers VK ID's userinfo in VK's shape for the person chosen", async () => {
    const s = await start("vkid");
    expect(new URL(s.url).pathname).toBe("/signin");
    const { html, back } = await signIn(s.url, "anna");
    expect(html).toContain("<h1>Вход через VK ID</h1>");
    const params = oauth.validateAuthResponse(s.as, s.client, back, s.state);
    const res = await oauth.authorizationCodeGrantRequest(
      s.as,
      s.client,
      oauth.ClientSecretPost("demo-secret"),
      params,
      REDIRECT,
      s.verifier,
      insecure,
    );
    const tokens = await oauth.processAuthorizationCodeResponse(s.as, s.client, res);
    const info = await oauth.userInfoRequest(s.as, s.client, tokens.access_token, insecure);
    expect(await info.json()).toEqual({ user: { user_id: "700000001", first_name: "Анна", last_name: "Иванова" } });
    const forged = await oauth.userInfoRequest(s.as, s.client, "not-a-token-it-issued", insecure);
    expect(forged.status).toBe(401);
  });

  it("refuses a wrong PKCE verifier, a code used twice, and a code without a verifier", async () => {
    const s = await start("gosuslugi");
    const { back } = await signIn(s.url, "petr");
    const code = back.searchParams.get("code") ?? "";
    const token = (body: Record<string, string>) =>
      fetch(`${idp.issuer}/token`, {
        method: "POST",
        body: new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: REDIRECT, client_id: s.p.clientId, ...body }),
      });
    expect((await token({ code_verifier: oauth.generateRandomCodeVerifier() })).status).toBe(400);
    expect((await token({ code_verifier: s.verifier })).status).toBe(400); // already spent by the wrong attempt

    const again = await start("gosuslugi");
    const second = (await signIn(again.url, "petr")).back.searchParams.get("code") ?? "";
    const noVerifier = await fetch(`${idp.issuer}/token`, {
      method: "POST",
      body: new URLSearchParams({ grant_type: "authorization_code", code: second, redirect_uri: REDIRECT, client_id: again.p.clientId }),
    });
    expect(noVerifier.status).toBe(400);
  });

  it("sends «Отмена» back as access_denied, and refuses a request without PKCE or for a foreign site", async () => {
    const s = await start("gosuslugi");
    const { back } = await signIn(s.url, null);
    expect(back.searchParams.get("error")).toBe("access_denied");
    expect(back.searchParams.get("code")).toBeNull();
    expect(back.searchParams.get("state")).toBe(s.state);

    const noPkce = new URL(s.url);
    noPkce.searchParams.delete("code_challenge");
    expect((await fetch(noPkce)).status).toBe(400);
    const foreign = new URL(s.url);
    foreign.searchParams.set("redirect_uri", "https://evil.example/callback");
    const res = await fetch(foreign);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("Неверный запрос на вход");
  });
});
