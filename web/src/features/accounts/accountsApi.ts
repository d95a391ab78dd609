import type {
  AccountDto,
  AccountsDto,
  HistoryPageDto,
  InsightDto,
  LedgerEntryDto,
  LinkCodeSentDto,
  LinkConfirmBody,
} from "../../../../worker/features/accounts/accounts.routes";
import type { StatementsDto } from "../../../../worker/features/accounts/statements.routes";
import { accountPath, apiPut, apiRequest, apiSend, fromBoot } from "../../lib/api";

export type { AccountDto, AccountsDto, InsightDto, LedgerEntryDto };

/** The subscriber's accounts (own and relatives'), their history, spending and links. */
export const accountsApi = {
  accounts: () => {
    const ready = fromBoot("accounts");
    return ready ? Promise.resolve(ready) : apiRequest<AccountsDto>("/api/v1/accounts");
  },
  account: (no: string) => apiRequest<AccountDto>(accountPath(no)),
  /** Monthly statements (выписки) of the account's closed months, newest first. */
  statements: (no: string) => apiRequest<StatementsDto>(`${accountPath(no)}/statements`),
  history: (no: string, params: URLSearchParams) => apiRequest<HistoryPageDto>(`${accountPath(no)}/history?${params}`),
  insight: (no: string) => apiRequest<InsightDto>(`${accountPath(no)}/insight`),
  setLowBalance: (no: string, thresholdKop: number | null) => apiPut<void>(`${accountPath(no)}/low-balance`, { thresholdKop }),
  startAccountLink: (accountNo: string, channel: "sms" | "email") =>
    apiSend<LinkCodeSentDto>("POST", "/api/v1/accounts/link/start", { accountNo, channel }),
  confirmAccountLink: (accountNo: string, code: string, role: LinkConfirmBody["role"]) =>
    apiSend<void>("POST", "/api/v1/accounts/link/confirm", { accountNo, code, role }),
  unlinkAccount: (no: string) => apiSend<void>("DELETE", `${accountPath(no)}/link`),
};
