/**
 * The operator's own requisites (реквизиты оператора): the payee of every invoice for payment (счёт на оплату)
 * and the seller on closing documents. Demo values: the ИНН's check digit, the БИК and the settlement account's
 * key (ключевание) are valid, so a banking app accepts a payment QR made from them.
 */
export const OPERATOR = {
  name: "АО «Кабинет Телеком»",
  inn: "7707123458",
  /** КПП of a largest taxpayer (крупнейший налогоплательщик, 9977…). */
  kpp: "997750001",
  ogrn: "1027700123456",
  legalAddress: "125009, Москва, ул. Тверская, д. 7",
  bank: {
    name: "ПАО Сбербанк",
    bik: "044525225",
    /** Корреспондентский счёт of the bank at the Bank of Russia. */
    correspondentAccount: "30101810400000000225",
    /** Расчётный счёт of the operator. */
    settlementAccount: "40702810200000012345",
  },
  /** VAT rate, percent: tariffs are VAT-inclusive. */
  vatPercent: 20,
} as const;
