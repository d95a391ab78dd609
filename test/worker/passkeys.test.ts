import { describe, expect, it } from "vitest";
import { call, json, post, sessionCookie } from "./helpers";

const ip = { "cf-connecting-ip": "100.64.3.1" };
const b64url = (s: string) => btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

describe("passkeys", () => {
  it("offer creation options only to a logged-in subscriber, for the base domain as RP", async () => {
    expect((await post("/api/v1/me/passkeys/options", {}, ip)).status).toBe(401);
    const cookie = sessionCookie(await post("/api/v1/auth/login", { identifier: "anna", password: "Kabinet2026" }, ip));
    const options = await json<{ rp: { id: string }; challenge: string; authenticatorSelection: { residentKey: string } }>(
      await post("/api/v1/me/passkeys/options", {}, { ...ip, cookie }),
    );
    expect(options.rp.id).toBe("kabinet.localhost");
    expect(options.challenge.length).toBeGreaterThan(20);
    expect(options.authenticatorSelection.residentKey).toBe("required");
  });

  it("refuse an assertion for a challenge we never issued, the same way as any other failure", async () => {
    const clientDataJSON = b64url(
      JSON.stringify({ type: "webauthn.get", challenge: "never-issued", origin: "http://msk.kabinet.localhost" }),
    );
    const credential = { id: "abc", rawId: "abc", type: "public-key", response: { clientDataJSON, authenticatorData: "", signature: "" } };
    const res = await post("/api/v1/auth/passkey/verify", { credential }, ip);
    expect(res.status).toBe(401);
    expect((await json<{ type: string }>(res)).type).toBe("urn:kabinet:problem:passkey-failed");
    expect(res.headers.get("set-cookie") ?? "").not.toMatch(/kab_session=[^;]/);
  });

  it("refuse an issued challenge answered from a foreign origin", async () => {
    const { challenge } = await json<{ challenge: string }>(await post("/api/v1/auth/passkey/options", {}, ip));
    const clientDataJSON = b64url(JSON.stringify({ type: "webauthn.get", challenge, origin: "https://evil.example" }));
    const credential = { id: "abc", rawId: "abc", type: "public-key", response: { clientDataJSON, authenticatorData: "", signature: "" } };
    expect((await post("/api/v1/auth/passkey/verify", { credential }, ip)).status).toBe(401);
  });

  it("cannot delete someone else's passkey: 404", async () => {
    const cookie = sessionCookie(await post("/api/v1/auth/login", { identifier: "olga", password: "Kabinet2026" }, ip));
    const res = await call("msk", "/api/v1/me/passkeys/some-credential-id", {
      method: "DELETE",
      headers: { ...ip, origin: "http://msk.kabinet.localhost", cookie },
    });
    expect(res.status).toBe(404);
  });
});
