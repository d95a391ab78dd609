/**
 * Sales offices (офисы продаж) of the big regions. Hours are per weekday,
 * Monday first, in the region's local time; null is a day off.
 * No imports: loaded by the seed script as well.
 */

export interface OfficeRow {
  id: string;
  region: string;
  kind: "b2c" | "b2b";
  cityRu: string;
  cityEn: string;
  addressRu: string;
  addressEn: string;
  /** Seven entries, Monday first: "HH:MM-HH:MM" or null (closed). */
  hours: (string | null)[];
  lat: number;
  lon: number;
}

const std: (string | null)[] = ["09:00-20:00", "09:00-20:00", "09:00-20:00", "09:00-20:00", "09:00-20:00", "10:00-18:00", null];
const mall: (string | null)[] = ["10:00-22:00", "10:00-22:00", "10:00-22:00", "10:00-22:00", "10:00-22:00", "10:00-22:00", "10:00-22:00"];
const biz: (string | null)[] = ["09:00-18:00", "09:00-18:00", "09:00-18:00", "09:00-18:00", "09:00-17:00", null, null];

type T = [
  id: string,
  region: string,
  kind: "b2c" | "b2b",
  cityRu: string,
  cityEn: string,
  addressRu: string,
  addressEn: string,
  hours: (string | null)[],
  lat: number,
  lon: number,
];

const rows: T[] = [
  ["msk-1", "msk", "b2c", "Москва", "Moscow", "ул. Тверская, д. 7", "7 Tverskaya St", std, 55.7584, 37.6119],
  ["msk-2", "msk", "b2c", "Москва", "Moscow", "ул. Новый Арбат, д. 15", "15 Novy Arbat St", mall, 55.7522, 37.5874],
  ["msk-3", "msk", "b2c", "Москва", "Moscow", "Ленинградский пр-т, д. 62", "62 Leningradsky Ave", std, 55.8006, 37.5318],
  ["msk-b2b", "msk", "b2b", "Москва", "Moscow", "ул. Гончарная, д. 30", "30 Goncharnaya St", biz, 55.7411, 37.6536],
  ["spb-1", "spb", "b2c", "Санкт-Петербург", "Saint Petersburg", "Невский пр-т, д. 54", "54 Nevsky Ave", std, 59.9343, 30.3351],
  ["spb-2", "spb", "b2c", "Санкт-Петербург", "Saint Petersburg", "Московский пр-т, д. 143", "143 Moskovsky Ave", mall, 59.8745, 30.3197],
  [
    "spb-b2b",
    "spb",
    "b2b",
    "Санкт-Петербург",
    "Saint Petersburg",
    "ул. Большая Морская, д. 24",
    "24 Bolshaya Morskaya St",
    biz,
    59.9349,
    30.3126,
  ],
  ["nsk-1", "nsk", "b2c", "Новосибирск", "Novosibirsk", "Красный пр-т, д. 25", "25 Krasny Ave", std, 55.0302, 82.9204],
  ["ekb-1", "ekb", "b2c", "Екатеринбург", "Yekaterinburg", "ул. Малышева, д. 42", "42 Malysheva St", std, 56.8356, 60.6085],
  ["kzn-1", "kzn", "b2c", "Казань", "Kazan", "ул. Баумана, д. 51", "51 Baumana St", std, 55.7908, 49.1147],
  [
    "nnov-1",
    "nnov",
    "b2c",
    "Нижний Новгород",
    "Nizhny Novgorod",
    "ул. Большая Покровская, д. 56",
    "56 Bolshaya Pokrovskaya St",
    std,
    56.3186,
    43.9996,
  ],
  ["samara-1", "samara", "b2c", "Самара", "Samara", "ул. Ленинградская, д. 33", "33 Leningradskaya St", std, 53.1894, 50.0978],
  [
    "rostov-1",
    "rostov",
    "b2c",
    "Ростов-на-Дону",
    "Rostov-on-Don",
    "ул. Большая Садовая, д. 48",
    "48 Bolshaya Sadovaya St",
    std,
    47.2225,
    39.7187,
  ],
  ["krasnodar-1", "krasnodar", "b2c", "Краснодар", "Krasnodar", "ул. Красная, д. 122", "122 Krasnaya St", mall, 45.0448, 38.976],
  ["chel-1", "chel", "b2c", "Челябинск", "Chelyabinsk", "пр-т Ленина, д. 41", "41 Lenina Ave", std, 55.1598, 61.4025],
  ["ufa-1", "ufa", "b2c", "Уфа", "Ufa", "ул. Ленина, д. 32", "32 Lenina St", std, 54.7261, 55.9475],
  ["vl-1", "vl", "b2c", "Владивосток", "Vladivostok", "ул. Светланская, д. 57", "57 Svetlanskaya St", std, 43.1155, 131.8855],
  ["krsk-1", "krsk", "b2c", "Красноярск", "Krasnoyarsk", "пр-т Мира, д. 85", "85 Mira Ave", std, 56.0106, 92.8526],
  ["perm-1", "perm", "b2c", "Пермь", "Perm", "Комсомольский пр-т, д. 34", "34 Komsomolsky Ave", std, 58.0105, 56.2502],
  ["omsk-1", "omsk", "b2c", "Омск", "Omsk", "ул. Ленина, д. 18", "18 Lenina St", std, 54.9848, 73.3742],
];

export const OFFICES: readonly OfficeRow[] = rows.map(([id, region, kind, cityRu, cityEn, addressRu, addressEn, hours, lat, lon]) => ({
  id,
  region,
  kind,
  cityRu,
  cityEn,
  addressRu,
  addressEn,
  hours,
  lat,
  lon,
}));
