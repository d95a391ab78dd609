import { html, raw } from "hono/html";
import type { Lang } from "../../platform/i18n";

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;margin:0;padding:2rem 1rem;color:#1b1f24;background:#f6f7f9}
main{max-width:40rem;margin:auto;background:#fff;border-radius:12px;padding:2rem;box-shadow:0 1px 3px #0002}
a{color:#5b2bd6}h1{margin-top:0;font-size:1.6rem}table{border-collapse:collapse;width:100%;font-size:14px}
td,th{border-bottom:1px solid #ddd;padding:.4rem;text-align:left;vertical-align:top}pre{white-space:pre-wrap;margin:0}
@media (prefers-color-scheme:dark){body{background:#111;color:#eee}main{background:#1c1c1f}a{color:#b69cff}}`;

function page(lang: Lang, title: string, body: ReturnType<typeof html>) {
  return html`<!doctype html>
<html lang="${lang}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title}</title><style>${raw(STYLE)}</style></head>
<body><main>${body}</main></body></html>`;
}

/** The page for a regional subdomain that does not exist. */
export function unknownRegionPage(lang: Lang, code: string, apexUrl: string) {
  const ru = lang === "ru";
  return page(
    lang,
    ru ? "Регион не найден" : "Region not found",
    html`<h1>${ru ? "Регион не найден" : "Region not found"}</h1>
<p>${ru ? `Сайта для региона «${code}» нет.` : `There is no site for the region “${code}”.`}</p>
<p><a href="${apexUrl}?choose=1">${ru ? "Выбрать регион" : "Choose a region"}</a></p>
<p>${ru ? "Подключение услуг" : "New connections"}: <a href="tel:+78007078000">8 800 707-80-00</a><br>
${ru ? "Техническая поддержка" : "Technical support"}: <a href="tel:+78007071212">8 800 707-12-12</a></p>`,
  );
}

/** API reference: Swagger UI served from our own origin (no CDN, no inline script). */
export function apiDocsPage() {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Kabinet API</title><link rel="stylesheet" href="/vendor/swagger-ui/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/vendor/swagger-ui/swagger-ui-bundle.js"></script>
<script src="/api/docs/init.js"></script></body></html>`;
}

export const API_DOCS_INIT = `window.ui = SwaggerUIBundle({ url: "/api/openapi.json", dom_id: "#swagger-ui", deepLinking: true });\n`;

export interface OutboxView {
  createdAt: Date;
  channel: string;
  recipient: string;
  subject: string | null;
  body: string;
}

/** The dev outbox: every SMS and email the local adapters "sent". Dev mode only. */
export function outboxPage(lang: Lang, rows: OutboxView[]) {
  const ru = lang === "ru";
  return page(
    lang,
    ru ? "Исходящие (dev)" : "Outbox (dev)",
    html`<h1>${ru ? "Исходящие сообщения" : "Outgoing messages"}</h1>
<p>${ru ? "Локальная замена SMS-шлюза и почты. Новые сверху." : "Local stand-in for the SMS gateway and email. Newest first."}</p>
<table><thead><tr><th>${ru ? "Время" : "Time"}</th><th>${ru ? "Канал" : "Channel"}</th><th>${ru ? "Кому" : "To"}</th><th>${ru ? "Текст" : "Text"}</th></tr></thead>
<tbody>${rows.map(
      (r) =>
        html`<tr><td>${r.createdAt.toISOString()}</td><td>${r.channel}</td><td>${r.recipient}</td><td>${r.subject ? html`<strong>${r.subject}</strong><br>` : ""}<pre>${r.body}</pre></td></tr>`,
    )}</tbody></table>`,
  );
}
