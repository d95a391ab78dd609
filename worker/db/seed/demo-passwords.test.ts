import { describe, expect, it } from "vitest";
import { DEMO_OPERATOR_PASSWORD, DEMO_PASSWORD } from "../../data/demo.data";
import { hashPassword, needsRehash, verifyPassword } from "../../platform/password";
import { DEMO_OPERATOR_PASSWORD_HASH, DEMO_PASSWORD_HASH } from "./demo-passwords";

const sha256Prefix = async (s: string) => new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(s))).slice(0, 16);

describe("demo password records", () => {
  it("are the demo passwords' argon2id at today's parameters", async () => {
    expect(await hashPassword(DEMO_PASSWORD, await sha256Prefix("kabinet-demo:subscribers"))).toBe(DEMO_PASSWORD_HASH);
    expect(await hashPassword(DEMO_OPERATOR_PASSWORD, await sha256Prefix("kabinet-demo:operators"))).toBe(DEMO_OPERATOR_PASSWORD_HASH);
    expect(needsRehash(DEMO_PASSWORD_HASH)).toBe(false);
    expect(needsRehash(DEMO_OPERATOR_PASSWORD_HASH)).toBe(false);
    expect(await verifyPassword(DEMO_OPERATOR_PASSWORD, DEMO_PASSWORD_HASH)).toBe(false);
  });
});
