/** What the Host of a request means for Kabinet. */
export type HostKind = { kind: "apex" } | { kind: "region"; code: string } | { kind: "redirect-apex" } | { kind: "other" };

/** Loopback addresses `wrangler dev` announces itself on; locally they are sent to the apex, like bare localhost. */
const LOOPBACK = new Set(["127.0.0.1", "[::1]"]);

/**
 * Classifies a hostname against the configured base domain:
 * `kabinet.localhost` is the apex, `msk.kabinet.localhost` a region,
 * bare `localhost` and `www.` (and, in a local run, loopback addresses) are
 * sent to the apex. Anything else is "other" and is not served.
 */
export function classifyHost(hostname: string, baseDomain: string): HostKind {
  const host = hostname.toLowerCase().replace(/\.$/, "");
  const base = baseDomain.toLowerCase();
  if (host === base) return { kind: "apex" };
  if (host === "localhost" || host === `www.${base}`) return { kind: "redirect-apex" };
  if (LOOPBACK.has(host) && isLocalBase(base)) return { kind: "redirect-apex" };
  if (host.endsWith(`.${base}`)) {
    const sub = host.slice(0, -(base.length + 1));
    return { kind: "region", code: sub };
  }
  return { kind: "other" };
}

/**
 * A base domain under `.localhost` is a local run (`wrangler dev`, the tests):
 * plain http on whatever port was chosen. Any other base domain is production.
 */
export function isLocalBase(baseDomain: string): boolean {
  const base = baseDomain.toLowerCase();
  return base === "localhost" || base.endsWith(".localhost");
}

/**
 * The scheme and port every one of our sites is served on: https on the
 * default port in production; locally those this request came in on
 * (`wrangler dev --port`, `--local-protocol`), the same for every subdomain.
 */
export function siteScheme(requestUrl: URL, baseDomain: string): { protocol: string; port: string } {
  return isLocalBase(baseDomain) ? { protocol: requestUrl.protocol, port: requestUrl.port } : { protocol: "https:", port: "" };
}

/**
 * The apex's origin as configured: the base domain on the sites' scheme and
 * port (see `siteScheme`). For what we publish about ourselves (the OpenAPI
 * `servers`), never built from the Host a request named.
 */
export function apexOrigin(requestUrl: URL, baseDomain: string): string {
  const { protocol, port } = siteScheme(requestUrl, baseDomain);
  return `${protocol}//${baseDomain}${port ? `:${port}` : ""}`;
}

/** The URL of a host under the base domain, keeping the request's scheme and port. */
export function siteUrl(requestUrl: URL, baseDomain: string, sub: string | null, path = "/"): string {
  const port = requestUrl.port ? `:${requestUrl.port}` : "";
  const host = sub ? `${sub}.${baseDomain}` : baseDomain;
  return `${requestUrl.protocol}//${host}${port}${path}`;
}

/** The site of a region from a template (SITE_URL, for links in messages): `{region}` replaced, the apex when there is no region. */
export function siteUrlFrom(template: string, region: string | null): string {
  return region ? template.replace("{region}", region) : template.replace("{region}.", "");
}
