import type { RouteHandler } from "@hono/zod-openapi";
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../../env";
import { clientAddress } from "../../platform/client";
import { requireSession } from "../../platform/session";
import { invoicePdf, type PdfFonts } from "./invoices.pdf";
import type * as r from "./invoices.routes";
import * as svc from "./invoices.service";

const who = (c: Context<AppEnv>) => requireSession(c).subscriberId;
const noStore = (c: Context<AppEnv>) => c.header("cache-control", "private, no-store");

/**
 * Membership and role before the request's body is validated: a stranger (or another organisation's id) gets the
 * same 404 and a viewer the same 403 whatever they send, not a 400 that says the route exists for them.
 */
export const issueGate: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.req.method !== "POST") return next();
  const orgId = c.req.param("orgId") ?? "";
  svc.allowed(/^[a-z0-9-]{1,40}$/.test(orgId) ? await svc.membership(c.get("data").global, who(c), orgId) : [], "pay");
  return next();
};

export const issueInvoiceHandler: RouteHandler<typeof r.issueInvoiceRoute, AppEnv> = async (c) => {
  const { invoice, created } = await svc.issueInvoice(
    c.get("data"),
    { subscriberId: who(c), address: clientAddress(c) },
    c.req.valid("param").orgId,
    c.req.valid("json"),
    c.req.valid("header")["idempotency-key"],
  );
  return created ? c.json(invoice, 201) : c.json(invoice, 200);
};

export const invoicesHandler: RouteHandler<typeof r.invoicesRoute, AppEnv> = async (c) => {
  const { cursor, limit } = c.req.valid("query");
  noStore(c);
  return c.json(await svc.listInvoices(c.get("data"), who(c), c.req.valid("param").orgId, cursor, limit), 200);
};

export const invoiceHandler: RouteHandler<typeof r.invoiceRoute, AppEnv> = async (c) => {
  const { orgId, invoiceId } = c.req.valid("param");
  noStore(c);
  return c.json((await svc.getInvoice(c.get("data"), who(c), orgId, invoiceId)).invoice, 200);
};

let fontCache: Promise<PdfFonts> | undefined;
/** PT Sans (OFL, Cyrillic) from the static assets (`dist/fonts/`), read once per isolate, kept out of the bundle. */
function fonts(assets: Fetcher): Promise<PdfFonts> {
  fontCache ??= (async () => {
    const get = async (name: string) => {
      const res = await assets.fetch(new Request(`https://assets.invalid/fonts/${name}`));
      if (!res.ok) throw new Error(`font ${name}: ${res.status}`);
      return res.arrayBuffer();
    };
    const [regular, bold] = await Promise.all([get("PTSans-Regular.ttf"), get("PTSans-Bold.ttf")]);
    return { regular, bold };
  })().catch((e) => {
    fontCache = undefined;
    throw e;
  });
  return fontCache;
}

/**
 * The invoice's PDF: made on the first download and kept in R2 (an invoice never changes once issued, so the
 * file is made once and every later download is the same document).
 */
export const invoicePdfHandler: RouteHandler<typeof r.invoicePdfRoute, AppEnv> = async (c) => {
  const { orgId, invoiceId } = c.req.valid("param");
  const { invoice, org } = await svc.getInvoice(c.get("data"), who(c), orgId, invoiceId);
  const key = `invoices/${orgId}/${invoice.id}.pdf`;
  let bytes: ArrayBuffer | Uint8Array;
  const stored = await c.env.FILES.get(key);
  if (stored) bytes = await stored.arrayBuffer();
  else {
    bytes = await invoicePdf(await fonts(c.env.ASSETS), svc.documentOf(invoice, org), svc.PAYEE);
    await c.env.FILES.put(key, bytes, { httpMetadata: { contentType: "application/pdf" } });
  }
  return new Response(bytes, {
    status: 200,
    headers: {
      "content-type": "application/pdf",
      "content-disposition": `attachment; filename="invoice-${invoice.number.replace("СЧ", "SCH")}.pdf"`,
      "content-length": String(bytes.byteLength),
      "cache-control": "private, no-store",
      "x-content-type-options": "nosniff",
    },
  }) as never;
};
