import type { Lang } from "../../platform/i18n";
import type { Rendered } from "./notifications.catalog";

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string);

/** The branded HTML part of a notification email (the text part is plain). Inline styles: mail clients drop stylesheets. */
export function emailHtml(text: Rendered, link: string, lang: Lang): string {
  const open = lang === "ru" ? "Открыть в личном кабинете" : "Open in the cabinet";
  const footer =
    lang === "ru"
      ? "Вы получили это письмо, потому что включили уведомления на почту. Настроить: «Доставка уведомлений» в личном кабинете."
      : "You receive this because email notifications are on. Change it in “Notification delivery” in the cabinet.";
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(text.title)}</title></head>
<body style="margin:0;background:#f3f5f8;font-family:Arial,Helvetica,sans-serif;color:#1b1f24">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td align="center" style="padding:24px 12px">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:560px;background:#fff;border-radius:12px">
<tr><td style="background:#5b2fc9;color:#fff;padding:16px 24px;border-radius:12px 12px 0 0;font-size:18px;font-weight:bold">${lang === "ru" ? "Личный кабинет" : "Kabinet"}</td></tr>
<tr><td style="padding:24px"><h1 style="font-size:20px;margin:0 0 12px">${escapeHtml(text.title)}</h1>
<p style="font-size:16px;line-height:1.5;margin:0 0 20px">${escapeHtml(text.body)}</p>
<a href="${escapeHtml(link)}" style="display:inline-block;background:#5b2fc9;color:#fff;text-decoration:none;padding:12px 20px;border-radius:8px;font-size:16px">${open}</a></td></tr>
<tr><td style="padding:16px 24px;color:#5a6470;font-size:12px;line-height:1.4">${footer}</td></tr>
</table></td></tr></table></body></html>`;
}
