/** The numbers screen's filter (screen state, not an API shape): unconfirmed in ЕСИА, spend over 80 % of the limit. */
export interface NumberFilter {
  esia: boolean;
  over80: boolean;
}
