import type { Context } from "hono";

/** The address of a request no edge has named: a request made inside workerd (tests), one bucket for all. */
export const LOCAL_ADDRESS = "local";

/** An IPv4 or IPv6 address in text (at most 45 characters), nothing else: it becomes a throttle key. */
const ADDRESS = /^[0-9a-fA-F:.]{2,45}$/;

/**
 * The client's IP address: the one place the Worker reads it (throttles,
 * per-address limits).
 *
 * Assumption: the Worker runs behind Cloudflare, whose edge sets
 * `CF-Connecting-IP` to the address that connected and overwrites whatever a
 * client sent in it. A deployment behind another proxy (self-hosted workerd,
 * a load balancer in front) must change this function to read that proxy's
 * header, set by that proxy only; otherwise every client picks its own
 * address and walks around every per-address limit. `X-Forwarded-For` and
 * the like are never read here: without such a proxy anyone can write them.
 *
 * Locally, `wrangler dev` (Miniflare) sets the header from the socket unless
 * the request already has one; tests set it by hand. Without it, or with
 * something that is not an address, the address is "local".
 */
export function clientAddress(c: Context): string {
  const header = c.req.header("cf-connecting-ip")?.trim();
  return header && ADDRESS.test(header) ? header : LOCAL_ADDRESS;
}
