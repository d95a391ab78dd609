/**
 * Preference cookies are set for the base domain so that every regional
 * subdomain shares them (a cookie for Domain=localhost would be refused,
 * Domain=kabinet.localhost is accepted).
 */
export function setPreferenceCookie(name: "lang" | "region" | "offline_note", value: string, baseDomain: string) {
  const secure = location.protocol === "https:" ? "; Secure" : "";
  // biome-ignore lint/suspicious/noDocumentCookie: a plain preference cookie; the Cookie Store API is not in every browser
  document.cookie = `${name}=${encodeURIComponent(value)}; Domain=${baseDomain}; Path=/; Max-Age=31536000; SameSite=Lax${secure}`;
}
