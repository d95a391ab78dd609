/** What the business cabinet's exports share: the CSV Russian Excel reads, and the files' content types. */

/** A CSV field as Excel reads it: quoted when it has a separator, quote or line break; a leading =+-@ made text. */
export function csvField(value: string | number): string {
  if (typeof value === "number") return String(value);
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[;"\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** Lines of fields as one CSV file: UTF-8 with a BOM, `;` between fields, CRLF. */
export function csvFile(lines: readonly string[]): Uint8Array {
  return new TextEncoder().encode(`\uFEFF${lines.join("\r\n")}\r\n`);
}

export const FILE_TYPE = {
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  csv: "text/csv; charset=utf-8",
} as const;

/** The download of an export: an attachment never cached. */
export function fileResponse(body: Uint8Array, format: keyof typeof FILE_TYPE, filename: string): Response {
  return new Response(body, {
    status: 200,
    headers: {
      "content-type": FILE_TYPE[format],
      "content-disposition": `attachment; filename="${filename}"`,
      "cache-control": "private, no-store",
      "x-content-type-options": "nosniff",
    },
  });
}
