import { expandPlurals } from "./plural";

/** Languages of the cabinet: Russian by default, English available. */
export const LANGS = ["ru", "en"] as const;
export type Lang = (typeof LANGS)[number];

export function isLang(value: unknown): value is Lang {
  return value === "ru" || value === "en";
}

/**
 * The request's language: an explicit `?lang=`, then the `lang` cookie, then the
 * first of Accept-Language's ranges that we speak, then Russian.
 */
export function negotiateLang(url: URL, cookieLang: string | undefined, acceptLanguage: string | null): Lang {
  const q = url.searchParams.get("lang");
  if (isLang(q)) return q;
  if (isLang(cookieLang)) return cookieLang;
  if (acceptLanguage) {
    const ranges = acceptLanguage
      .split(",")
      .map((part, i) => {
        const [tag = "", ...params] = part.trim().split(";");
        const qParam = params.find((p) => p.trim().startsWith("q="));
        const weight = qParam ? Number.parseFloat(qParam.trim().slice(2)) : 1;
        return { lang: tag.trim().toLowerCase().split("-")[0], weight: Number.isFinite(weight) ? weight : 0, i };
      })
      .filter((r) => r.weight > 0)
      .sort((a, b) => b.weight - a.weight || a.i - b.i);
    for (const r of ranges) if (isLang(r.lang)) return r.lang;
  }
  return "ru";
}

type Dict = Record<string, { ru: string; en: string }>;

/** Server-side messages: problem titles and details. */
const messages = {
  "problem.not_found": { ru: "Не найдено", en: "Not found" },
  "problem.not_found.detail": {
    ru: "Такой страницы или объекта нет.",
    en: "There is no such page or object.",
  },
  "problem.account_moving": { ru: "Лицевой счёт переносится", en: "The account is being moved" },
  "problem.places_unavailable": { ru: "Сервис временно недоступен", en: "Temporarily unavailable" },
  "problem.places_unavailable.detail": {
    ru: "Не удалось узнать, где хранятся данные лицевого счёта. Повторите через {seconds} с — ничего не потеряно.",
    en: "Could not find where the account's data is kept. Try again in {seconds} s — nothing is lost.",
  },
  "problem.account_moving.detail": {
    ru: "Данные счёта переносятся в другое хранилище, это занимает несколько секунд. Повторите через {seconds} с — ничего не потеряется.",
    en: "The account's data is moving to another store; it takes a few seconds. Try again in {seconds} s — nothing is lost.",
  },
  "problem.shard_not_found": { ru: "Шард «{shard}» не найден", en: "Shard “{shard}” not found" },
  "problem.shard_other_branch": {
    ru: "Шард «{shard}» принадлежит другому филиалу",
    en: "Shard “{shard}” belongs to another branch",
  },
  "problem.shard_not_migrated": {
    ru: "База шарда «{shard}» не подготовлена: примените миграции",
    en: "Shard “{shard}”'s database is not ready: apply the migrations",
  },
  "problem.shard_move_same": { ru: "Счёт уже на шарде «{shard}»", en: "The account is already on shard “{shard}”" },
  "problem.shard_catalogue_copying": {
    ru: "На шард «{shard}» ещё копируется каталог филиала: повторите PUT /ops/v1/shards/{shard}, пока он не будет готов",
    en: "The branch's catalogue is still being copied to shard “{shard}”: repeat PUT /ops/v1/shards/{shard} until it is ready",
  },
  "problem.shard_move_in_progress": {
    ru: "Счёт уже переносится на шард «{shard}»",
    en: "The account is already being moved to shard “{shard}”",
  },
  "problem.shard_move_abandoned": {
    ru: "Перенос счёта отменён",
    en: "The account's move was abandoned",
  },
  "problem.shard_move_switched": {
    ru: "Счёт уже переключён на новый шард: перенос нельзя отменить, его нужно завершить",
    en: "The account has switched to its new shard: the move cannot be abandoned, it must complete",
  },
  "problem.shard_move_none": {
    ru: "У счёта нет переноса, который можно отменить",
    en: "The account has no move to abandon",
  },
  "problem.shard_move_mismatch": {
    ru: "Копия счёта не совпала с источником: перенос повторит копирование",
    en: "The account's copy did not match its source: the move will copy again",
  },
  // Bank statement import (features/bank).
  "problem.bank_statement_invalid": {
    ru: "Файл выписки не принят: ошибка в строке {line}",
    en: "The statement file is refused: an error on line {line}",
  },
  "problem.bank_statement_invalid.detail": {
    ru: "Ни одна строка файла не загружена. Исправьте файл или выгрузите его из банка заново.",
    en: "Nothing from the file was imported. Fix the file or export it from the bank again.",
  },
  "problem.bank_statement_too_large": { ru: "Файл выписки больше {mb} МБ", en: "The statement file is larger than {mb} MB" },
  "problem.bank_line_not_queued": { ru: "Платёж уже разнесён", en: "The payment is already assigned" },
  "problem.bank_line_not_queued.detail": {
    ru: "Этот платёж не ждёт разноски (его состояние: {status}) — повторно он не зачисляется.",
    en: "This payment is not waiting to be assigned (its state: {status}); it is never credited twice.",
  },
  "bankStatement.badHeader": {
    ru: "Строка {line}: файл должен начинаться со строки 1CClientBankExchange",
    en: "Line {line}: the file must start with the line 1CClientBankExchange",
  },
  "bankStatement.missingHeaderField": {
    ru: "Строка {line}: в заголовке файла нет поля «{field}»",
    en: "Line {line}: the file's header has no field “{field}”",
  },
  "bankStatement.badVersion": {
    ru: "Строка {line}: версия формата «{value}» не поддерживается (нужна 1.01–1.03)",
    en: "Line {line}: format version “{value}” is not supported (1.01–1.03 are)",
  },
  "bankStatement.lineTooLong": { ru: "Строка {line}: длиннее {max} символов", en: "Line {line}: longer than {max} characters" },
  "bankStatement.afterEnd": { ru: "Строка {line}: текст после КонецФайла", en: "Line {line}: text after КонецФайла" },
  "bankStatement.unclosedSection": {
    ru: "Строка {line}: секция, начатая в строке {start}, не закрыта",
    en: "Line {line}: the section started on line {start} is not closed",
  },
  "bankStatement.unexpectedEnd": { ru: "Строка {line}: {end} без начала секции", en: "Line {line}: {end} without the section's start" },
  "bankStatement.notKeyValue": { ru: "Строка {line}: ожидается «Поле=Значение»", en: "Line {line}: “Field=Value” expected" },
  "bankStatement.missingEnd": {
    ru: "Строка {line}: файл оборван — нет строки КонецФайла",
    en: "Line {line}: the file is cut short: there is no КонецФайла line",
  },
  "bankStatement.missingField": {
    ru: "Строка {line}: в документе нет поля «{field}»",
    en: "Line {line}: the document has no field “{field}”",
  },
  "bankStatement.badDate": {
    ru: "Строка {line}: «{field}» — не дата дд.мм.гггг: «{value}»",
    en: "Line {line}: “{field}” is not a date dd.mm.yyyy: “{value}”",
  },
  "bankStatement.badSum": {
    ru: "Строка {line}: «Сумма» — не сумма в рублях (например 1500.00): «{value}»",
    en: "Line {line}: “Сумма” is not an amount in rubles (e.g. 1500.00): “{value}”",
  },
  "bankStatement.badAccount": {
    ru: "Строка {line}: «{field}» — не 20-значный счёт: «{value}»",
    en: "Line {line}: “{field}” is not a 20-digit account: “{value}”",
  },
  "bankStatement.badInn": {
    ru: "Строка {line}: «{field}» — не ИНН (10 или 12 цифр): «{value}»",
    en: "Line {line}: “{field}” is not an INN (10 or 12 digits): “{value}”",
  },
  "bankStatement.tooManyDocuments": {
    ru: "Строка {line}: в файле больше {max} документов — разделите выписку",
    en: "Line {line}: the file has more than {max} documents; split the statement",
  },
  "field.bankAssign": {
    ru: "Укажите либо лицевой счёт, либо номер счёта на оплату",
    en: "Give either an account number or an invoice number",
  },
  "field.bankAccount": { ru: "Нет такого лицевого счёта", en: "No such account" },
  "field.bankInvoice": { ru: "Нет такого неотменённого счёта на оплату", en: "No such invoice that is not cancelled" },
  "field.bankCursor": { ru: "Неверная позиция списка", en: "Invalid list position" },
  "problem.region_not_found": { ru: "Регион не найден", en: "Region not found" },
  "problem.region_not_found.detail": {
    ru: "Сайта для региона «{code}» нет. Выберите регион на главной странице.",
    en: "There is no site for the region “{code}”. Choose a region on the main page.",
  },
  "problem.region_required": { ru: "Выберите регион", en: "Choose a region" },
  "problem.region_required.detail": {
    ru: "Этот запрос выполняется на сайте региона, например msk.",
    en: "This request is served on a regional site, such as msk.",
  },
  "problem.validation": { ru: "Проверьте введённые данные", en: "Please check the data you entered" },
  "problem.notification_required": {
    ru: "«{kindRu}» нужно получать хотя бы одним способом: SMS, почтой или push",
    en: "“{kindEn}” must reach you at least one way: SMS, email or push",
  },
  "problem.usage_owner_only": { ru: "Детализацию получает владелец договора", en: "Only the contract holder can get usage detail" },
  "problem.usage_owner_only.detail": {
    ru: "Сведения о звонках и сообщениях составляют тайну связи: их выдают только абоненту по договору.",
    en: "Records of calls and messages are private by law: they are given only to the contract holder.",
  },
  "problem.report_not_ready": { ru: "Отчёт ещё формируется", en: "The report is not ready yet" },
  "problem.report_expired": { ru: "Срок хранения отчёта истёк", en: "The report has expired" },
  "problem.report_expired.detail": { ru: "Закажите детализацию заново.", en: "Please order the detail again." },
  "problem.report_failed": { ru: "Отчёт не удалось сформировать", en: "The report could not be made" },
  "field.usage.order": { ru: "Начало периода позже его конца", en: "The period starts after it ends" },
  "field.usage.future": { ru: "Период не может заканчиваться в будущем", en: "The period cannot end in the future" },
  "field.usage.too_old": { ru: "Детализация доступна за последние 6 месяцев", en: "Detail is kept for the last 6 months" },
  "field.usage.too_long": { ru: "Не больше 93 дней за один отчёт", en: "At most 93 days in one report" },
  "field.usage.service": { ru: "На этом счёте нет такой услуги", en: "The account has no such service" },
  "field.usage.categories": { ru: "Выберите хотя бы один вид записей", en: "Choose at least one kind of record" },
  "field.usage.email": { ru: "Укажите почту, куда отправить отчёт", en: "Enter the email to send the report to" },
  "field.support.name": { ru: "Как к вам обращаться? Хотя бы 2 буквы", en: "What should we call you? At least 2 letters" },
  "field.support.company": { ru: "Укажите название компании", en: "Give the company's name" },
  "problem.chat_closed": { ru: "Чат завершён", en: "The chat is closed" },
  "problem.chat_closed.detail": {
    ru: "В завершённый чат писать нельзя. Начните новый — оператор увидит историю.",
    en: "A closed chat takes no messages. Start a new one: the operator sees the history.",
  },
  "problem.chat_taken": { ru: "Чат уже у другого оператора", en: "Another operator has this chat" },
  "problem.chat_taken.detail": {
    ru: "Его взял {name}. Передать чат может только он.",
    en: "{name} took it. Only they can transfer it.",
  },
  "problem.chat_not_taken": { ru: "Сначала возьмите чат", en: "Take the chat first" },
  "problem.attachment_type": { ru: "Такой файл не принимается", en: "This kind of file is not accepted" },
  "problem.attachment_type.detail": {
    ru: "Можно прикрепить изображение (PNG, JPEG, WebP) или PDF. Содержимое файла должно соответствовать его типу.",
    en: "Attach an image (PNG, JPEG, WebP) or a PDF. The file's content must match its type.",
  },
  "problem.attachment_too_large": { ru: "Файл слишком большой", en: "The file is too large" },
  "problem.attachment_too_large.detail": { ru: "Не больше {mb} МБ.", en: "At most {mb} MB." },
  "problem.attachment_limit": { ru: "В чате уже {n} файлов", en: "The chat already has {n} files" },
  "problem.message_empty": { ru: "Напишите сообщение или прикрепите файл", en: "Write a message or attach a file" },
  "problem.ticket_transition": { ru: "Так изменить обращение нельзя", en: "The request cannot be changed like that" },
  "problem.ticket_transition.detail": {
    ru: "Обращение сейчас «{from}», перейти в «{to}» оно не может.",
    en: "The request is “{from}” now and cannot become “{to}”.",
  },
  "problem.feedback_given": { ru: "Отзыв уже оставлен", en: "Feedback already given" },
  "problem.callback_open": {
    ru: "Вы уже просили перезвонить: дождитесь звонка",
    en: "You have already asked for a call back: please wait for the call",
  },
  "problem.callback_slot": {
    ru: "Это время уже занято или прошло: выберите другое",
    en: "That time is taken or has passed: please choose another",
  },
  "problem.operator_region": { ru: "Этот оператор не работает с регионом", en: "That operator does not serve the region" },
  "problem.application_open": {
    ru: "По этой услуге уже есть заявка «{kind_ru}»",
    en: "This service already has an open “{kind_en}” application",
  },
  "problem.application_open.detail": {
    ru: "Заявка № {number}, статус «{status_ru}». Пока её не взяли в работу, её можно отозвать на странице услуги.",
    en: "Application No. {number}, status “{status_en}”. Until it is in progress, you can withdraw it on the service page.",
  },
  "problem.application_transition": {
    ru: "Заявку нельзя перевести из статуса «{from}» в «{to}»",
    en: "The application cannot go from “{from}” to “{to}”",
  },
  "problem.block_closed": { ru: "Эта блокировка уже {state_ru}", en: "This block is already {state_en}" },
  "problem.chat_changed": {
    ru: "Чат только что изменился: попробуйте ещё раз",
    en: "The chat has just changed: please try again",
  },
  "problem.block_busy": {
    ru: "Другая блокировка этой услуги оформляется прямо сейчас: попробуйте ещё раз",
    en: "Another block of this service is being ordered right now: please try again",
  },
  "problem.block_started": {
    ru: "Блокировка уже началась: её можно завершить досрочно",
    en: "The block has already started: you can end it early",
  },
  "problem.visit_cutoff": {
    ru: "Визит можно перенести или отменить до {hour}:00 накануне",
    en: "A visit can be moved or cancelled until {hour}:00 the day before",
  },
  "problem.visit_slot_taken": {
    ru: "Это время уже занято: выберите другое",
    en: "That time is taken: please choose another",
  },
  "problem.visit_none": { ru: "В этой заявке нет визита специалиста", en: "This application has no technician visit" },
  "field.visit.day": {
    ru: "Выберите день не раньше, чем через сутки, и в пределах двух недель",
    en: "Choose a day after the cutoff, within two weeks",
  },
  "field.application.technician": { ru: "Укажите специалиста", en: "Name the technician" },
  "field.application.day": {
    ru: "Выберите день с завтрашнего и не позже чем через 30 дней",
    en: "Choose a day from tomorrow, within 30 days",
  },
  "field.application.phone": { ru: "Укажите телефон для связи", en: "Enter a contact phone" },
  "field.application.no_coverage": { ru: "По этому адресу подключения пока нет", en: "This address is not covered yet" },
  "field.application.region": { ru: "Этот счёт в другом регионе", en: "This account is in another region" },
  "field.application.refund_card": {
    ru: "С этого счёта не платили картой: укажите реквизиты для возврата",
    en: "No card payment was made to this account: enter bank details for the refund",
  },
  "field.application.bank": { ru: "Укажите реквизиты для возврата", en: "Enter the bank details for the refund" },
  "field.tariff.unavailable": { ru: "Этот тариф здесь недоступен", en: "This tariff is not available here" },
  "field.shard.branch": { ru: "Такого филиала нет", en: "There is no such branch" },
  "field.line_check.kind": {
    ru: "Проверить линию можно только для домашнего интернета",
    en: "A line check is only for home internet",
  },
  "field.coverage.street": { ru: "Укажите улицу", en: "Enter the street" },
  "field.coverage.house": { ru: "Укажите номер дома", en: "Enter the house number" },
  "field.block.dates": { ru: "Выберите даты начала и окончания", en: "Choose the first and the last day" },
  "field.block.tomorrow": { ru: "Блокировка начинается не раньше завтрашнего дня", en: "A block starts tomorrow at the earliest" },
  "field.block.order": { ru: "Окончание раньше начала", en: "The end is before the start" },
  "field.block.length": {
    ru: "Срок блокировки — от {min} до {max, plural, one {# дня} few {# дней} many {# дней} other {# дня}}",
    en: "A block lasts from {min} to {max} days",
  },
  "field.block.kind": { ru: "Эту услугу нельзя заблокировать добровольно", en: "This service cannot be blocked voluntarily" },
  "field.block.overlap": { ru: "На эти дни уже есть блокировка", en: "These days are already blocked" },
  "field.block.year": {
    ru: "Не больше {max, plural, one {# дня} few {# дней} many {# дней} other {# дня}} блокировки за календарный год",
    en: "At most {max, plural, one {# day} other {# days}} of block in a calendar year",
  },
  "problem.bonus_not_member": { ru: "Счёт не участвует в программе «Бонус»", en: "The account is not in the Bonus programme" },
  "problem.bonus_insufficient": { ru: "Не хватает баллов: нужно {cost}", en: "Not enough points: {cost} needed" },
  "problem.bonus_reward_needs_service": {
    ru: "Эта награда — для мобильной связи, а на счёте её нет",
    en: "This reward is for mobile service, and the account has none",
  },
  "field.bonus.needs_mobile": {
    ru: "Мобильный интернет пригодится, когда на счёте будет мобильная связь",
    en: "Mobile data is of use once the account has a mobile service",
  },
  "problem.outage_resolved": { ru: "Авария уже отмечена устранённой", en: "The outage is already resolved" },
  "problem.dead_letter_expired": {
    ru: "Сообщение не доставлено {days} дн. назад: повторять его поздно",
    en: "The message failed {days} days ago: too late to replay it",
  },
  "problem.dead_letter_expired.detail": {
    ru: "Повтор старше 21 дня мог бы второй раз отправить SMS и письма (их защита от повторов хранится 30 дней). Отправьте уведомление заново, если оно ещё нужно.",
    en: "A replay older than 21 days could send its SMS and emails a second time (their duplicate protection is kept for 30 days). Send the notification anew if it is still needed.",
  },
  "problem.dead_letter_not_notification": {
    ru: "Это не уведомление: повторите его через Queues API (docs/operations.md)",
    en: "Not a notification: replay it through the Queues API (docs/operations.md)",
  },
  "problem.push_unavailable": { ru: "Push-уведомления временно недоступны", en: "Push notifications are unavailable for now" },
  "problem.unhealthy": { ru: "Сервис работает не полностью", en: "The service is not fully working" },
  "problem.unhealthy.detail": { ru: "Не отвечает: {failing}", en: "Not answering: {failing}" },
  "problem.acquirer_unavailable": {
    ru: "Оплата временно недоступна. Попробуйте ещё раз через минуту",
    en: "Payments are unavailable for now. Please try again in a minute",
  },
  "problem.acquirer_unavailable.detail": {
    ru: "Повторите попытку с той же страницы: второй платёж не создастся, а если оплата уже прошла, она придёт на счёт.",
    en: "Try again from the same page: no second payment is made, and a payment that already went through reaches the account.",
  },
  "problem.bad_json": { ru: "Запрос не удалось прочитать", en: "The request could not be read" },
  "problem.method_not_allowed": { ru: "Метод не поддерживается", en: "Method not allowed" },
  "problem.payload_too_large": { ru: "Слишком большой запрос", en: "Request too large" },
  "problem.internal": {
    ru: "Что-то пошло не так. Попробуйте ещё раз чуть позже",
    en: "Something went wrong. Please try again a little later",
  },
  "problem.internal.detail": {
    ru: "Если ошибка повторяется, сообщите в поддержку номер запроса.",
    en: "If it happens again, tell support the request id.",
  },
  "problem.not_configured": {
    ru: "Вход и платежи временно недоступны",
    en: "Sign-in and payments are unavailable for now",
  },
  "problem.not_configured.detail": {
    ru: "Мы исправляем настройку сервиса. Попробуйте через несколько минут.",
    en: "We are fixing the service's configuration. Please try again in a few minutes.",
  },
  "problem.csrf": { ru: "Запрос отклонён", en: "Request refused" },
  "problem.csrf.detail": {
    ru: "Запрос пришёл не со страницы личного кабинета.",
    en: "The request did not come from a cabinet page.",
  },
  "problem.rate_limited": { ru: "Слишком много запросов", en: "Too many requests" },
  "problem.rate_limited.detail": {
    ru: "Повторите через {seconds} с.",
    en: "Try again in {seconds} s.",
  },
  "problem.unauthorized": { ru: "Войдите в личный кабинет", en: "Please log in" },
  "problem.invalid_credentials": { ru: "Неверный логин или пароль", en: "Wrong login or password" },
  "problem.invalid_credentials.detail": {
    ru: "Проверьте данные или войдите по временному коду.",
    en: "Check what you typed, or log in with a one-time code.",
  },
  "problem.invalid_code": { ru: "Неверный или устаревший код", en: "Wrong or expired code" },
  "problem.invalid_code.detail": {
    ru: "Проверьте код из сообщения или запросите новый.",
    en: "Check the code in the message or ask for a new one.",
  },
  "problem.code_too_soon": { ru: "Код уже отправлен", en: "A code has just been sent" },
  "problem.code_too_soon.detail": {
    ru: "Новый код можно запросить через {seconds} с.",
    en: "You can ask for a new code in {seconds} s.",
  },
  "problem.step_up_required": { ru: "Подтвердите операцию кодом из SMS", en: "Confirm with the code we text you" },
  "problem.captcha_failed": { ru: "Проверка не пройдена", en: "Check failed" },
  "problem.captcha_failed.detail": {
    ru: "Обновите страницу и попробуйте ещё раз.",
    en: "Reload the page and try again.",
  },
  "problem.challenge_required": { ru: "Нужна проверка, что вы не робот", en: "Please show you are not a robot" },
  "problem.challenge_required.detail": {
    ru: "Сейчас много неудачных попыток входа. Браузер пройдёт короткую проверку и войдёт ещё раз — каждое решение действует один раз.",
    en: "Many login attempts are failing right now. Your browser does a short check and logs in again; each solution works once.",
  },
  "problem.weak_password": { ru: "Пароль слишком простой", en: "The password is too weak" },
  "problem.conflict": { ru: "Уже занято", en: "Already taken" },
  "problem.already_registered": { ru: "Личный кабинет уже есть", en: "You already have a cabinet" },
  "problem.already_registered.detail": {
    ru: "Войдите или восстановите пароль.",
    en: "Log in, or reset your password.",
  },
  "problem.too_many_contracts": { ru: "Слишком много договоров", en: "Too many contracts" },
  "problem.too_many_contracts.detail": {
    ru: "На эти данные оформлено слишком много договоров, чтобы подключить их все сразу. Зарегистрируйтесь по номеру лицевого счёта или обратитесь в поддержку.",
    en: "Too many contracts are on these details to connect them all at once. Register with an account number, or contact support.",
  },
  "problem.no_contract": { ru: "Договор не найден", en: "No contract found" },
  "problem.no_contract.detail": {
    ru: "С этими данными нет договора. Зарегистрируйтесь по номеру лицевого счёта.",
    en: "No contract has these details. Register with your account number.",
  },
  "problem.last_login_method": { ru: "Это единственный способ входа", en: "This is your only way to log in" },
  "problem.last_login_method.detail": {
    ru: "Сначала задайте пароль или добавьте ключ входа.",
    en: "Set a password or add a passkey first.",
  },
  "problem.passkey_failed": { ru: "Ключ входа не подошёл", en: "The passkey did not work" },
  "problem.passkey_failed.detail": {
    ru: "Попробуйте ещё раз или войдите другим способом.",
    en: "Try again, or log in another way.",
  },
  "problem.forbidden": { ru: "Недостаточно прав", en: "Not allowed" },
  "problem.forbidden.detail": {
    ru: "Владелец счёта дал вам доступ только для просмотра.",
    en: "The account owner gave you view-only access.",
  },
  "problem.owner_unlink": { ru: "Это ваш лицевой счёт", en: "This is your own account" },
  "problem.no_phone": { ru: "Укажите телефон в профиле", en: "Add a phone to your profile" },
  "field.phone": { ru: "Введите номер телефона, например +7 900 123-45-67", en: "Enter a phone number, e.g. +7 900 123-45-67" },
  "field.email": { ru: "Введите адрес почты", en: "Enter an email address" },
  "field.accountNo": {
    ru: "Номер лицевого счёта — 12 цифр; проверьте, нет ли опечатки",
    en: "An account number has 12 digits; check for a typo",
  },
  "field.login": {
    ru: "Логин: от 3 до 32 латинских букв, цифр, точек, дефисов; начинается с буквы",
    en: "Login: 3 to 32 Latin letters, digits, dots or dashes, starting with a letter",
  },
  "field.loginTaken": { ru: "Этот логин уже занят", en: "This login is taken" },
  "field.amountRange": { ru: "Сумма вне допустимых пределов", en: "The amount is outside the limits" },
  "field.idempotencyKey": { ru: "Нужен ключ идемпотентности (UUID)", en: "An idempotency key (UUID) is required" },
  "field.unknownCard": { ru: "Такой сохранённой карты нет", en: "There is no such saved card" },
  "field.methodNotOffered": { ru: "Этот способ оплаты сейчас недоступен", en: "This payment method is not available" },
  "field.cardOnly": {
    ru: "Сохранить карту или заплатить сохранённой можно только при оплате картой",
    en: "Saving a card or paying with a saved one is for card payments only",
  },
  "field.monthlyLimit": { ru: "Лимит в месяц не меньше суммы платежа", en: "The monthly limit must be at least the amount" },
  "field.dayOfMonth": { ru: "День месяца от 1 до 28", en: "A day of the month from 1 to 28" },
  "field.httpsUrl": { ru: "Нужен адрес https", en: "An https URL is needed" },
  "field.pushKey": { ru: "Это не открытый ключ P-256", en: "Not a P-256 public key" },
  "field.pushAuth": { ru: "Нужно ровно 16 байт", en: "Exactly 16 bytes are needed" },
  "field.quietBoth": { ru: "Укажите и начало, и конец тихих часов", en: "Give both the start and the end of quiet hours" },
  "field.someChannel": { ru: "Нужен хотя бы один способ: SMS, почта или push", en: "At least one of SMS, email or push is needed" },
  "field.unknownRegion": { ru: "Такого региона нет", en: "There is no such region" },
  "field.inFuture": { ru: "Время должно быть в будущем", en: "The time must be in the future" },
  "promised.too_new": { ru: "Счёту меньше 60 дней", en: "The account is less than 60 days old" },
  "promised.no_payments": { ru: "За полгода не было платежей", en: "No payments in the last six months" },
  "promised.already_open": { ru: "Предыдущий обещанный платёж ещё не погашен", en: "The previous promised payment is not repaid yet" },
  "promised.no_charges": { ru: "На счёте нет платных услуг", en: "The account has no paid services" },
  "promised.balance_ok": { ru: "Баланса хватает на месяц", en: "The balance covers the month" },
  "promised.not_active": { ru: "Счёт не активен", en: "The account is not active" },
  "problem.idempotency_mismatch": { ru: "Ключ уже использован для другого запроса", en: "The key was used for a different request" },
  "problem.promised_refused": { ru: "Обещанный платёж сейчас недоступен", en: "A promised payment is not available now" },
  "problem.bad_signature": { ru: "Подпись не подошла", en: "Bad signature" },
  "field.contactTaken": { ru: "Уже используется в другом личном кабинете", en: "Already used by another cabinet" },
  "password.too_short": { ru: "Не короче 8 символов", en: "At least 8 characters" },
  "password.too_long": { ru: "Не длиннее 256 символов", en: "At most 256 characters" },
  "password.common": {
    ru: "Этот пароль слишком распространён. Лучше фраза из нескольких слов",
    en: "This password is too common. A phrase of a few words is better",
  },
  "password.contains_personal": {
    ru: "Пароль не должен содержать логин, телефон или почту",
    en: "The password must not contain your login, phone or email",
  },
  "password.guessable": {
    ru: "Пароль легко подобрать. Добавьте слов — длина важнее сложности",
    en: "This password is easy to guess. Add words: length beats complexity",
  },
  "problem.org_forbidden": { ru: "Недостаточно прав в организации", en: "Not allowed in this organisation" },
  "problem.org_forbidden.detail": {
    ru: "Ваша роль в организации — {roleRu}: она этого не позволяет. Обратитесь к администратору организации.",
    en: "Your role in this organisation is {roleEn}, which does not allow this. Ask the organisation's administrator.",
  },
  "problem.last_admin": { ru: "Это последний администратор", en: "This is the last administrator" },
  "problem.last_admin.detail": {
    ru: "Сначала назначьте администратором другого сотрудника.",
    en: "Make another employee an administrator first.",
  },
  "problem.invalid_invite": { ru: "Приглашение не найдено, уже принято или истекло", en: "The invitation is unknown, used or expired" },
  "problem.org_has_admin": { ru: "У организации уже есть администратор", en: "The organisation already has an administrator" },
  "problem.org_has_admin.detail": {
    ru: "Попросите администратора пригласить вас в корпоративный кабинет.",
    en: "Ask the administrator to invite you to the business cabinet.",
  },
  "problem.org_exists": { ru: "Организация с этим ИНН уже есть", en: "An organisation with this INN exists" },
  // Closing documents (issue 24).
  "problem.closing_scope": {
    ru: "Закрывающие документы доступны сотрудникам, которые видят все счета организации",
    en: "Closing documents are for employees who see all of the organisation's accounts",
  },
  "problem.closing_not_ready": { ru: "Документ ещё формируется", en: "The document is still being made" },
  "field.closingPeriod": { ru: "Укажите прошедший месяц в виде ГГГГ-ММ", en: "Give a past month as YYYY-MM" },
  "field.inn": { ru: "ИНН — 10 или 12 цифр; проверьте, нет ли опечатки", en: "An INN has 10 or 12 digits; check for a typo" },
  "field.innLegal": {
    ru: "ИНН юридического лица — 10 цифр с верной контрольной цифрой",
    en: "A legal entity's INN has 10 digits with a valid check digit",
  },
  "field.innPerson": {
    ru: "ИНН индивидуального предпринимателя — 12 цифр с верными контрольными цифрами",
    en: "An entrepreneur's INN has 12 digits with valid check digits",
  },
  "field.kpp": { ru: "КПП — 9 знаков, например 770401001", en: "A KPP has 9 characters, e.g. 770401001" },
  "field.kppEntrepreneur": { ru: "У индивидуального предпринимателя нет КПП", en: "An individual entrepreneur has no KPP" },
  "field.ogrn": { ru: "ОГРН — 13 цифр с верной контрольной цифрой", en: "An OGRN has 13 digits with a valid check digit" },
  "field.ogrnip": { ru: "ОГРНИП — 15 цифр с верной контрольной цифрой", en: "An OGRNIP has 15 digits with a valid check digit" },
  "field.bik": { ru: "БИК — 9 цифр, начинается с 04", en: "A BIK has 9 digits starting with 04" },
  "field.settlementAccount": {
    ru: "Расчётный счёт — 20 цифр, и его контрольный ключ должен сходиться с БИК банка",
    en: "A settlement account has 20 digits whose control key must match the bank's BIK",
  },
  "field.orgAccounts": { ru: "Выберите лицевые счета этой организации", en: "Choose accounts of this organisation" },
  "field.orgAccountsFree": {
    ru: "Лицевые счета должны существовать и не принадлежать другой организации",
    en: "The accounts must exist and belong to no other organisation",
  },
  "field.inviteContact": { ru: "Введите телефон или адрес почты", en: "Enter a phone number or an email address" },
  "field.msisdn": {
    ru: "Номер мобильного телефона — +7 и 10 цифр, например +7 900 123-45-67",
    en: "A mobile number is +7 and 10 digits, e.g. +7 900 123-45-67",
  },
  "field.orgMember": { ru: "Выберите сотрудника этой организации", en: "Choose an employee of this organisation" },
  "field.noSuchSubscriber": {
    ru: "Нет личного кабинета с этим телефоном или почтой",
    en: "No cabinet has this phone or email",
  },
  "field.identifier": {
    ru: "Введите телефон, почту, логин или номер лицевого счёта",
    en: "Enter a phone, email, login or account number",
  },
  // Invoices for payment (issue 24, h36).
  "problem.invoices_forbidden": { ru: "Недостаточно прав в организации", en: "Not allowed in this organisation" },
  "problem.invoices_forbidden.detail": {
    ru: "Счета на оплату выставляет и видит администратор или бухгалтер организации; ваша роль — {roleRu}.",
    en: "Invoices are issued and seen by the organisation's administrator or accountant; your role is {roleEn}.",
  },
  "field.invoiceLines": { ru: "Выберите от 1 до 500 лицевых счетов", en: "Choose 1 to 500 accounts" },
  "field.invoiceAccounts": {
    ru: "Выберите разные лицевые счета этой организации, доступные вам",
    en: "Choose different accounts of this organisation that you have access to",
  },
  "field.invoiceTotal": {
    ru: "Сумма счёта — от 0,01 до 100 000 000 ₽",
    en: "The invoice's total is from 0.01 to 100,000,000 ₽",
  },
  "field.invoiceTotalMismatch": {
    ru: "Сумма счёта не равна сумме строк",
    en: "The total is not the sum of the lines",
  },
  "field.invoiceTotalSplit": {
    ru: "Суммы не хватает, чтобы разделить её между лицевыми счетами (хотя бы по 1 копейке)",
    en: "The total is too small to split between the accounts (at least 1 kopeck each)",
  },
  // Paying for an organisation's accounts (business top-up, issue 23).
  "field.orgPayCount": {
    ru: "Выберите от 1 до {max} лицевых счетов для одного платежа",
    en: "Choose 1 to {max} accounts for one payment",
  },
  "field.orgPayTwice": { ru: "Этот лицевой счёт уже есть в платеже", en: "This account is already in the payment" },
  "field.orgPayLine": {
    ru: "Сумма на счёт — целое число копеек, от {min} до {max} ₽",
    en: "An account's amount is whole kopecks, from {min} to {max} ₽",
  },
  "field.orgPayTotalMax": {
    ru: "Один платёж — не больше {max} ₽; больше можно оплатить по счёту",
    en: "One payment is at most {max} ₽; pay more by invoice",
  },
  "field.orgPayTotal": {
    ru: "Итог не совпадает с суммой по счетам: обновите страницу и проверьте суммы",
    en: "The total does not match the accounts' amounts: reload and check them",
  },
  // Акт сверки (business documents).
  "field.reconDay": { ru: "Дата в формате ГГГГ-ММ-ДД", en: "A date as YYYY-MM-DD" },
  "field.reconOrder": { ru: "Конец периода раньше его начала", en: "The period ends before it starts" },
  "field.reconFuture": { ru: "Период не может заканчиваться в будущем", en: "The period cannot end in the future" },
  "field.reconSpan": { ru: "Период акта сверки — не больше 3 лет", en: "A reconciliation covers at most 3 years" },
  "field.reconArchived": {
    ru: "Акт сверки можно составить с 1 января трёхлетней давности; за более ранний период обратитесь к менеджеру",
    en: "A reconciliation can start no earlier than 1 January three years back; ask your manager for an earlier period",
  },
  "field.reconSize": {
    ru: "За {months} мес. акт сверки составляется не больше чем по {max} лицевым счетам: выберите меньше счетов или сократите период",
    en: "For {months} months an act covers at most {max} accounts: choose fewer accounts or a shorter period",
  },
  "problem.figures_preparing": {
    ru: "Балансы счетов организации считаются — обновите страницу через минуту",
    en: "The organisation's account balances are being read — reload in a minute",
  },
  "problem.reconciliation_not_ready": { ru: "Акт сверки ещё формируется", en: "The reconciliation statement is still being made" },
  "problem.reconciliation_failed": { ru: "Акт сверки не удалось сформировать", en: "The reconciliation statement could not be made" },
  "field.orgSites": { ru: "Выберите площадки этой организации", en: "Choose sites of this organisation" },
  "field.siteName": { ru: "Название площадки — от 2 до 100 знаков", en: "A site's name has 2 to 100 characters" },
} satisfies Dict;

export type MessageKey = keyof typeof messages;

/** Translates a server message, filling `{name}` placeholders. */
export function t(lang: Lang, key: MessageKey, params: Record<string, string | number> = {}): string {
  const template = expandPlurals(lang, messages[key][lang], params);
  return template.replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? `{${name}}`));
}

export function hasMessage(key: string): key is MessageKey {
  return Object.hasOwn(messages, key);
}
