/**
 * The demo passwords' argon2id records, made once and shared by every demo
 * subscriber (and every demo operator): the seed runs in Node as well as in
 * workerd and should not spend 19 MiB and tens of milliseconds per row.
 * Salt: the first 16 bytes of SHA-256("kabinet-demo:subscribers" | "kabinet-demo:operators").
 * `demo-passwords.test.ts` checks them against DEMO_PASSWORD and DEMO_OPERATOR_PASSWORD
 * and today's parameters; remake them with Node (≥ 24.7) `crypto.argon2Sync("argon2id", …)`.
 */
export const DEMO_PASSWORD_HASH = "$argon2id$v=19$m=19456,t=2,p=1$0SM9yBWY0U+EbT/rX1ljFw$6JFXCGgHYnIdym8R6KAYXNk1zKShoR2BLs2zrItAVoE";
export const DEMO_OPERATOR_PASSWORD_HASH =
  "$argon2id$v=19$m=19456,t=2,p=1$m8/O/QWkJHRQZc3wZd/4Xw$aypCn2PmJtzV/Z20Gn3mk9rwyftRRUhElV/ztmgaKO8";
