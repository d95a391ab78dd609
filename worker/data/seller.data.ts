/**
 * The operator as the seller on closing documents (продавец в УПД): its requisites as the ФНС knows them. The same
 * values as the payee of invoices (`operator.data.ts`, issue 24's invoices); kept here until the two are merged.
 */
export const SELLER = {
  name: "ПАО «Кабинет Телеком»",
  inn: "7703123457",
  kpp: "770301001",
  address: "123112, г. Москва, Пресненская наб., д. 12",
  /** Who signs the closing documents (by an electronic signature at the EDO operator). */
  signer: { position: "Главный бухгалтер", lastName: "Соколова", firstName: "Ирина", middleName: "Викторовна" },
  /** The seller's participant id at its EDO operator (ИдОтпр), the first part of an XML file's name. */
  edoId: "2KB-7703123457770301001",
} as const;
