import type { MiddlewareHandler } from "hono";
import { secureHeaders } from "hono/secure-headers";
import { tileOrigin } from "./map";

/** The office finder's tile server, when one is configured: its images are the only third-party ones a page shows. */
const mapTiles = (c: Parameters<MiddlewareHandler>[0]) => {
  const template = (c.env as { MAP_TILES?: string } | undefined)?.MAP_TILES;
  return (template && tileOrigin(template)) || "";
};

/**
 * Security headers on every response. The CSP allows no inline script
 * (the PWA and API docs load scripts from our own origin only); styles may be
 * inline because components set style attributes.
 */
const pageHeaders: MiddlewareHandler = secureHeaders({
  contentSecurityPolicy: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'", "'unsafe-inline'"],
    imgSrc: ["'self'", "data:", "blob:", mapTiles],
    fontSrc: ["'self'", "data:"],
    connectSrc: ["'self'"],
    workerSrc: ["'self'"],
    manifestSrc: ["'self'"],
    objectSrc: ["'none'"],
    baseUri: ["'self'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
  },
  strictTransportSecurity: "max-age=31536000; includeSubDomains",
  xFrameOptions: "DENY",
  referrerPolicy: "strict-origin-when-cross-origin",
  crossOriginOpenerPolicy: "same-origin",
  crossOriginResourcePolicy: "same-site",
  crossOriginEmbedderPolicy: false,
  permissionsPolicy: {
    camera: [],
    microphone: [],
    // The office finder's «ближайшие»: the page asks, the browser asks the person.
    geolocation: ["self"],
    payment: ["self"],
  },
});

/** The headers above on every response; a file we serve as a download or attachment (reports, chat files) is sandboxed instead: never run as our page. */
export const securityHeaders: MiddlewareHandler = async (c, next) => {
  await pageHeaders(c, next);
  if (c.res.headers.has("content-disposition")) c.res.headers.set("content-security-policy", "default-src 'none'; sandbox");
};
