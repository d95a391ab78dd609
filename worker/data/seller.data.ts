import { OPERATOR } from "./operator.data";

/**
 * The operator as the seller on closing documents (продавец в УПД): the requisites of `operator.data.ts` (the payee
 * of invoices), with who signs and the EDO participant id.
 */
export const SELLER = {
  name: OPERATOR.name,
  inn: OPERATOR.inn,
  kpp: OPERATOR.kpp,
  address: OPERATOR.legalAddress,
  /** Who signs the closing documents (by an electronic signature at the EDO operator). */
  signer: { position: "Главный бухгалтер", lastName: "Соколова", firstName: "Ирина", middleName: "Викторовна" },
  /** The seller's participant id at its EDO operator (ИдОтпр), the first part of an XML file's name. */
  edoId: `2KB-${OPERATOR.inn}${OPERATOR.kpp}`,
} as const;
