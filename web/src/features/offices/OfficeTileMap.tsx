import { type DivIcon, divIcon, type Map as LeafletMap, latLngBounds, map as leafletMap, marker, tileLayer } from "leaflet";
import "leaflet/dist/leaflet.css";
import { createEffect, onCleanup, onMount } from "solid-js";
import { useStrings } from "../../i18n/local";
import type { OfficesDto } from "../region/regionApi";
import { officeStrings } from "./strings";

type Tiles = NonNullable<OfficesDto["map"]>;

/** How long the first tile may take before the map is given up for the schematic one (a dead or blocked tile server). */
const FIRST_TILE_TIMEOUT_MS = 6000;

/**
 * The offices on a real map (Leaflet over the configured tile provider): numbered markers like the cards in the
 * list below, each with the office's address and state as its accessible name and popup. Leaflet's own controls
 * work from the keyboard (arrows pan, +/− zoom) and its markers are focusable. When no tile arrives (no network,
 * the provider down or blocked), `onFail` is called once and the page shows the schematic map instead.
 */
export default function OfficeTileMap(props: {
  offices: { lat: number; lon: number; label: string; open: boolean }[];
  tiles: Tiles;
  onFail: () => void;
}) {
  const s = useStrings(officeStrings);
  let el!: HTMLElement;
  let map: LeafletMap | undefined;
  let failed = false;
  const fail = () => {
    if (failed) return;
    failed = true;
    props.onFail();
  };
  onMount(() => {
    map = leafletMap(el, { zoomControl: true, scrollWheelZoom: false, attributionControl: true });
    const zoom = el.querySelectorAll<HTMLAnchorElement>(".leaflet-control-zoom a");
    zoom[0]?.setAttribute("aria-label", s("zoomIn"));
    zoom[0]?.setAttribute("title", s("zoomIn"));
    zoom[1]?.setAttribute("aria-label", s("zoomOut"));
    zoom[1]?.setAttribute("title", s("zoomOut"));
    map.attributionControl.setPrefix(false);
    let loaded = 0;
    const timer = setTimeout(() => loaded === 0 && fail(), FIRST_TILE_TIMEOUT_MS);
    onCleanup(() => clearTimeout(timer));
    const credit = props.tiles.attributionUrl
      ? `<a href="${encodeURI(props.tiles.attributionUrl)}" target="_blank" rel="noopener noreferrer">${escapeHtml(props.tiles.attribution)}</a>`
      : escapeHtml(props.tiles.attribution);
    tileLayer(props.tiles.tiles, { attribution: credit, maxZoom: 19, subdomains: "abc" })
      .on("tileload", () => {
        loaded++;
      })
      // Errors before any tile loaded mean the server is not there: the schematic map says more than grey squares.
      .on("tileerror", () => loaded === 0 && fail())
      .addTo(map);
  });
  createEffect(() => {
    const m = map;
    if (!m) return;
    const layers = props.offices.map((o, i) => {
      const name = `${i + 1}. ${o.label}`;
      // The pin's name is its number, address and state (the text inside a role=button names it; a title would not).
      const icon: DivIcon = divIcon({
        className: `office-pin${o.open ? "" : " is-closed"}`,
        html: `<span aria-hidden="true">${i + 1}</span><span class="visually-hidden">${escapeHtml(name)}</span>`,
        iconSize: [28, 28],
        iconAnchor: [14, 14],
      });
      const pin = marker([o.lat, o.lon], { icon, title: name, keyboard: true }).bindPopup(escapeHtml(name)).addTo(m);
      return pin;
    });
    if (props.offices.length > 0) {
      m.fitBounds(latLngBounds(props.offices.map((o) => [o.lat, o.lon] as [number, number])).pad(0.2), { maxZoom: 15 });
    }
    onCleanup(() => {
      for (const l of layers) l.remove();
    });
  });
  onCleanup(() => map?.remove());
  return <section ref={el} class="office-tiles" aria-label={s("tileMap")} />;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}
