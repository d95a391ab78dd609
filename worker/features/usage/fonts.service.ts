/** The PDF fonts (PT Sans from the static assets, read once per isolate) for other features' documents on request. */
export { assetFonts } from "./usage.consumer";
