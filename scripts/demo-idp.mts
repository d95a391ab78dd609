/**
 * A local identity provider standing in for Госуслуги, T-ID and VK ID, which
 * are unreachable from a developer's machine and from the tests.
 *
 * Built on `oauth2-mock-server`: real RS256-signed ID tokens, discovery, JWKS
 * and the PKCE check of the token endpoint. On top of it:
 *
 * - `npm start` (`people` given): the authorization endpoint is a sign-in page
 *   where the newcomer picks a demo person (or cancels); the code, the tokens
 *   and userinfo then carry that person's id at the provider that asked (told
 *   apart by `client_id`). A code needs its PKCE verifier and works once.
 * - the tests (no `people`): every authorization is approved at once as
 *   "johndoe", so a test can follow the redirects without a page.
 *
 * VK ID is configured as a plain OAuth2 provider and answers userinfo in VK's
 * shape (`{ user: { user_id, … } }`); Госуслуги and T-ID as OpenID Connect.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  type MutableRedirectUri,
  type MutableResponse,
  type MutableToken,
  OAuth2Server,
  type TokenRequestIncomingMessage,
} from "oauth2-mock-server";
import { DEMO_IDP_PROVIDERS, type DemoIdpProvider } from "../worker/data/demo.data.ts";

export interface IdpPerson {
  key: string;
  name: string;
  subjects: Readonly<Record<DemoIdpProvider, string>>;
  hint: { ru: string; en: string };
}

export interface IdentityProvider {
  issuer: string;
  /** OIDC_PROVIDERS for this server (every provider it plays). */
  providers: string;
  stop: () => Promise<void>;
}

const NAMES: Record<DemoIdpProvider, { ru: string; en: string }> = {
  gosuslugi: { ru: "Госуслуги", en: "Gosuslugi" },
  tid: { ru: "T-ID", en: "T-ID" },
  vkid: { ru: "VK ID", en: "VK ID" },
};

/** Each provider's client id at the demo server; the sign-in page and the tokens tell the providers apart by it. */
export const clientIdOf = (provider: DemoIdpProvider) => `kabinet-${provider}`;
const providerOf = (clientId: unknown) => DEMO_IDP_PROVIDERS.find((p) => clientIdOf(p) === clientId);

/** The one person the tests' server approves every authorization as. */
const JOHN_DOE: IdpPerson = {
  key: "johndoe",
  name: "John Doe",
  subjects: { gosuslugi: "johndoe", tid: "johndoe", vkid: "johndoe" },
  hint: { ru: "", en: "" },
};

/**
 * OIDC_PROVIDERS (the Worker's variable) for a server at `issuer`: the chosen
 * providers, Госуслуги and T-ID as OIDC (discovery, ID token), VK ID as OAuth2
 * (explicit endpoints, userinfo). `signInPage`: a server started with people.
 */
export function providersConfig(
  issuer: string,
  { providers = DEMO_IDP_PROVIDERS, signInPage = false }: { providers?: readonly DemoIdpProvider[]; signInPage?: boolean } = {},
): string {
  return JSON.stringify(
    providers.map((id) =>
      id === "vkid"
        ? {
            id,
            type: "oauth2",
            issuer,
            clientId: clientIdOf(id),
            clientSecret: "demo-secret",
            authorizationEndpoint: `${issuer}/${signInPage ? "signin" : "authorize"}`,
            tokenEndpoint: `${issuer}/token`,
            userinfoEndpoint: `${issuer}/userinfo`,
            subjectClaim: "user_id",
          }
        : { id, type: "oidc", issuer, clientId: clientIdOf(id), clientSecret: "demo-secret" },
    ),
  );
}

type Query = Record<string, unknown>;
const str = (v: unknown) => (typeof v === "string" ? v : "");
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);

/** Only a site on this machine may receive the codes of a demo server. */
function localRedirect(uri: string): URL | null {
  try {
    const url = new URL(uri);
    const local = url.hostname === "localhost" || url.hostname.endsWith(".localhost") || url.hostname === "127.0.0.1";
    return local && (url.protocol === "http:" || url.protocol === "https:") ? url : null;
  } catch {
    return null;
  }
}

const TEXT = {
  ru: {
    demo: "Демонстрационный сервер входа: только для локального запуска, настоящие данные не нужны",
    title: (p: string) => `Вход через ${p}`,
    asks: (site: string) => `Сайт ${site} просит подтвердить, кто вы. Выберите, от чьего имени войти:`,
    people: "Демонстрационные люди",
    cancel: "Отмена — вернуться без входа",
    bad: "Неверный запрос на вход",
    badText: "Не хватает параметров или сайт не разрешён. Начните вход заново со страницы кабинета.",
  },
  en: {
    demo: "Demo sign-in server: local runs only, no real data needed",
    title: (p: string) => `Sign in with ${p}`,
    asks: (site: string) => `${site} asks who you are. Choose whom to sign in as:`,
    people: "Demo people",
    cancel: "Cancel — go back without signing in",
    bad: "Invalid sign-in request",
    badText: "Parameters are missing or the site is not allowed. Start again from the cabinet's page.",
  },
};

const PAGE_STYLE = `body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f3f5f8;color:#1b1f24}
main{max-width:32rem;margin:0 auto;padding:1rem}
.demo{background:#fff4d6;border:1px solid #e0b94f;border-radius:.5rem;padding:.5rem .75rem;font-size:.9rem}
h1{font-size:1.5rem;margin:1rem 0 .5rem}
ul{list-style:none;padding:0;margin:0}
li{margin:.5rem 0}
button{display:block;width:100%;text-align:left;font:inherit;padding:.75rem 1rem;border:1px solid #8a94a3;border-radius:.5rem;background:#fff;color:inherit;cursor:pointer}
button:hover{background:#eef3ff}
button:focus-visible{outline:3px solid #1d4ed8;outline-offset:2px}
button span{display:block;font-size:.9rem;color:#4a5361}
button.cancel{margin-top:1rem;text-align:center;background:transparent}`;

function page(res: ServerResponse, status: number, lang: "ru" | "en", title: string, body: string) {
  res.writeHead(status, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
  res.end(
    `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(title)}</title><style>${PAGE_STYLE}</style></head><body><main>${body}</main></body></html>`,
  );
}

/** Starts the server on 127.0.0.1 (`port` 0: a free port); with `people`, sign-in goes through a page to choose one. */
export async function startIdentityProvider(options: { port?: number; people?: readonly IdpPerson[] } = {}): Promise<IdentityProvider> {
  const people = options.people;
  const server = new OAuth2Server();
  await server.issuer.keys.generate("RS256");
  const service = server.service;
  /** Codes given out and not yet exchanged, and access tokens issued: whom they are for, at which provider. */
  const codes = new Map<string, { person: IdpPerson; provider: DemoIdpProvider }>();
  const tokens = new Map<string, { person: IdpPerson; provider: DemoIdpProvider }>();

  if (people) {
    // Discovery sends browsers to the sign-in page instead of straight to /authorize.
    service.on("beforeWellKnownOpenIdConfiguration", (res: MutableResponse) => {
      if (res.body) res.body.authorization_endpoint = `${server.issuer.url}/signin`;
    });
    service.addRoute("GET", "/signin", (req: IncomingMessage & { query?: Query }, res: ServerResponse) => {
      const q = req.query ?? {};
      const lang = /^en\b/i.test(str(q.ui_locales) || (req.headers["accept-language"] ?? "")) ? "en" : "ru";
      const t = TEXT[lang];
      const provider = providerOf(q.client_id);
      const redirect = localRedirect(str(q.redirect_uri));
      if (!provider || !redirect || q.response_type !== "code" || !q.code_challenge || q.code_challenge_method !== "S256") {
        page(res, 400, lang, t.bad, `<p class="demo">${esc(t.demo)}</p><h1>${esc(t.bad)}</h1><p>${esc(t.badText)}</p>`);
        return;
      }
      const name = NAMES[provider][lang];
      const keep = ["client_id", "redirect_uri", "response_type", "scope", "state", "nonce", "code_challenge", "code_challenge_method"];
      const hidden = keep
        .filter((k) => typeof q[k] === "string")
        .map((k) => `<input type="hidden" name="${k}" value="${esc(str(q[k]))}">`)
        .join("");
      const choices = people
        .map(
          (p) =>
            `<li><button type="submit" name="demo_person" value="${esc(p.key)}"><strong>${esc(p.name)}</strong><span>${esc(p.hint[lang])}</span></button></li>`,
        )
        .join("");
      page(
        res,
        200,
        lang,
        t.title(name),
        `<p class="demo" role="note">${esc(t.demo)}</p><h1>${esc(t.title(name))}</h1><p>${esc(t.asks(redirect.host))}</p>` +
          `<form method="get" action="/authorize">${hidden}<h2 id="people" style="font-size:1rem">${esc(t.people)}</h2><ul aria-labelledby="people">${choices}</ul>` +
          `<button type="submit" class="cancel" name="demo_person" value="">${esc(t.cancel)}</button></form>`,
      );
    });
  }

  // /authorize: the person chosen on the page (or John Doe for the tests) gets the code; no choice is a refusal.
  service.on("beforeAuthorizeRedirect", (redirect: MutableRedirectUri, req: IncomingMessage & { query?: Query }) => {
    const q = req.query ?? {};
    const code = redirect.url.searchParams.get("code");
    const provider = providerOf(q.client_id);
    const person = people ? people.find((p) => p.key === q.demo_person) : JOHN_DOE;
    if (!code) return;
    if (provider && person && (!people || localRedirect(str(q.redirect_uri)))) {
      codes.set(code, { person, provider });
      return;
    }
    redirect.url.searchParams.delete("code");
    redirect.url.searchParams.set("error", provider ? "access_denied" : "unauthorized_client");
  });

  service.on("beforeTokenSigning", (token: MutableToken, req: TokenRequestIncomingMessage) => {
    const grant = codes.get(str(req.body.code));
    if (!grant) return;
    token.payload.sub = grant.person.subjects[grant.provider];
    if (token.payload.aud) token.payload.name = grant.person.name; // the ID token
  });

  service.on("beforeResponse", (res: MutableResponse, req: TokenRequestIncomingMessage) => {
    if (req.body.grant_type !== "authorization_code") return;
    const code = str(req.body.code);
    const grant = codes.get(code);
    codes.delete(code);
    // A code this server gave for a person, exchanged once, with its PKCE verifier (checked by the mock itself).
    if (!grant || !req.body.code_verifier || providerOf(req.body.client_id) !== grant.provider) {
      res.statusCode = 400;
      res.body = { error: "invalid_grant" };
      return;
    }
    if (res.body && typeof res.body.access_token === "string") tokens.set(res.body.access_token, grant);
  });

  service.on("beforeUserinfo", (res: MutableResponse, req: IncomingMessage) => {
    const grant = tokens.get((req.headers.authorization ?? "").replace(/^Bearer\s+/i, ""));
    if (!grant) {
      res.statusCode = 401;
      res.body = { error: "invalid_token" };
      return;
    }
    const sub = grant.person.subjects[grant.provider];
    const [first, ...rest] = grant.person.name.split(" ");
    res.body =
      grant.provider === "vkid"
        ? { user: { user_id: sub, first_name: first ?? "", last_name: rest.join(" ") } }
        : { sub, name: grant.person.name };
  });

  await server.start(options.port ?? 0, "127.0.0.1");
  const issuer = server.issuer.url ?? "";
  return { issuer, providers: providersConfig(issuer, { signInPage: Boolean(people) }), stop: () => server.stop() };
}
