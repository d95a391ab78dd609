import { createContext, type ParentProps, useContext } from "solid-js";
import type { RegionContextDto, RegionSummaryDto } from "./regionApi";

interface RegionState {
  context: RegionContextDto;
  /** This subdomain's region (the app only renders regional pages when there is one). */
  region: RegionSummaryDto;
}

const Ctx = createContext<RegionState>();

export function RegionProvider(props: ParentProps<{ context: RegionContextDto; region: RegionSummaryDto }>) {
  return <Ctx.Provider value={{ context: props.context, region: props.region }}>{props.children}</Ctx.Provider>;
}

export function useRegion(): RegionState {
  const ctx = useContext(Ctx);
  if (!ctx) throw new Error("useRegion outside RegionProvider");
  return ctx;
}
