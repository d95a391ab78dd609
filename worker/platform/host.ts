/** What the Host of a request means for Kabinet. */
export type HostKind = { kind: "apex" } | { kind: "region"; code: string } | { kind: "redirect-apex" } | { kind: "other" };

/**
 * Classifies a hostname against the configured base domain:
 * `kabinet.localhost` is the apex, `msk.kabinet.localhost` a region,
 * bare `localhost` and `www.` are sent to the apex.
 */
export function classifyHost(hostname: string, baseDomain: string): HostKind {
  const host = hostname.toLowerCase().replace(/\.$/, "");
  const base = baseDomain.toLowerCase();
  if (host === base) return { kind: "apex" };
  if (host === "localhost" || host === `www.${base}`) return { kind: "redirect-apex" };
  if (host.endsWith(`.${base}`)) {
    const sub = host.slice(0, -(base.length + 1));
    return { kind: "region", code: sub };
  }
  return { kind: "other" };
}

/** The URL of a host under the base domain, keeping the request's scheme and port. */
export function siteUrl(requestUrl: URL, baseDomain: string, sub: string | null, path = "/"): string {
  const port = requestUrl.port ? `:${requestUrl.port}` : "";
  const host = sub ? `${sub}.${baseDomain}` : baseDomain;
  return `${requestUrl.protocol}//${host}${port}${path}`;
}
