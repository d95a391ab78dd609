import { For } from "solid-js";
import type { OfficeDto } from "../region/regionApi";

const W = 600;
const H = 300;
const PAD = 30;

/**
 * A schematic map of the offices (no tiles: it works offline and loads no
 * third-party scripts): positions projected from latitude and longitude,
 * each marker numbered like its card in the list below. The list is the
 * accessible version; the picture has a title and the markers their addresses.
 */
export function OfficeMap(props: { offices: (OfficeDto & { label: string; open: boolean })[]; title: string }) {
  const bounds = () => {
    const lats = props.offices.map((o) => o.lat);
    const lons = props.offices.map((o) => o.lon);
    const [minLat, maxLat, minLon, maxLon] = [Math.min(...lats), Math.max(...lats), Math.min(...lons), Math.max(...lons)];
    // At least ~2 km across, so one office sits in the middle.
    const dLat = Math.max(maxLat - minLat, 0.02);
    const dLon = Math.max(maxLon - minLon, 0.02);
    return { minLat: (minLat + maxLat) / 2 - dLat / 2, minLon: (minLon + maxLon) / 2 - dLon / 2, dLat, dLon };
  };
  const x = (lon: number) => PAD + ((lon - bounds().minLon) / bounds().dLon) * (W - 2 * PAD);
  const y = (lat: number) => H - PAD - ((lat - bounds().minLat) / bounds().dLat) * (H - 2 * PAD);
  return (
    <svg class="office-map" viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby="office-map-title">
      <title id="office-map-title">{props.title}</title>
      <For each={props.offices}>
        {(o, i) => (
          <g>
            <circle cx={x(o.lon)} cy={y(o.lat)} r={9} class={o.open ? "" : "is-closed"}>
              <title>{`${i() + 1}. ${o.label}`}</title>
            </circle>
            <text x={x(o.lon) + 12} y={y(o.lat) + 4}>
              {i() + 1}
            </text>
          </g>
        )}
      </For>
    </svg>
  );
}
