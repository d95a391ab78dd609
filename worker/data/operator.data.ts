/**
 * The operator's own requisites (реквизиты оператора), the one place they are kept: the payee of every invoice for
 * payment (счёт на оплату) and its QR, the account a bank statement's incoming payments are addressed to, the
 * seller on closing documents, the act of reconciliation and the 54-ФЗ receipts. Demo values: the ИНН's check digit, the БИК and the settlement account's
 * key (ключевание) are valid, so a banking app accepts a payment QR made from them.
 */
export const OPERATOR = {
  name: "ПАО «Кабинет Телеком»",
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
} as const;

/** The payee's requisites as a bank statement names them (its incoming payments are to this account). */
export const OPERATOR_REQUISITES = {
  name: OPERATOR.name,
  inn: OPERATOR.inn,
  kpp: OPERATOR.kpp,
  bankName: OPERATOR.bank.name,
  bik: OPERATOR.bank.bik,
  correspondentAccount: OPERATOR.bank.correspondentAccount,
  settlementAccount: OPERATOR.bank.settlementAccount,
} as const;
