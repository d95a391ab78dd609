// Money and account numbers as text in messages, receipts and descriptions (server side).

/** "201000000012" → "2010 0000 0012". */
export const formatAccountNoPlain = (no: string) => no.replace(/(\d{4})(?=\d)/g, "$1 ");

/** 150000 → "1500,00 ₽" (messages and receipts, server side). */
export const rubText = (kop: number) => `${kop < 0 ? "-" : ""}${(Math.abs(kop) / 100).toFixed(2).replace(".", ",")} ₽`;
