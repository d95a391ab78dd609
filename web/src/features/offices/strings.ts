import type { Strings } from "../../i18n/local";

const ru = {
  finder: "Найти офис",
  kind: "Для кого",
  "kind.all": "Все офисы",
  "kind.b2c": "Частным клиентам",
  "kind.b2b": "Для бизнеса",
  openOnly: "Только открытые сейчас",
  city: "Город или улица",
  openUntil: "Открыто до {time}",
  opensToday: "Закрыто, откроется сегодня в {time}",
  opensOn: "Закрыто, откроется: {day}, {time}",
  neverOpen: "Временно не работает",
  found: "Офисов: {n}",
  none: "Под эти условия офисов нет.",
  map: "Схема расположения офисов",
  localTime: "Время работы — по времени региона ({tz})",
};
const en: typeof ru = {
  finder: "Find an office",
  kind: "For",
  "kind.all": "All offices",
  "kind.b2c": "Private customers",
  "kind.b2b": "Business",
  openOnly: "Open now only",
  city: "City or street",
  openUntil: "Open until {time}",
  opensToday: "Closed, opens today at {time}",
  opensOn: "Closed, opens {day} at {time}",
  neverOpen: "Temporarily closed",
  found: "Offices: {n}",
  none: "No offices match.",
  map: "Map of the offices",
  localTime: "Hours are in the region's time ({tz})",
};
export const officeStrings: Strings<keyof typeof ru> = { ru, en };
