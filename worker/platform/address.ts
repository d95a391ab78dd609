/** A street name for matching: lower case, ё as е, without "ул.", "пр-т" and the like: "ул. Профсоюзная" → "профсоюзная". */
export function normalizeStreet(s: string): string {
  return s
    .toLowerCase()
    .replace(/ё/g, "е")
    .replace(/[.,«»"]/g, " ")
    .replace(/(^|\s)(ул|улица|пр-т|пр|проспект|пер|переулок|б-р|бульвар|ш|шоссе|наб|набережная|пл|площадь|д|дом)(?=\s|$)/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

/** The number part of a house: "12", "12к1", "д. 12/2" → 12. */
export function houseNumber(s: string): number | null {
  const m = /(\d{1,4})/.exec(s);
  return m ? Number(m[1]) : null;
}
