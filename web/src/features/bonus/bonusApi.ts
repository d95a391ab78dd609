import type { BonusDto, RedemptionDto, RewardDto } from "../../../../worker/features/bonus/bonus.routes";
import { accountPath, apiRequest, apiSend, type Items } from "../../lib/api";

export type { BonusDto, RedemptionDto, RewardDto };

/** «Бонус»: membership, points, the rewards catalogue and redemptions of an account. */
export const bonusApi = {
  bonus: (no: string) => apiRequest<BonusDto>(`${accountPath(no)}/bonus`),
  bonusRewards: (no: string) => apiRequest<Items<RewardDto>>(`${accountPath(no)}/bonus/rewards`).then((r) => r.items),
  bonusRedemptions: (no: string) => apiRequest<Items<RedemptionDto>>(`${accountPath(no)}/bonus/redemptions`).then((r) => r.items),
  joinBonus: (no: string) => apiSend<void>("POST", `${accountPath(no)}/bonus/join`, { consent: true }),
  leaveBonus: (no: string) => apiSend<void>("POST", `${accountPath(no)}/bonus/leave`, { confirm: true }),
  /** The same `key` (one per attempt on the screen) never spends the points twice. */
  redeem: (no: string, rewardId: string, key: string) =>
    apiRequest<RedemptionDto>(`${accountPath(no)}/bonus/redemptions`, {
      method: "POST",
      body: JSON.stringify({ rewardId }),
      headers: { "content-type": "application/json", "idempotency-key": key },
    }),
};
