/**
 * The catalogue of Russian federal subjects (Article 65 of the Constitution),
 * as data: the subdomain code, ISO 3166-2 subdivision (what Cloudflare reports
 * in `request.cf.regionCode`), names, macro-regional branch, IANA time zone and
 * the administrative centre's coordinates (used to find the nearest region).
 *
 * This module has no imports so that Node scripts (seed) can load it as is.
 */

export type BranchCode = "center" | "moscow" | "northwest" | "volga" | "south" | "ural" | "siberia" | "fareast";

export interface BranchRow {
  code: BranchCode;
  nameRu: string;
  nameEn: string;
}

/** Macro-regional branches (макрорегиональные филиалы). */
export const BRANCHES: readonly BranchRow[] = [
  { code: "center", nameRu: "Центр", nameEn: "Centre" },
  { code: "moscow", nameRu: "Москва", nameEn: "Moscow" },
  { code: "northwest", nameRu: "Северо-Запад", nameEn: "North-West" },
  { code: "volga", nameRu: "Волга", nameEn: "Volga" },
  { code: "south", nameRu: "Юг", nameEn: "South" },
  { code: "ural", nameRu: "Урал", nameEn: "Ural" },
  { code: "siberia", nameRu: "Сибирь", nameEn: "Siberia" },
  { code: "fareast", nameRu: "Дальний Восток", nameEn: "Far East" },
];

export interface RegionRow {
  code: string;
  iso: string | null;
  nameRu: string;
  nameEn: string;
  branch: BranchCode;
  tz: string;
  lat: number;
  lon: number;
}

type Tuple = [code: string, iso: string | null, nameRu: string, nameEn: string, branch: BranchCode, tz: string, lat: number, lon: number];

const M = "Europe/Moscow";
const Y = "Asia/Yekaterinburg";

const rows: Tuple[] = [
  ["msk", "RU-MOW", "Москва", "Moscow", "moscow", M, 55.75, 37.62],
  ["mo", "RU-MOS", "Московская область", "Moscow Oblast", "center", M, 55.68, 37.3],
  ["bel", "RU-BEL", "Белгородская область", "Belgorod Oblast", "center", M, 50.6, 36.59],
  ["bryansk", "RU-BRY", "Брянская область", "Bryansk Oblast", "center", M, 53.24, 34.37],
  ["vladimir", "RU-VLA", "Владимирская область", "Vladimir Oblast", "center", M, 56.13, 40.41],
  ["vrn", "RU-VOR", "Воронежская область", "Voronezh Oblast", "center", M, 51.67, 39.18],
  ["ivanovo", "RU-IVA", "Ивановская область", "Ivanovo Oblast", "center", M, 57.0, 40.97],
  ["kaluga", "RU-KLU", "Калужская область", "Kaluga Oblast", "center", M, 54.51, 36.26],
  ["kostroma", "RU-KOS", "Костромская область", "Kostroma Oblast", "center", M, 57.77, 40.93],
  ["kursk", "RU-KRS", "Курская область", "Kursk Oblast", "center", M, 51.73, 36.19],
  ["lipetsk", "RU-LIP", "Липецкая область", "Lipetsk Oblast", "center", M, 52.61, 39.59],
  ["orel", "RU-ORL", "Орловская область", "Oryol Oblast", "center", M, 52.97, 36.07],
  ["ryazan", "RU-RYA", "Рязанская область", "Ryazan Oblast", "center", M, 54.63, 39.74],
  ["smolensk", "RU-SMO", "Смоленская область", "Smolensk Oblast", "center", M, 54.78, 32.05],
  ["tambov", "RU-TAM", "Тамбовская область", "Tambov Oblast", "center", M, 52.72, 41.45],
  ["tver", "RU-TVE", "Тверская область", "Tver Oblast", "center", M, 56.86, 35.9],
  ["tula", "RU-TUL", "Тульская область", "Tula Oblast", "center", M, 54.19, 37.62],
  ["yar", "RU-YAR", "Ярославская область", "Yaroslavl Oblast", "center", M, 57.63, 39.87],
  ["spb", "RU-SPE", "Санкт-Петербург", "Saint Petersburg", "northwest", M, 59.94, 30.31],
  ["lo", "RU-LEN", "Ленинградская область", "Leningrad Oblast", "northwest", M, 59.57, 30.13],
  ["arh", "RU-ARK", "Архангельская область", "Arkhangelsk Oblast", "northwest", M, 64.54, 40.54],
  ["nao", "RU-NEN", "Ненецкий автономный округ", "Nenets Autonomous Okrug", "northwest", M, 67.64, 53.01],
  ["vologda", "RU-VLG", "Вологодская область", "Vologda Oblast", "northwest", M, 59.22, 39.89],
  ["kaliningrad", "RU-KGD", "Калининградская область", "Kaliningrad Oblast", "northwest", "Europe/Kaliningrad", 54.71, 20.51],
  ["karelia", "RU-KR", "Республика Карелия", "Republic of Karelia", "northwest", M, 61.79, 34.36],
  ["komi", "RU-KO", "Республика Коми", "Komi Republic", "northwest", M, 61.67, 50.84],
  ["murmansk", "RU-MUR", "Мурманская область", "Murmansk Oblast", "northwest", M, 68.97, 33.07],
  ["novgorod", "RU-NGR", "Новгородская область", "Novgorod Oblast", "northwest", M, 58.52, 31.27],
  ["pskov", "RU-PSK", "Псковская область", "Pskov Oblast", "northwest", M, 57.82, 28.33],
  ["ufa", "RU-BA", "Республика Башкортостан", "Republic of Bashkortostan", "volga", Y, 54.73, 55.95],
  ["mari", "RU-ME", "Республика Марий Эл", "Mari El Republic", "volga", M, 56.63, 47.89],
  ["mordovia", "RU-MO", "Республика Мордовия", "Republic of Mordovia", "volga", M, 54.18, 45.18],
  ["kzn", "RU-TA", "Республика Татарстан", "Republic of Tatarstan", "volga", M, 55.79, 49.12],
  ["izhevsk", "RU-UD", "Удмуртская Республика", "Udmurt Republic", "volga", "Europe/Samara", 56.85, 53.2],
  ["cheb", "RU-CU", "Чувашская Республика", "Chuvash Republic", "volga", M, 56.15, 47.25],
  ["kirov", "RU-KIR", "Кировская область", "Kirov Oblast", "volga", "Europe/Kirov", 58.6, 49.66],
  ["nnov", "RU-NIZ", "Нижегородская область", "Nizhny Novgorod Oblast", "volga", M, 56.33, 44.0],
  ["orenburg", "RU-ORE", "Оренбургская область", "Orenburg Oblast", "volga", Y, 51.77, 55.1],
  ["penza", "RU-PNZ", "Пензенская область", "Penza Oblast", "volga", M, 53.2, 45.0],
  ["perm", "RU-PER", "Пермский край", "Perm Krai", "volga", Y, 58.01, 56.25],
  ["samara", "RU-SAM", "Самарская область", "Samara Oblast", "volga", "Europe/Samara", 53.2, 50.15],
  ["saratov", "RU-SAR", "Саратовская область", "Saratov Oblast", "volga", "Europe/Saratov", 51.53, 46.03],
  ["ulyanovsk", "RU-ULY", "Ульяновская область", "Ulyanovsk Oblast", "volga", "Europe/Ulyanovsk", 54.32, 48.4],
  ["adygea", "RU-AD", "Республика Адыгея", "Republic of Adygea", "south", M, 44.61, 40.1],
  ["kalmykia", "RU-KL", "Республика Калмыкия", "Republic of Kalmykia", "south", M, 46.31, 44.26],
  ["krasnodar", "RU-KDA", "Краснодарский край", "Krasnodar Krai", "south", M, 45.04, 38.98],
  ["astrakhan", "RU-AST", "Астраханская область", "Astrakhan Oblast", "south", "Europe/Astrakhan", 46.35, 48.04],
  ["volgograd", "RU-VGG", "Волгоградская область", "Volgograd Oblast", "south", "Europe/Volgograd", 48.71, 44.51],
  ["rostov", "RU-ROS", "Ростовская область", "Rostov Oblast", "south", M, 47.23, 39.72],
  ["dagestan", "RU-DA", "Республика Дагестан", "Republic of Dagestan", "south", M, 42.98, 47.5],
  ["ingushetia", "RU-IN", "Республика Ингушетия", "Republic of Ingushetia", "south", M, 43.17, 44.81],
  ["kbr", "RU-KB", "Кабардино-Балкарская Республика", "Kabardino-Balkar Republic", "south", M, 43.49, 43.61],
  ["kchr", "RU-KC", "Карачаево-Черкесская Республика", "Karachay-Cherkess Republic", "south", M, 44.23, 42.05],
  ["alania", "RU-SE", "Республика Северная Осетия — Алания", "Republic of North Ossetia–Alania", "south", M, 43.02, 44.68],
  ["chechnya", "RU-CE", "Чеченская Республика", "Chechen Republic", "south", M, 43.32, 45.69],
  ["stavropol", "RU-STA", "Ставропольский край", "Stavropol Krai", "south", M, 45.04, 41.97],
  ["crimea", null, "Республика Крым", "Republic of Crimea", "south", "Europe/Simferopol", 44.95, 34.1],
  ["sevastopol", null, "Севастополь", "Sevastopol", "south", "Europe/Simferopol", 44.62, 33.53],
  ["dnr", null, "Донецкая Народная Республика", "Donetsk People's Republic", "south", M, 48.0, 37.8],
  ["lnr", null, "Луганская Народная Республика", "Luhansk People's Republic", "south", M, 48.57, 39.33],
  ["zaporozhye", null, "Запорожская область", "Zaporozhye Oblast", "south", M, 46.84, 35.37],
  ["kherson", null, "Херсонская область", "Kherson Oblast", "south", M, 46.6, 33.4],
  ["kurgan", "RU-KGN", "Курганская область", "Kurgan Oblast", "ural", Y, 55.44, 65.34],
  ["ekb", "RU-SVE", "Свердловская область", "Sverdlovsk Oblast", "ural", Y, 56.84, 60.61],
  ["tyumen", "RU-TYU", "Тюменская область", "Tyumen Oblast", "ural", Y, 57.15, 65.53],
  ["hmao", "RU-KHM", "Ханты-Мансийский автономный округ — Югра", "Khanty-Mansi Autonomous Okrug – Yugra", "ural", Y, 61.0, 69.02],
  ["yanao", "RU-YAN", "Ямало-Ненецкий автономный округ", "Yamalo-Nenets Autonomous Okrug", "ural", Y, 66.53, 66.61],
  ["chel", "RU-CHE", "Челябинская область", "Chelyabinsk Oblast", "ural", Y, 55.16, 61.4],
  ["altai", "RU-AL", "Республика Алтай", "Altai Republic", "siberia", "Asia/Barnaul", 51.96, 85.96],
  ["tyva", "RU-TY", "Республика Тыва", "Tuva Republic", "siberia", "Asia/Krasnoyarsk", 51.72, 94.44],
  ["khakassia", "RU-KK", "Республика Хакасия", "Republic of Khakassia", "siberia", "Asia/Krasnoyarsk", 53.72, 91.44],
  ["barnaul", "RU-ALT", "Алтайский край", "Altai Krai", "siberia", "Asia/Barnaul", 53.35, 83.78],
  ["krsk", "RU-KYA", "Красноярский край", "Krasnoyarsk Krai", "siberia", "Asia/Krasnoyarsk", 56.01, 92.85],
  ["irkutsk", "RU-IRK", "Иркутская область", "Irkutsk Oblast", "siberia", "Asia/Irkutsk", 52.29, 104.28],
  ["kemerovo", "RU-KEM", "Кемеровская область — Кузбасс", "Kemerovo Oblast – Kuzbass", "siberia", "Asia/Novokuznetsk", 55.35, 86.09],
  ["nsk", "RU-NVS", "Новосибирская область", "Novosibirsk Oblast", "siberia", "Asia/Novosibirsk", 55.03, 82.92],
  ["omsk", "RU-OMS", "Омская область", "Omsk Oblast", "siberia", "Asia/Omsk", 54.99, 73.37],
  ["tomsk", "RU-TOM", "Томская область", "Tomsk Oblast", "siberia", "Asia/Tomsk", 56.48, 84.95],
  ["buryatia", "RU-BU", "Республика Бурятия", "Republic of Buryatia", "siberia", "Asia/Irkutsk", 51.83, 107.58],
  ["chita", "RU-ZAB", "Забайкальский край", "Zabaykalsky Krai", "siberia", "Asia/Chita", 52.03, 113.5],
  ["yakutia", "RU-SA", "Республика Саха (Якутия)", "Sakha (Yakutia) Republic", "fareast", "Asia/Yakutsk", 62.03, 129.73],
  ["kamchatka", "RU-KAM", "Камчатский край", "Kamchatka Krai", "fareast", "Asia/Kamchatka", 53.02, 158.65],
  ["vl", "RU-PRI", "Приморский край", "Primorsky Krai", "fareast", "Asia/Vladivostok", 43.12, 131.89],
  ["khv", "RU-KHA", "Хабаровский край", "Khabarovsk Krai", "fareast", "Asia/Vladivostok", 48.48, 135.08],
  ["amur", "RU-AMU", "Амурская область", "Amur Oblast", "fareast", "Asia/Yakutsk", 50.29, 127.53],
  ["magadan", "RU-MAG", "Магаданская область", "Magadan Oblast", "fareast", "Asia/Magadan", 59.57, 150.8],
  ["sakhalin", "RU-SAK", "Сахалинская область", "Sakhalin Oblast", "fareast", "Asia/Sakhalin", 46.96, 142.73],
  ["eao", "RU-YEV", "Еврейская автономная область", "Jewish Autonomous Oblast", "fareast", "Asia/Vladivostok", 48.79, 132.92],
  ["chukotka", "RU-CHU", "Чукотский автономный округ", "Chukotka Autonomous Okrug", "fareast", "Asia/Anadyr", 64.73, 177.51],
];

export const REGIONS: readonly RegionRow[] = rows.map(([code, iso, nameRu, nameEn, branch, tz, lat, lon]) => ({
  code,
  iso,
  nameRu,
  nameEn,
  branch,
  tz,
  lat,
  lon,
}));

/** The region used when nothing better is known (the apex without a hint). */
export const DEFAULT_REGION = "msk";

/**
 * Each branch's home shard: the regional D1 binding that holds its regions' catalogue, applications, support
 * and cron progress, and its first accounts. More shards of a branch (for accounts) are rows of the global
 * `shards` table: a binding in wrangler.toml, a migration run and a row — no change here.
 */
export type HomeShardBinding =
  | "DB_CENTER"
  | "DB_MOSCOW"
  | "DB_NORTHWEST"
  | "DB_VOLGA"
  | "DB_SOUTH"
  | "DB_URAL"
  | "DB_SIBERIA"
  | "DB_FAREAST";

/** Any regional shard's binding: a home shard or one added later (`DB_MOSCOW_2`, …). */
export type ShardBinding = HomeShardBinding | `DB_${string}`;

export const SHARD_MAP: Readonly<Record<BranchCode, HomeShardBinding>> = {
  center: "DB_CENTER",
  moscow: "DB_MOSCOW",
  northwest: "DB_NORTHWEST",
  volga: "DB_VOLGA",
  south: "DB_SOUTH",
  ural: "DB_URAL",
  siberia: "DB_SIBERIA",
  fareast: "DB_FAREAST",
};

export type ContactKind = "regional" | "connection" | "support" | "b2b_hotline" | "b2b_smb" | "b2b_enterprise";

/** Federal numbers from the seed article; they apply in every region. */
export const FEDERAL_CONTACTS: readonly { kind: ContactKind; phone: string }[] = [
  { kind: "connection", phone: "+78007078000" },
  { kind: "support", phone: "+78007071212" },
  { kind: "b2b_hotline", phone: "+78002001661" },
  { kind: "b2b_smb", phone: "+78003028710" },
  { kind: "b2b_enterprise", phone: "+78002006786" },
];

/**
 * The regional support desks (городские номера) of the big regions, alongside
 * the federal lines. Demo numbers: the 000 exchange is not in use.
 */
export const REGIONAL_HOTLINES: Readonly<Record<string, string>> = {
  msk: "+74950000100",
  spb: "+78120000100",
  nsk: "+73830000100",
  ekb: "+73430000100",
  kzn: "+78430000100",
  nnov: "+78310000100",
  samara: "+78460000100",
  rostov: "+78630000100",
  krasnodar: "+78610000100",
  vl: "+74230000100",
};

/**
 * What people type when looking for their region besides its official name:
 * the administrative centre first, then major cities and common names
 * (`[ru, en]`). The region search matches these by word prefix and shows the
 * match as «Казань → Республика Татарстан».
 */
export const REGION_PLACES: Readonly<Record<string, readonly (readonly [ru: string, en: string])[]>> = {
  msk: [
    ["Зеленоград", "Zelenograd"],
    ["Мск", "Msk"],
  ],
  mo: [
    ["Красногорск", "Krasnogorsk"],
    ["Подмосковье", "Moscow Region"],
    ["Балашиха", "Balashikha"],
    ["Химки", "Khimki"],
    ["Подольск", "Podolsk"],
    ["Мытищи", "Mytishchi"],
    ["Королёв", "Korolyov"],
    ["Люберцы", "Lyubertsy"],
    ["Одинцово", "Odintsovo"],
    ["Домодедово", "Domodedovo"],
    ["Серпухов", "Serpukhov"],
    ["Коломна", "Kolomna"],
  ],
  bel: [
    ["Белгород", "Belgorod"],
    ["Старый Оскол", "Stary Oskol"],
  ],
  bryansk: [["Брянск", "Bryansk"]],
  vladimir: [
    ["Владимир", "Vladimir"],
    ["Ковров", "Kovrov"],
    ["Муром", "Murom"],
  ],
  vrn: [["Воронеж", "Voronezh"]],
  ivanovo: [["Иваново", "Ivanovo"]],
  kaluga: [
    ["Калуга", "Kaluga"],
    ["Обнинск", "Obninsk"],
  ],
  kostroma: [["Кострома", "Kostroma"]],
  kursk: [["Курск", "Kursk"]],
  lipetsk: [["Липецк", "Lipetsk"]],
  orel: [["Орёл", "Oryol"]],
  ryazan: [["Рязань", "Ryazan"]],
  smolensk: [["Смоленск", "Smolensk"]],
  tambov: [["Тамбов", "Tambov"]],
  tver: [["Тверь", "Tver"]],
  tula: [["Тула", "Tula"]],
  yar: [
    ["Ярославль", "Yaroslavl"],
    ["Рыбинск", "Rybinsk"],
  ],
  spb: [
    ["Питер", "Piter"],
    ["СПб", "SPb"],
    ["Петербург", "Petersburg"],
    ["St Petersburg", "St Petersburg"],
    ["Ленинград", "Leningrad"],
    ["Колпино", "Kolpino"],
    ["Пушкин", "Pushkin"],
    ["Петергоф", "Peterhof"],
  ],
  lo: [
    ["Ленобласть", "Lenoblast"],
    ["Гатчина", "Gatchina"],
    ["Выборг", "Vyborg"],
    ["Всеволожск", "Vsevolozhsk"],
  ],
  arh: [
    ["Архангельск", "Arkhangelsk"],
    ["Северодвинск", "Severodvinsk"],
  ],
  nao: [["Нарьян-Мар", "Naryan-Mar"]],
  vologda: [
    ["Вологда", "Vologda"],
    ["Череповец", "Cherepovets"],
  ],
  kaliningrad: [["Калининград", "Kaliningrad"]],
  karelia: [
    ["Петрозаводск", "Petrozavodsk"],
    ["Карелия", "Karelia"],
  ],
  komi: [
    ["Сыктывкар", "Syktyvkar"],
    ["Ухта", "Ukhta"],
    ["Воркута", "Vorkuta"],
  ],
  murmansk: [["Мурманск", "Murmansk"]],
  novgorod: [["Великий Новгород", "Veliky Novgorod"]],
  pskov: [
    ["Псков", "Pskov"],
    ["Великие Луки", "Velikiye Luki"],
  ],
  ufa: [
    ["Уфа", "Ufa"],
    ["Башкирия", "Bashkiria"],
    ["Стерлитамак", "Sterlitamak"],
  ],
  mari: [["Йошкар-Ола", "Yoshkar-Ola"]],
  mordovia: [["Саранск", "Saransk"]],
  kzn: [
    ["Казань", "Kazan"],
    ["Набережные Челны", "Naberezhnye Chelny"],
    ["Нижнекамск", "Nizhnekamsk"],
    ["Альметьевск", "Almetyevsk"],
  ],
  izhevsk: [
    ["Ижевск", "Izhevsk"],
    ["Удмуртия", "Udmurtia"],
  ],
  cheb: [
    ["Чебоксары", "Cheboksary"],
    ["Чувашия", "Chuvashia"],
  ],
  kirov: [["Киров", "Kirov"]],
  nnov: [
    ["Нижний Новгород", "Nizhny Novgorod"],
    ["Нижний", "Nizhny"],
    ["Дзержинск", "Dzerzhinsk"],
    ["Арзамас", "Arzamas"],
  ],
  orenburg: [
    ["Оренбург", "Orenburg"],
    ["Орск", "Orsk"],
  ],
  penza: [["Пенза", "Penza"]],
  perm: [
    ["Пермь", "Perm"],
    ["Березники", "Berezniki"],
  ],
  samara: [
    ["Самара", "Samara"],
    ["Тольятти", "Tolyatti"],
    ["Сызрань", "Syzran"],
  ],
  saratov: [
    ["Саратов", "Saratov"],
    ["Энгельс", "Engels"],
    ["Балаково", "Balakovo"],
  ],
  ulyanovsk: [
    ["Ульяновск", "Ulyanovsk"],
    ["Димитровград", "Dimitrovgrad"],
  ],
  adygea: [["Майкоп", "Maykop"]],
  kalmykia: [["Элиста", "Elista"]],
  krasnodar: [
    ["Краснодар", "Krasnodar"],
    ["Кубань", "Kuban"],
    ["Сочи", "Sochi"],
    ["Новороссийск", "Novorossiysk"],
    ["Анапа", "Anapa"],
    ["Геленджик", "Gelendzhik"],
    ["Армавир", "Armavir"],
  ],
  astrakhan: [["Астрахань", "Astrakhan"]],
  volgograd: [
    ["Волгоград", "Volgograd"],
    ["Волжский", "Volzhsky"],
  ],
  rostov: [
    ["Ростов-на-Дону", "Rostov-on-Don"],
    ["Таганрог", "Taganrog"],
    ["Шахты", "Shakhty"],
    ["Новочеркасск", "Novocherkassk"],
    ["Волгодонск", "Volgodonsk"],
  ],
  dagestan: [
    ["Махачкала", "Makhachkala"],
    ["Дербент", "Derbent"],
    ["Хасавюрт", "Khasavyurt"],
  ],
  ingushetia: [
    ["Магас", "Magas"],
    ["Назрань", "Nazran"],
  ],
  kbr: [
    ["Нальчик", "Nalchik"],
    ["Кабардино-Балкария", "Kabardino-Balkaria"],
  ],
  kchr: [
    ["Черкесск", "Cherkessk"],
    ["Карачаево-Черкесия", "Karachay-Cherkessia"],
  ],
  alania: [
    ["Владикавказ", "Vladikavkaz"],
    ["Осетия", "Ossetia"],
  ],
  chechnya: [
    ["Грозный", "Grozny"],
    ["Чечня", "Chechnya"],
  ],
  stavropol: [
    ["Ставрополь", "Stavropol"],
    ["Пятигорск", "Pyatigorsk"],
    ["Кисловодск", "Kislovodsk"],
    ["Ессентуки", "Yessentuki"],
    ["Невинномысск", "Nevinnomyssk"],
  ],
  crimea: [
    ["Симферополь", "Simferopol"],
    ["Крым", "Crimea"],
    ["Ялта", "Yalta"],
    ["Керчь", "Kerch"],
    ["Евпатория", "Yevpatoria"],
    ["Феодосия", "Feodosia"],
  ],
  sevastopol: [["Балаклава", "Balaklava"]],
  dnr: [
    ["Донецк", "Donetsk"],
    ["ДНР", "DPR"],
    ["Мариуполь", "Mariupol"],
    ["Макеевка", "Makiivka"],
  ],
  lnr: [
    ["Луганск", "Luhansk"],
    ["ЛНР", "LPR"],
    ["Алчевск", "Alchevsk"],
  ],
  zaporozhye: [
    ["Мелитополь", "Melitopol"],
    ["Бердянск", "Berdyansk"],
    ["Энергодар", "Enerhodar"],
  ],
  kherson: [
    ["Геническ", "Henichesk"],
    ["Новая Каховка", "Nova Kakhovka"],
    ["Скадовск", "Skadovsk"],
  ],
  kurgan: [["Курган", "Kurgan"]],
  ekb: [
    ["Екатеринбург", "Yekaterinburg"],
    ["Ёбург", "Yoburg"],
    ["Нижний Тагил", "Nizhny Tagil"],
    ["Каменск-Уральский", "Kamensk-Uralsky"],
    ["Первоуральск", "Pervouralsk"],
  ],
  tyumen: [
    ["Тюмень", "Tyumen"],
    ["Тобольск", "Tobolsk"],
  ],
  hmao: [
    ["Ханты-Мансийск", "Khanty-Mansiysk"],
    ["ХМАО", "KhMAO"],
    ["Сургут", "Surgut"],
    ["Нижневартовск", "Nizhnevartovsk"],
    ["Нефтеюганск", "Nefteyugansk"],
  ],
  yanao: [
    ["Салехард", "Salekhard"],
    ["ЯНАО", "YaNAO"],
    ["Новый Уренгой", "Novy Urengoy"],
    ["Ноябрьск", "Noyabrsk"],
  ],
  chel: [
    ["Челябинск", "Chelyabinsk"],
    ["Магнитогорск", "Magnitogorsk"],
    ["Златоуст", "Zlatoust"],
    ["Миасс", "Miass"],
  ],
  altai: [["Горно-Алтайск", "Gorno-Altaysk"]],
  tyva: [
    ["Кызыл", "Kyzyl"],
    ["Тува", "Tuva"],
  ],
  khakassia: [["Абакан", "Abakan"]],
  barnaul: [
    ["Барнаул", "Barnaul"],
    ["Бийск", "Biysk"],
    ["Рубцовск", "Rubtsovsk"],
  ],
  krsk: [
    ["Красноярск", "Krasnoyarsk"],
    ["Норильск", "Norilsk"],
    ["Ачинск", "Achinsk"],
  ],
  irkutsk: [
    ["Иркутск", "Irkutsk"],
    ["Братск", "Bratsk"],
    ["Ангарск", "Angarsk"],
  ],
  kemerovo: [
    ["Кемерово", "Kemerovo"],
    ["Новокузнецк", "Novokuznetsk"],
    ["Прокопьевск", "Prokopyevsk"],
  ],
  nsk: [
    ["Новосибирск", "Novosibirsk"],
    ["Бердск", "Berdsk"],
  ],
  omsk: [["Омск", "Omsk"]],
  tomsk: [
    ["Томск", "Tomsk"],
    ["Северск", "Seversk"],
  ],
  buryatia: [["Улан-Удэ", "Ulan-Ude"]],
  chita: [
    ["Чита", "Chita"],
    ["Забайкалье", "Transbaikalia"],
  ],
  yakutia: [
    ["Якутск", "Yakutsk"],
    ["Нерюнгри", "Neryungri"],
  ],
  kamchatka: [["Петропавловск-Камчатский", "Petropavlovsk-Kamchatsky"]],
  vl: [
    ["Владивосток", "Vladivostok"],
    ["Приморье", "Primorye"],
    ["Уссурийск", "Ussuriysk"],
    ["Находка", "Nakhodka"],
  ],
  khv: [
    ["Хабаровск", "Khabarovsk"],
    ["Комсомольск-на-Амуре", "Komsomolsk-on-Amur"],
  ],
  amur: [["Благовещенск", "Blagoveshchensk"]],
  magadan: [["Магадан", "Magadan"]],
  sakhalin: [["Южно-Сахалинск", "Yuzhno-Sakhalinsk"]],
  eao: [["Биробиджан", "Birobidzhan"]],
  chukotka: [["Анадырь", "Anadyr"]],
};
