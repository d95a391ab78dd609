/**
 * The operator's own requisites (реквизиты получателя платежей): printed on invoices and in the payment QR, and the
 * settlement account a bank statement's incoming payments are addressed to. Data, not code.
 */
export const OPERATOR_REQUISITES = {
  name: "ПАО «Кабинет Телеком»",
  inn: "7709543218",
  kpp: "770901001",
  bankName: "ПАО Сбербанк",
  bik: "044525225",
  correspondentAccount: "30101810400000000225",
  settlementAccount: "40702810938000012345",
} as const;
