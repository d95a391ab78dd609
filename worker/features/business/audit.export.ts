import type { orgAudit } from "../../db/schema/global";
import type { DataAccess } from "../../platform/db";
import { xlsxWriter } from "../../platform/document-libs";
import type { Lang } from "../../platform/i18n";
import { newId } from "../../platform/ids";
import { AUDIT_ACTION_LABELS } from "./audit.labels";
import * as q from "./business.queries";
import { authorize, guardId, withHomeAudit } from "./business.service";
import { csvField, csvFile } from "./spreadsheet";

/** At most this many entries in one file (the newest first); 20 pages of 500 rows from each place: 40 queries of one invocation. */
export const AUDIT_EXPORT_MAX = 10_000;
const PAGE = 500;

const HEADERS = {
  ru: ["Когда (МСК)", "Кто", "Действие", "Код действия", "Над чем", "Подробности", "Адрес"],
  en: ["When (Moscow)", "Who", "Action", "Action code", "Target", "Details", "Address"],
};
const OPERATOR = { ru: "оператор", en: "operator" };

type Row = typeof orgAudit.$inferSelect;

/** A time as Moscow's wall clock, `YYYY-MM-DD HH:MM:SS` (the log's dates on screen are Moscow's too). */
const moscow = (d: Date) => new Date(d.getTime() + 3 * 3600_000).toISOString().slice(0, 19).replace("T", " ");

function cells(r: Row, lang: Lang): string[] {
  return [
    moscow(r.createdAt),
    r.actorId ? r.actorName : `${r.actorName} (${OPERATOR[lang]})`,
    (AUDIT_ACTION_LABELS as Record<string, { ru: string; en: string }>)[r.action]?.[lang] ?? r.action,
    r.action,
    r.target ?? "",
    r.details ?? "",
    r.address ?? "",
  ];
}

export function auditCsv(rows: readonly Row[], lang: Lang): Uint8Array {
  return csvFile([HEADERS[lang], ...rows.map((r) => cells(r, lang))].map((l) => l.map(csvField).join(";")));
}

export async function auditXlsx(rows: readonly Row[], lang: Lang): Promise<Uint8Array> {
  const data = [
    HEADERS[lang].map((value) => ({ value, fontWeight: "bold" as const })),
    ...rows.map((r) => cells(r, lang).map((value) => ({ value, type: String }))),
  ];
  const writeXlsxFile = await xlsxWriter();
  const buffer = await writeXlsxFile([
    {
      data: data as never,
      sheet: lang === "ru" ? "Журнал действий" : "Audit log",
      stickyRowsCount: 1,
      columns: [{ width: 20 }, { width: 28 }, { width: 36 }, { width: 22 }, { width: 28 }, { width: 40 }, { width: 16 }],
    },
  ]).toBuffer();
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/**
 * The log as a file (administrators): the entries the filter finds, newest first, at most `AUDIT_EXPORT_MAX`;
 * the export itself is logged (who, what filter, how many, from where) after the file is read.
 */
export async function exportAudit(
  data: DataAccess,
  actor: { subscriberId: string; address: string },
  orgId: string,
  filter: q.AuditFilter,
  format: "xlsx" | "csv",
  lang: Lang,
  now = new Date(),
) {
  guardId(orgId);
  const db = data.global;
  const [member, [org]] = await db.batch([q.selectMember(db, orgId, actor.subscriberId), q.selectOrganisation(db, orgId)]);
  authorize(member, "audit");
  const rows: Row[] = [];
  let before: string | null = null;
  while (rows.length < AUDIT_EXPORT_MAX) {
    const staged = await q.selectAudit(db, orgId, before, PAGE, filter);
    const page: Row[] = await withHomeAudit(data, org, staged, before, PAGE, filter);
    rows.push(...page.slice(0, PAGE));
    if (page.length <= PAGE) break;
    before = page[PAGE - 1]?.id ?? null;
  }
  const kept = rows.slice(0, AUDIT_EXPORT_MAX);
  const body = format === "csv" ? auditCsv(kept, lang) : await auditXlsx(kept, lang);
  const filters = Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined));
  await q.insertAudit(
    db,
    {
      orgId,
      actorId: actor.subscriberId,
      action: "audit.exported",
      target: format.toUpperCase(),
      details: { format, entries: kept.length, filters },
      address: actor.address,
      at: now,
    },
    newId(now.getTime()),
  );
  const day = moscow(now).slice(0, 10);
  return { body, filename: `audit-${orgId}-${day}.${format}` };
}
