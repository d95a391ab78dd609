import type {
  ContactDto,
  OfficeDto,
  OfficesDto,
  RegionContextDto,
  RegionSummaryDto,
  ServiceOptionDto,
  TariffDto,
} from "../../../../worker/features/regions/regions.routes";
import { apiRequest, fromBoot, type Items } from "../../lib/api";

export type { ContactDto, OfficeDto, OfficesDto, RegionContextDto, RegionSummaryDto, ServiceOptionDto, TariffDto };

/** The region of this site and its catalogue: tariffs, add-ons, offices, phone numbers (the first page may carry some). */
export const regionApi = {
  region: () => {
    const ready = fromBoot("region");
    return ready ? Promise.resolve(ready) : apiRequest<RegionContextDto>("/api/v1/region");
  },
  regions: () => apiRequest<Items<RegionSummaryDto>>("/api/v1/regions").then((r) => r.items),
  tariffs: () => {
    const ready = fromBoot("tariffs");
    return ready ? Promise.resolve(ready) : apiRequest<Items<TariffDto>>("/api/v1/region/tariffs").then((r) => r.items);
  },
  services: () => {
    const ready = fromBoot("services");
    return ready ? Promise.resolve(ready) : apiRequest<Items<ServiceOptionDto>>("/api/v1/region/services").then((r) => r.items);
  },
  offices: () => apiRequest<OfficesDto>("/api/v1/region/offices"),
  contacts: () => {
    const ready = fromBoot("contacts");
    return ready ? Promise.resolve(ready) : apiRequest<Items<ContactDto>>("/api/v1/region/contacts").then((r) => r.items);
  },
};
