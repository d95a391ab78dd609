import { createRoute, z } from "@hono/zod-openapi";
import { TARIFF_KINDS } from "../../db/schema/region";
import { problem, type ResponseOf } from "../../platform/openapi";

const Localized = z.object({ ru: z.string(), en: z.string() }).openapi("Localized");

export const RegionSummary = z
  .object({
    code: z.string().openapi({ example: "msk", description: "Subdomain of the region's site" }),
    name: Localized,
    branch: z.object({ code: z.string(), name: Localized }),
    tz: z.string().openapi({ example: "Europe/Moscow" }),
    url: z.string().url().openapi({ example: "http://msk.kabinet.localhost:8787/" }),
    places: z.array(Localized).openapi({
      description: "The administrative centre, major cities and common names, for searching",
      example: [{ ru: "Казань", en: "Kazan" }],
    }),
  })
  .openapi("RegionSummary");

export const RegionContext = z
  .object({
    baseDomain: z.string(),
    apexUrl: z.string().url(),
    region: RegionSummary.nullable().openapi({ description: "The region of this subdomain; null on the apex" }),
    suggested: RegionSummary.openapi({ description: "The region to offer: this one, or the nearest one on the apex" }),
    detectedBy: z.enum(["subdomain", "subdivision", "coordinates", "default"]),
    localDay: z.string().openapi({ description: "Today in the region's time zone, YYYY-MM-DD" }),
  })
  .openapi("RegionContext");

export const Tariff = z
  .object({
    id: z.string(),
    kind: z.enum(TARIFF_KINDS),
    name: Localized,
    description: Localized,
    priceKop: z.number().int().openapi({ description: "Monthly price in kopecks" }),
    speedMbps: z.number().int().nullable(),
    tvChannels: z.number().int().nullable(),
    minutes: z.number().int().nullable(),
    dataGb: z.number().int().nullable(),
  })
  .openapi("Tariff");

export const ServiceOption = z
  .object({
    id: z.string(),
    appliesTo: z.enum(TARIFF_KINDS),
    name: Localized,
    priceKop: z.number().int(),
  })
  .openapi("ServiceOption");

export const Office = z
  .object({
    id: z.string(),
    kind: z.enum(["b2c", "b2b"]),
    city: Localized,
    address: Localized,
    hours: z.array(z.string().nullable()).length(7).openapi({ description: "Monday first; null is a day off" }),
    lat: z.number(),
    lon: z.number(),
  })
  .openapi("Office");

export const Contact = z
  .object({
    kind: z
      .enum(["regional", "connection", "support", "b2b_hotline", "b2b_smb", "b2b_enterprise"])
      .openapi({ description: "regional: the region's own desk; the rest are federal lines" }),
    phone: z.string().openapi({ example: "+78007078000", description: "E.164" }),
  })
  .openapi("Contact");

const regionOnly = problem("This is the apex or an unknown region: no regional data here");

export const listRegionsRoute = createRoute({
  method: "get",
  path: "/regions",
  tags: ["Regions"],
  summary: "All regions, for the region picker",
  responses: {
    200: { description: "Every federal subject", content: { "application/json": { schema: z.object({ items: z.array(RegionSummary) }) } } },
  },
});

export const regionContextRoute = createRoute({
  method: "get",
  path: "/region",
  tags: ["Regions"],
  summary: "The region context of this host (or the suggested region on the apex)",
  responses: {
    200: { description: "Region context", content: { "application/json": { schema: RegionContext } } },
    404: problem("Unknown regional subdomain"),
  },
});

export const tariffsRoute = createRoute({
  method: "get",
  path: "/region/tariffs",
  tags: ["Regions"],
  summary: "Tariff plans of this region",
  request: { query: z.object({ kind: z.enum(TARIFF_KINDS).optional() }) },
  responses: {
    200: {
      description: "Tariffs, cheapest first within a kind",
      content: { "application/json": { schema: z.object({ items: z.array(Tariff) }) } },
    },
    400: problem("Invalid filter"),
    404: regionOnly,
  },
});

export const servicesRoute = createRoute({
  method: "get",
  path: "/region/services",
  tags: ["Regions"],
  summary: "Add-on services of this region",
  responses: {
    200: { description: "Add-on services", content: { "application/json": { schema: z.object({ items: z.array(ServiceOption) }) } } },
    404: regionOnly,
  },
});

export const officesRoute = createRoute({
  method: "get",
  path: "/region/offices",
  tags: ["Regions"],
  summary: "Sales offices of this region",
  responses: {
    200: {
      description: "Offices (may be empty: then the contacts apply)",
      content: {
        "application/json": {
          schema: z.object({
            items: z.array(Office),
            map: z
              .object({
                tiles: z.string().openapi({ example: "https://tile.openstreetmap.org/{z}/{x}/{y}.png" }),
                attribution: z.string(),
                attributionUrl: z.string().nullable(),
              })
              .nullable()
              .openapi({ description: "The map tiles to show the offices on; null: no provider configured (a schematic map only)" }),
          }),
        },
      },
    },
    404: regionOnly,
  },
});

export const contactsRoute = createRoute({
  method: "get",
  path: "/region/contacts",
  tags: ["Regions"],
  summary: "Support and sales phone numbers of this region",
  responses: {
    200: { description: "Phone numbers", content: { "application/json": { schema: z.object({ items: z.array(Contact) }) } } },
    404: regionOnly,
  },
});

export type RegionSummaryDto = z.infer<typeof RegionSummary>;
export type RegionContextDto = z.infer<typeof RegionContext>;
export type TariffDto = z.infer<typeof Tariff>;
export type ServiceOptionDto = z.infer<typeof ServiceOption>;
export type OfficeDto = z.infer<typeof Office>;
export type ContactDto = z.infer<typeof Contact>;
/** The region's offices and the tiles to show them on (null: no provider configured, the schematic map only). */
export type OfficesDto = ResponseOf<typeof officesRoute>;
