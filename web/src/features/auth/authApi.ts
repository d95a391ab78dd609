import type { LoggedInDto, ProfileDto, SessionDto } from "../../../../worker/features/auth/auth.routes";
import type { CodeSentDto, CompleteRegistrationBody, RegisterBy, StepUpDto } from "../../../../worker/features/auth/flows.routes";
import type { IdentityDto, ProviderDto } from "../../../../worker/features/auth/oidc.routes";
import type { PasskeyDto, PasskeySavedDto } from "../../../../worker/features/auth/passkeys.routes";
import { ApiError, apiRequest, apiSend, fromBoot, type Items } from "../../lib/api";

export type { CodeSentDto, IdentityDto, PasskeyDto, ProfileDto, ProviderDto, RegisterBy, SessionDto };

/** The logged-in subscriber, or null when not logged in. */
async function me(): Promise<ProfileDto | null> {
  // The server's companion cookie says whether there is a session at all (the session cookie itself is HttpOnly).
  if (!/(?:^|;\s*)kab_in=1/.test(document.cookie)) return null;
  const ready = fromBoot("me");
  if (ready) return ready;
  try {
    return (await apiRequest<LoggedInDto>("/api/v1/me")).profile;
  } catch (e) {
    if (e instanceof ApiError && e.problem.status === 401) return null;
    throw e;
  }
}

/** Login, registration, recovery, step-up, the profile, sessions, linked identities and passkeys. */
export const authApi = {
  me,
  /** `captcha`: a solved challenge, when the server asked for one (see `isChallengeRequired` in `captcha.ts`). */
  login: (identifier: string, password: string, captcha?: string) =>
    apiSend<LoggedInDto>("POST", "/api/v1/auth/login", { identifier, password, ...(captcha ? { captcha } : {}) }).then((r) => r.profile),
  logout: () => apiSend<void>("POST", "/api/v1/auth/logout"),
  sessions: () => apiRequest<Items<SessionDto>>("/api/v1/me/sessions").then((r) => r.items),
  endSession: (id: string) => apiSend<void>("DELETE", `/api/v1/me/sessions/${encodeURIComponent(id)}`),
  endOtherSessions: () => apiSend<void>("POST", "/api/v1/me/sessions/end-others"),
  requestLoginCode: (identifier: string, channel?: "sms" | "email") =>
    apiSend<CodeSentDto>("POST", "/api/v1/auth/code", { identifier, channel }),
  loginWithCode: (identifier: string, code: string) =>
    apiSend<LoggedInDto>("POST", "/api/v1/auth/code/verify", { identifier, code }).then((r) => r.profile),
  startRegistration: (by: RegisterBy) => apiSend<CodeSentDto>("POST", "/api/v1/auth/register/start", by),
  completeRegistration: (body: CompleteRegistrationBody) =>
    apiSend<LoggedInDto>("POST", "/api/v1/auth/register/complete", body).then((r) => r.profile),
  captcha: () => apiRequest<Record<string, unknown>>("/api/v1/auth/captcha"),
  startRecovery: (identifier: string, channel: "sms" | "email", captcha: string) =>
    apiSend<CodeSentDto>("POST", "/api/v1/auth/recover/start", { identifier, channel, captcha }),
  completeRecovery: (identifier: string, code: string, password: string) =>
    apiSend<LoggedInDto>("POST", "/api/v1/auth/recover/complete", { identifier, code, password }).then((r) => r.profile),
  /** Where a sign-in (or linking) with an identity provider starts: a full-page navigation, not a fetch. */
  oidcStartUrl: (provider: string, mode: "login" | "link") =>
    `/api/v1/auth/oidc/${encodeURIComponent(provider)}/start?mode=${mode}&return=/profile`,
  providers: () => apiRequest<Items<ProviderDto>>("/api/v1/auth/providers").then((r) => r.items),
  identities: () => apiRequest<Items<IdentityDto>>("/api/v1/me/identities").then((r) => r.items),
  unlinkIdentity: (provider: string) => apiSend<void>("DELETE", `/api/v1/me/identities/${encodeURIComponent(provider)}`),
  passkeys: () => apiRequest<Items<PasskeyDto>>("/api/v1/me/passkeys").then((r) => r.items),
  passkeyRegisterOptions: () => apiSend<Record<string, unknown>>("POST", "/api/v1/me/passkeys/options"),
  registerPasskey: (credential: unknown, name: string) => apiSend<PasskeySavedDto>("POST", "/api/v1/me/passkeys", { credential, name }),
  deletePasskey: (id: string) => apiSend<void>("DELETE", `/api/v1/me/passkeys/${encodeURIComponent(id)}`),
  passkeyLoginOptions: () => apiSend<Record<string, unknown>>("POST", "/api/v1/auth/passkey/options"),
  loginWithPasskey: (credential: unknown) =>
    apiSend<LoggedInDto>("POST", "/api/v1/auth/passkey/verify", { credential }).then((r) => r.profile),
  startStepUp: () => apiSend<CodeSentDto>("POST", "/api/v1/auth/step-up/start"),
  verifyStepUp: (code: string) => apiSend<StepUpDto>("POST", "/api/v1/auth/step-up/verify", { code }),
  changePassword: (currentPassword: string, newPassword: string) =>
    apiSend<void>("POST", "/api/v1/me/password", currentPassword ? { currentPassword, newPassword } : { newPassword }),
  startContactChange: (kind: "phone" | "email", value: string) =>
    apiSend<CodeSentDto>("POST", `/api/v1/me/${kind}/start`, { [kind]: value }),
  confirmContactChange: (kind: "phone" | "email", code: string) =>
    apiSend<LoggedInDto>("POST", `/api/v1/me/${kind}/verify`, { code }).then((r) => r.profile),
};
