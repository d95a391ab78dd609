/** The office finder's map tiles: which provider, how it is credited, and the origin the CSP must allow for them. */

export interface MapConfig {
  /** URL template: `{z}/{x}/{y}`, and `{s}` for a provider's subdomains (Leaflet's syntax). */
  tiles: string;
  attribution: string;
  attributionUrl: string | null;
}

interface MapEnv {
  MAP_TILES?: string;
  MAP_ATTRIBUTION?: string;
  MAP_ATTRIBUTION_URL?: string;
}

/** The configured tiles, or null (no provider, or not an https URL with the three placeholders): then the schematic map only. */
export function mapConfig(env: MapEnv): MapConfig | null {
  const tiles = env.MAP_TILES?.trim() ?? "";
  if (!tiles || !["{z}", "{x}", "{y}"].every((p) => tiles.includes(p)) || tileOrigin(tiles) === null) return null;
  return {
    tiles,
    attribution: env.MAP_ATTRIBUTION?.trim() || new URL(tileSample(tiles)).hostname,
    attributionUrl: env.MAP_ATTRIBUTION_URL?.trim() || null,
  };
}

/** A concrete tile URL for the template (placeholders filled), to parse it. */
function tileSample(template: string): string {
  return template.replace("{s}", "a").replace("{z}", "0").replace("{x}", "0").replace("{y}", "0").replace("{r}", "");
}

/**
 * The CSP source for the tiles' images: the template's origin, with `*.` for a `{s}.` subdomain. Only https
 * (a page served over https cannot load http images without a warning, and a tile URL with anything odd in its
 * origin is not put into a security header).
 */
export function tileOrigin(template: string): string | null {
  let url: URL;
  try {
    url = new URL(tileSample(template.replace("{s}.", "")));
  } catch {
    return null;
  }
  if (url.protocol !== "https:" || !/^[a-z0-9.-]+(?::\d+)?$/i.test(url.host)) return null;
  return `https://${template.includes("{s}.") ? "*." : ""}${url.host}`;
}
