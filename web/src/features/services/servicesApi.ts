import type {
  AdvisorDto,
  AllowanceDto,
  ApplicationBody,
  ApplicationDto,
  BlockCreatedDto,
  BlockDto,
  BlockEndedDto,
  BlockQuoteDto,
  CoverageDto,
  LineCheckDto,
  LineStep,
  LineVerdict,
  OpsTransitionBody,
  OptionSetDto,
  OptionsDto,
  PackagesDto,
  TariffChangeDto,
  TariffOfferDto,
  TerminationQuoteDto,
  VisitSlotsDto,
  VisitWindow,
} from "../../../../worker/features/services/services.routes";
import { accountPath, apiPut, apiRequest, apiSend, type Items, opsApi } from "../../lib/api";

export type {
  AdvisorDto,
  AllowanceDto,
  ApplicationDto,
  BlockDto,
  BlockQuoteDto,
  CoverageDto,
  LineCheckDto,
  LineStep,
  LineVerdict,
  OptionsDto,
  PackagesDto,
  TariffOfferDto,
  TerminationQuoteDto,
  VisitSlotsDto,
  VisitWindow,
};

const svc = (no: string, id: string) => `${accountPath(no)}/services/${encodeURIComponent(id)}`;
const app = (id: string) => `/api/v1/applications/${encodeURIComponent(id)}`;

/** Services of an account, coverage and applications. */
export const servicesApi = {
  offer: (no: string, id: string) => apiRequest<TariffOfferDto>(`${svc(no, id)}/tariffs`),
  changeTariff: (no: string, id: string, tariffId: string) => apiSend<TariffChangeDto>("POST", `${svc(no, id)}/tariff`, { tariffId }),
  cancelChange: (no: string, id: string) => apiSend<void>("DELETE", `${svc(no, id)}/tariff-change`),
  advisor: (no: string, id: string) => apiRequest<AdvisorDto>(`${svc(no, id)}/advisor`),
  options: (no: string) => apiRequest<OptionsDto>(`${accountPath(no)}/options`),
  packages: (no: string) => apiRequest<PackagesDto>(`${accountPath(no)}/packages`),
  lineCheck: (no: string, id: string) => apiSend<LineCheckDto>("POST", `${svc(no, id)}/line-check`),
  setOption: (no: string, id: string, optionId: string, on: boolean) =>
    apiPut<OptionSetDto>(`${svc(no, id)}/options/${encodeURIComponent(optionId)}`, { on }),
  blockQuote: (no: string, id: string, from: string, to: string) =>
    apiRequest<BlockQuoteDto>(`${svc(no, id)}/block-quote?${new URLSearchParams({ from, to })}`),
  block: (no: string, id: string, from: string, to: string) => apiSend<BlockCreatedDto>("POST", `${svc(no, id)}/blocks`, { from, to }),
  blocks: (no: string) => apiRequest<Items<BlockDto>>(`${accountPath(no)}/blocks`).then((r) => r.items),
  endBlock: (no: string, blockId: string) => apiSend<BlockEndedDto>("POST", `${accountPath(no)}/blocks/${encodeURIComponent(blockId)}/end`),
  coverage: (street: string, house: string) => apiRequest<CoverageDto>(`/api/v1/region/coverage?${new URLSearchParams({ street, house })}`),
  streets: (q: string) => apiRequest<Items<string>>(`/api/v1/region/coverage/streets?${new URLSearchParams({ q })}`).then((r) => r.items),
  apply: (body: ApplicationBody) => apiSend<ApplicationDto>("POST", "/api/v1/applications", body),
  applications: () => apiRequest<Items<ApplicationDto>>("/api/v1/applications").then((r) => r.items),
  application: (id: string) => apiRequest<ApplicationDto>(app(id)),
  cancel: (id: string) => apiSend<ApplicationDto>("POST", `${app(id)}/cancel`),
  visitSlots: (id: string) => apiRequest<VisitSlotsDto>(`${app(id)}/visit/slots`),
  moveVisit: (id: string, day: string, slot: string) => apiPut<ApplicationDto>(`${app(id)}/visit`, { day, slot }),
  terminationQuote: (no: string) => apiRequest<TerminationQuoteDto>(`${accountPath(no)}/termination`),
};

/** The operators' applications console, with the token the operator typed. */
export const opsApplicationsApi = {
  list: (token: string, region: string, status: string) =>
    opsApi.request<Items<ApplicationDto>>(token, `/applications?${new URLSearchParams({ region, status })}`).then((r) => r.items),
  transition: (token: string, id: string, body: OpsTransitionBody) =>
    opsApi.request<ApplicationDto>(token, `/applications/${encodeURIComponent(id)}/transition`, {
      method: "POST",
      body: JSON.stringify(body),
    }),
};
