/** Great-circle distance in kilometres (haversine, mean Earth radius): enough to say which office is nearest. */
export function distanceKm(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = (d: number) => (d * Math.PI) / 180;
  const dLat = rad(b.lat - a.lat);
  const dLon = rad(b.lon - a.lon);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371.0088 * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** «350 м», «1,2 км», «24 км» (en: "350 m", "1.2 km"): metres under a kilometre, one decimal under ten. */
export function formatDistance(km: number, lang: "ru" | "en"): string {
  const locale = lang === "ru" ? "ru-RU" : "en-GB";
  if (km < 1) return `${Math.max(10, Math.round((km * 1000) / 10) * 10)}\u00a0${lang === "ru" ? "м" : "m"}`;
  const n = new Intl.NumberFormat(locale, { maximumFractionDigits: km < 10 ? 1 : 0 }).format(km);
  return `${n}\u00a0${lang === "ru" ? "км" : "km"}`;
}
