/**
 * The help centre (раздел «Помощь»): answers to the questions subscribers ask
 * most, by topic, in Russian and English. `regions` limits an article to some
 * regions (null = everywhere); `screens` names the cabinet screens that link to
 * it. Bodies are paragraphs separated by blank lines; `{name}` placeholders are
 * filled per region (phones, block terms) when the article is served.
 */

export const HELP_TOPICS = ["account", "payments", "internet", "tv", "mobile", "services", "support"] as const;
export type HelpTopic = (typeof HELP_TOPICS)[number];
export type HelpScreen =
  | "login"
  | "payments"
  | "autopay"
  | "promised"
  | "usage"
  | "tariffs"
  | "block"
  | "connect"
  | "applications"
  | "support";

export interface HelpArticle {
  id: string;
  topic: HelpTopic;
  regions: readonly string[] | null;
  screens: readonly HelpScreen[];
  title: { ru: string; en: string };
  body: { ru: string; en: string };
}

export const HELP_TOPIC_LABELS: Record<HelpTopic, { ru: string; en: string }> = {
  account: { ru: "Вход и личный кабинет", en: "Signing in and the cabinet" },
  payments: { ru: "Оплата и баланс", en: "Payments and balance" },
  internet: { ru: "Домашний интернет", en: "Home internet" },
  tv: { ru: "Интерактивное ТВ", en: "Interactive TV" },
  mobile: { ru: "Мобильная связь", en: "Mobile" },
  services: { ru: "Тарифы и услуги", en: "Tariffs and services" },
  support: { ru: "Поддержка", en: "Support" },
};

export const HELP_ARTICLES: readonly HelpArticle[] = [
  {
    id: "login-ways",
    topic: "account",
    regions: null,
    screens: ["login"],
    title: { ru: "Как войти в личный кабинет", en: "How to sign in to the cabinet" },
    body: {
      ru: "Логином служит номер телефона, электронная почта, логин, указанный при регистрации, или номер лицевого счёта.\n\nВойти можно по постоянному паролю или по временному коду, который придёт в СМС или на почту. Также доступен вход через Госуслуги, Т-Банк, ВКонтакте и Одноклассники, если аккаунт привязан в профиле.",
      en: "Your login is your phone number, email, the login chosen at registration or your account number.\n\nSign in with your password or with a one-time code sent by SMS or email. Gosuslugi, T-Bank, VK and OK accounts work too once linked in your profile.",
    },
  },
  {
    id: "forgot-password",
    topic: "account",
    regions: null,
    screens: ["login"],
    title: { ru: "Забыли пароль: как восстановить доступ", en: "Forgot your password: getting back in" },
    body: {
      ru: "На странице входа нажмите «Забыли пароль», укажите телефон или электронную почту и введите символы с картинки. Придёт одноразовый код: после входа задайте новый пароль.\n\nПароль — от 8 до 20 символов, с латинскими строчными и заглавными буквами и цифрами. Если доступа к телефону и почте нет, позвоните в поддержку: {support_phone}.",
      en: "On the sign-in page choose “Forgot password”, give your phone or email and solve the picture check. A one-time code arrives: once in, set a new password.\n\nA password has 8 to 20 characters with lower- and upper-case Latin letters and digits. Without access to your phone and email, call support: {support_phone}.",
    },
  },
  {
    id: "relatives-accounts",
    topic: "account",
    regions: null,
    screens: [],
    title: { ru: "Счета родственников в одном кабинете", en: "Your relatives' accounts in one cabinet" },
    body: {
      ru: "Добавьте лицевой счёт родственника на странице «Мои счета»: владелец счёта подтвердит привязку кодом. После этого вы видите баланс, платежи и можете пополнять счёт. Детализацию звонков видит только владелец договора — это тайна связи.",
      en: "Add a relative's account on “My accounts”: the holder confirms with a code. You then see the balance and payments and can top it up. Only the contract holder sees the call detail: communications are private.",
    },
  },
  {
    id: "pay-ways",
    topic: "payments",
    regions: null,
    screens: ["payments"],
    title: { ru: "Оплата услуг", en: "Paying for services" },
    body: {
      ru: "Оплатить можно банковской картой в личном кабинете: откройте счёт и нажмите «Пополнить». Оплата зачисляется сразу, чек по 54-ФЗ приходит на почту и хранится в истории платежей.\n\nСохранённой картой оплата проходит в одно касание; для сохранения карты нужен код из СМС.",
      en: "Pay by bank card in the cabinet: open the account and choose “Top up”. The payment is credited at once; the fiscal receipt goes to your email and stays in the payment history.\n\nA saved card pays in one tap; saving a card needs an SMS code.",
    },
  },
  {
    id: "autopay",
    topic: "payments",
    regions: null,
    screens: ["payments", "autopay"],
    title: { ru: "Автоплатёж: пополнение без забот", en: "Autopay: top-ups without thinking" },
    body: {
      ru: "Автоплатёж пополняет счёт с сохранённой карты, когда баланс опускается ниже порога, или раз в месяц в выбранный день. Месячный лимит защищает от лишних списаний. Перед списанием приходит уведомление; если оплата не прошла, попробуем ещё три раза через 6 часов.",
      en: "Autopay tops up from a saved card when the balance drops below a threshold, or monthly on a chosen day. A monthly limit guards against surprises. You are notified before each charge; a failed charge is retried three times 6 hours apart.",
    },
  },
  {
    id: "promised-payment",
    topic: "payments",
    regions: null,
    screens: ["payments", "promised"],
    title: { ru: "Обещанный платёж", en: "Promised payment" },
    body: {
      ru: "Если деньги закончились, а внести оплату сейчас нельзя, возьмите обещанный платёж: сумма зачисляется сразу и гасится следующей оплатой. Один обещанный платёж на счёт за раз; условия видны на странице оплаты.",
      en: "Out of money and cannot pay right now? Take a promised payment: the amount is credited at once and settled by your next payment. One at a time per account; the terms are on the payment page.",
    },
  },
  {
    id: "balance-negative",
    topic: "payments",
    regions: null,
    screens: ["payments"],
    title: { ru: "Почему баланс отрицательный и когда отключат", en: "Why the balance is negative and when service stops" },
    body: {
      ru: "Абонентская плата списывается каждый день в полночь по времени вашего региона. На странице счёта видно, на сколько дней хватит денег. Когда баланс уходит в минус, услуги приостанавливаются; после оплаты они включаются автоматически.",
      en: "The fee is charged daily at midnight in your region's time. The account page shows how many days the money lasts. Below zero, services are suspended; they come back automatically once you pay.",
    },
  },
  {
    id: "internet-slow",
    topic: "internet",
    regions: null,
    screens: ["support"],
    title: { ru: "Медленный интернет или нет соединения", en: "Slow internet or no connection" },
    body: {
      ru: "Перезагрузите роутер: выключите его на 30 секунд. Проверьте кабель и индикаторы. Скорость по Wi-Fi ниже, чем по кабелю: измерьте её с компьютера, подключённого проводом.\n\nЕсли на вашем адресе авария, об этом будет уведомление. Не помогло — напишите в чат поддержки или позвоните {support_phone}.",
      en: "Restart the router: switch it off for 30 seconds. Check the cable and the lights. Wi-Fi is slower than a cable: measure from a wired computer.\n\nIf there is an outage at your address you get a notification. Still stuck? Write to the support chat or call {support_phone}.",
    },
  },
  {
    id: "internet-connect",
    topic: "internet",
    regions: null,
    screens: ["connect", "applications"],
    title: { ru: "Как подключить интернет по адресу", en: "How to get internet at your address" },
    body: {
      ru: "На странице «Подключить» проверьте адрес: покажем технологию и доступные тарифы. Оставьте заявку, выберите день и время визита мастера. Статус заявки виден в разделе «Заявки», о каждом шаге придёт уведомление. Телефон подключения: {connection_phone}.",
      en: "On “Connect”, check your address: you see the technology and tariffs. Leave an application and choose the technician's day and time. Its status is under “Applications” and every step is notified. Sales line: {connection_phone}.",
    },
  },
  {
    id: "tv-channels",
    topic: "tv",
    regions: null,
    screens: ["tariffs"],
    title: { ru: "Пропали каналы интерактивного ТВ", en: "Interactive TV channels are gone" },
    body: {
      ru: "Проверьте баланс: при минусе ТВ отключается первым. Перезагрузите приставку и убедитесь, что интернет работает. Пакеты каналов подключаются на странице услуги.",
      en: "Check the balance: TV stops first when it is negative. Restart the set-top box and check the internet works. Channel packages are switched on the service page.",
    },
  },
  {
    id: "mobile-roaming",
    topic: "mobile",
    regions: null,
    screens: ["usage"],
    title: { ru: "Связь в поездках и роуминг", en: "Mobile abroad and roaming" },
    body: {
      ru: "По России связь работает на условиях тарифа. За границей включите опцию роуминга на странице услуги заранее. Расходы видны в детализации звонков и трафика.",
      en: "Across Russia your tariff applies. Abroad, switch on a roaming option on the service page in advance. What you spent is in the usage detail.",
    },
  },
  {
    id: "usage-detail",
    topic: "services",
    regions: null,
    screens: ["usage"],
    title: { ru: "Детализация звонков и трафика", en: "Call and traffic detail" },
    body: {
      ru: "Откройте счёт и выберите «Детализация»: период до 93 дней за последние полгода. Отчёт в PDF или XLSX готовится несколько минут и приходит в кабинет или на почту. Детализацию заказывает только владелец договора.",
      en: "Open the account and choose “Usage detail”: up to 93 days within the last six months. A PDF or XLSX report takes a few minutes and arrives in the cabinet or by email. Only the contract holder may order it.",
    },
  },
  {
    id: "tariff-change",
    topic: "services",
    regions: null,
    screens: ["tariffs"],
    title: { ru: "Как сменить тариф", en: "How to change the tariff" },
    body: {
      ru: "На странице услуги сравните тарифы: видна разница в месяц и до конца месяца. Подтвердите смену кодом из СМС — новый тариф начнёт действовать со следующего дня. Советник подскажет самый выгодный тариф по вашему расходу за три месяца.",
      en: "On the service page compare tariffs with the monthly and rest-of-month difference. Confirm with the SMS code: the new tariff starts the next day. The advisor suggests the cheapest tariff for your last three months.",
    },
  },
  {
    id: "voluntary-block",
    topic: "services",
    regions: null,
    screens: ["block"],
    title: { ru: "Добровольная блокировка на время отпуска", en: "Voluntary block for a holiday" },
    body: {
      ru: "Уезжаете? Приостановите домашние услуги от {block_min_days} до {block_max_days}: абонентская плата не списывается. Бесплатно — {block_free_days} в году, дальше {block_fee} в день за сохранение линии. Блокировку можно отменить или закончить раньше.",
      en: "Going away? Pause home services for {block_min_days} to {block_max_days}: no fee is charged. Free of charge: {block_free_days} a year, then {block_fee} a day keeps the line. Cancel or end the block early at any time.",
    },
  },
  {
    // The seed's «Как отключить интернет»: a block for a while, an application to disconnect for good, the termination form to leave.
    id: "disconnect-terminate",
    topic: "services",
    regions: null,
    screens: ["applications"],
    title: { ru: "Отключение услуги и расторжение договора", en: "Disconnecting a service and terminating the contract" },
    body: {
      ru: "Как отключить интернет, ТВ или другую услугу, зависит от того, на время или навсегда.\n\nНа время (отпуск, дача): откройте счёт, выберите услугу и оформите «Добровольная блокировка» — укажите первый и последний день блокировки и подтвердите. Абонентская плата за эти дни не списывается.\n\nНавсегда: для постоянного отключения услуги оставьте заявку — на странице услуги нажмите «Отключить» и подтвердите. Статус заявки виден в разделе «Заявки».\n\nЕсли вы хотите отказаться от всех услуг и расторгнуть договор, откройте счёт и заполните форму расторжения договора: кнопка «Расторгнуть договор». Укажите, как вернуть остаток: на карту, с которой платили, или на банковский счёт по реквизитам. Отключение и расторжение оформляет только владелец договора.",
      en: "How to stop internet, TV or another service depends on whether it is for a while or for good.\n\nFor a while (a holiday, the summer house): open the account, choose the service and set up a “Voluntary block”: pick the first and last day and confirm. No fee is charged for those days.\n\nFor good: to disconnect a service permanently, make an application: on the service page press “Disconnect” and confirm. Its status is in “Applications”.\n\nTo give up all services and terminate the contract, open the account and fill in the termination form: the “Terminate the contract” button. Choose how the balance is returned: to the card you paid with or to a bank account. Only the contract holder may disconnect services or terminate the contract.",
    },
  },
  {
    id: "dacha-season",
    topic: "services",
    regions: ["vl"],
    screens: ["block"],
    title: { ru: "Дачный сезон: блокировка до 180 дней", en: "Summer-house season: a block of up to 180 days" },
    body: {
      ru: "В Приморье городскую квартиру на лето можно заблокировать до 180 дней подряд без платы — на весь дачный сезон.",
      en: "In Primorye a city flat may be blocked for up to 180 days in a row free of charge: the whole summer-house season.",
    },
  },
  {
    id: "support-channels",
    topic: "support",
    regions: null,
    screens: ["support"],
    title: { ru: "Как связаться с поддержкой", en: "How to reach support" },
    body: {
      ru: "Напишите в чат в личном кабинете или на сайте — оператор ответит здесь же. Можно оставить обращение: у него будет номер и история статусов. Горячая линия поддержки — {support_phone}, подключение услуг — {connection_phone}.",
      en: "Write to the chat in the cabinet or on the site: an operator answers right there. Or file a request: it gets a number and a status history. Support line {support_phone}, sales {connection_phone}.",
    },
  },
];
