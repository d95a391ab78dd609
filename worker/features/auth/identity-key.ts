/**
 * The identity store key of an account at an identity provider (db/schema/identity.ts `login_keys`). Provider ids have
 * no colon, so the key names one provider and subject whatever the subject holds.
 */
export const identityKey = (provider: string, subject: string) => `idp:${provider}:${subject}`;
