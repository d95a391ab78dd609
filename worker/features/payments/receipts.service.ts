/** The 54-ФЗ receipt's shape, seller and payment-method words for other features (pure: no Worker-only imports). */
export { METHOD_TEXT, RECEIPT_METHOD, type Receipt, SELLER } from "./receipts";
