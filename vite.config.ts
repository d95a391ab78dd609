import { cp, readFile } from "node:fs/promises";
import { relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { defineConfig, type Plugin } from "vite";
import { VitePWA } from "vite-plugin-pwa";
import solid from "vite-plugin-solid";
import { pathRegExp } from "./web/src/app/paths.ts";

const root = fileURLToPath(new URL("./web", import.meta.url));
const outDir = fileURLToPath(new URL("./dist", import.meta.url));

/** Swagger UI for /api/docs, served from our own origin (no CDN: works offline, CSP-friendly), and the PDF fonts. */
function swaggerUiAssets(): Plugin {
  return {
    name: "kabinet-swagger-ui",
    apply: "build",
    async closeBundle() {
      const from = fileURLToPath(new URL("./node_modules/swagger-ui-dist/", import.meta.url));
      for (const file of ["swagger-ui.css", "swagger-ui-bundle.js"]) {
        await cp(from + file, `${outDir}/vendor/swagger-ui/${file}`);
      }
      // PT Sans (OFL, Cyrillic) for the usage-detail PDFs the Worker makes: read through its ASSETS binding.
      const fonts = fileURLToPath(new URL("./node_modules/@expo-google-fonts/pt-sans/", import.meta.url));
      await cp(`${fonts}400Regular/PTSans_400Regular.ttf`, `${outDir}/fonts/PTSans-Regular.ttf`);
      await cp(`${fonts}700Bold/PTSans_700Bold.ttf`, `${outDir}/fonts/PTSans-Bold.ttf`);
    },
  };
}

/** Budget for the JavaScript a first visit downloads before anything is lazy-loaded (gzip). */
export const INITIAL_JS_BUDGET_KB = 50;
/** And in few files: each one more is a request before the first paint (13 files cost ~0.5 s of LCP on slow 4G). */
export const INITIAL_JS_MAX_FILES = 4;

/** Reports the initial JavaScript (entry + its static imports), gzipped, and fails the build over budget. */
function initialJsBudget(): Plugin {
  return {
    name: "kabinet-js-budget",
    apply: "build",
    generateBundle(_options, bundle) {
      const entry = Object.values(bundle).find((c) => c.type === "chunk" && c.isEntry);
      if (entry?.type !== "chunk") return;
      const seen = new Set<string>();
      const visit = (name: string) => {
        if (seen.has(name)) return;
        seen.add(name);
        const chunk = bundle[name];
        if (chunk?.type === "chunk") for (const dep of chunk.imports) visit(dep);
      };
      visit(entry.fileName);
      const bytes = [...seen].reduce((total, name) => {
        const chunk = bundle[name];
        return total + (chunk?.type === "chunk" ? gzipSync(chunk.code).length : 0);
      }, 0);
      const kb = bytes / 1024;
      this.info(`initial JS: ${kb.toFixed(1)} KB gzip in ${seen.size} file(s) (budget ${INITIAL_JS_BUDGET_KB} KB)`);
      if (kb > INITIAL_JS_BUDGET_KB) this.error(`initial JS is ${kb.toFixed(1)} KB gzip, over the ${INITIAL_JS_BUDGET_KB} KB budget`);
      if (seen.size > INITIAL_JS_MAX_FILES)
        this.error(`initial JS is split into ${seen.size} files, over the limit of ${INITIAL_JS_MAX_FILES}`);
    },
  };
}

/**
 * The stylesheet goes into the page itself: as a file it was a render-blocking request after the HTML
 * (Lighthouse counted ~185 ms of it on slow 4G). 15 KB, 5 KB gzip; the CSP allows inline styles. The page no
 * longer links the file, but it is still emitted (and precached) for the lazy chunks that list it.
 */
function inlineStylesheet(): Plugin {
  return {
    name: "kabinet-inline-css",
    apply: "build",
    transformIndexHtml: {
      order: "post",
      handler(html, ctx) {
        return html.replace(/<link rel="stylesheet"(?: crossorigin)? href="\/([^"]+\.css)">/g, (tag, file: string) => {
          const asset = ctx.bundle?.[file];
          if (asset?.type !== "asset") return tag;
          // The file stays in the build: Vite still names it among a lazy chunk's dependencies (the top-up dialog's),
          // and a stylesheet it cannot preload fails the import. Deleted, the dialog never opened (a 404 online;
          // offline, the whole app went blank). It is fetched once, when such a chunk first loads.
          return `<style>${String(asset.source)}</style>`;
        });
      },
    },
  };
}

/**
 * The entry script blocks rendering until it has run (`blocking="render"`): the page has nothing to show before
 * the app draws its shell, and without it Chromium painted the empty page first, so the app's first render (its
 * longest task) came after "first paint" and counted as blocking time — in most runs of a slow phone's profile.
 * A script that fails to load stops blocking; browsers without the attribute ignore it.
 */
function renderBlockingEntry(): Plugin {
  return {
    name: "kabinet-render-blocking-entry",
    apply: "build",
    transformIndexHtml: {
      order: "post",
      handler: (html) =>
        html.replace(
          /<script type="module" crossorigin src="(\/assets\/index-[^"]+\.js)"><\/script>/,
          '<script type="module" crossorigin src="$1" blocking="render"></script>',
        ),
    },
  };
}

/** Where the Worker finds, for each lazy screen, the files to preload with its page (`dist/route-preloads.json`). */
export const ROUTE_PRELOADS_FILE = "route-preloads.json";

/**
 * For each lazily loaded screen of `web/src/app/routes.ts`: its path patterns (as the RegExp sources the
 * service worker uses too) and the files it loads, not counting the first script. The Worker adds them to the
 * page as `modulepreload` links, so a screen opened directly (the accounts page after login) is fetched with the
 * first script, not after it ran (one round trip and a download less before anything is drawn on slow 4G).
 */
function routePreloads(): Plugin {
  return {
    name: "kabinet-route-preloads",
    apply: "build",
    async generateBundle(_options, bundle) {
      const routesFile = resolve(root, "src/app/routes.ts");
      const source = await readFile(routesFile, "utf8");
      const chunks = Object.values(bundle).filter((c) => c.type === "chunk");
      const entry = chunks.find((c) => c.isEntry);
      if (!entry) return;
      const initial = new Set<string>();
      const closure = (name: string, into: Set<string>) => {
        if (into.has(name)) return;
        into.add(name);
        const chunk = bundle[name];
        if (chunk?.type === "chunk") for (const dep of chunk.imports) closure(dep, into);
      };
      closure(entry.fileName, initial);
      // A screen's module is the facade of its own chunk, or — when other lazy screens import it statically too
      // (the business cabinet's frame) — one module of a shared chunk.
      const chunkOf = (moduleId: string) =>
        chunks.find((c) => c.facadeModuleId === moduleId) ?? chunks.find((c) => c.moduleIds.includes(moduleId));
      const filesOf = (moduleId: string): string[] => {
        const chunk = chunkOf(moduleId);
        if (!chunk) return [];
        const all = new Set<string>();
        closure(chunk.fileName, all);
        return [...all].filter((f) => !initial.has(f)).map((f) => `/${f}`);
      };
      const moduleOf = (spec: string) =>
        ["tsx", "ts"].map((ext) => `${resolve(root, "src/app", spec)}.${ext}`).find((id) => chunkOf(id) !== undefined);
      const lazy = /path:\s*(\[[^\]]*\]|"[^"]*")\s*,\s*component:\s*lazyScreen\(\s*\(\)\s*=>\s*import\("([^"]+)"\)/g;
      const pages = [...source.matchAll(lazy)].map(([, paths = "", spec = ""]) => {
        const id = moduleOf(spec);
        if (!id) this.error(`routes.ts: no chunk for ${spec}`);
        const patterns = (JSON.parse(paths.startsWith("[") ? paths : `[${paths}]`) as string[]).filter((p) => !p.startsWith("*"));
        return { patterns: patterns.map((p) => pathRegExp(p).source), files: filesOf(id) };
      });
      const lazyCount = source.match(/lazyScreen\(/g)?.length ?? 0;
      if (pages.length !== lazyCount)
        this.error(`routes.ts has ${lazyCount} lazy screens, ${pages.length} understood by kabinet-route-preloads`);
      const strings = (name: string) => filesOf(chunks.find((c) => c.facadeModuleId?.endsWith(`/i18n/${name}.ts`))?.facadeModuleId ?? "");
      const manifest = { pages: pages.filter((p) => p.patterns.length > 0), strings: { ru: strings("ru.more"), en: strings("en") } };
      this.info(`${ROUTE_PRELOADS_FILE}: ${manifest.pages.length} lazy screens (${relative(process.cwd(), routesFile)})`);
      this.emitFile({ type: "asset", fileName: ROUTE_PRELOADS_FILE, source: JSON.stringify(manifest) });
    },
  };
}

export default defineConfig({
  root,
  // Every browser we support has modulepreload: no polyfill to run on start.
  build: { outDir, emptyOutDir: true, target: "es2022", modulePreload: { polyfill: false } },
  plugins: [
    solid(),
    VitePWA({
      strategies: "injectManifest",
      srcDir: "src",
      filename: "sw.ts",
      registerType: "prompt",
      injectRegister: false,
      injectManifest: { globPatterns: ["**/*.{js,css,html,svg,png,webmanifest}"], globIgnores: ["vendor/**", "screenshots/**"] },
      manifest: {
        id: "/",
        name: "Личный кабинет",
        short_name: "Кабинет",
        description: "Баланс, оплата, тарифы и услуги, детализация и поддержка",
        lang: "ru",
        start_url: "/?source=pwa",
        scope: "/",
        display: "standalone",
        orientation: "any",
        theme_color: "#5b2bd6",
        background_color: "#f6f7f9",
        categories: ["utilities", "finance"],
        shortcuts: [
          {
            name: "Баланс",
            short_name: "Баланс",
            url: "/accounts?source=shortcut",
            icons: [{ src: "/icons/icon-192.png", sizes: "192x192" }],
          },
          {
            name: "Пополнить счёт",
            short_name: "Пополнить",
            url: "/accounts?topup=1",
            icons: [{ src: "/icons/icon-192.png", sizes: "192x192" }],
          },
          { name: "История платежей", short_name: "История", url: "/history", icons: [{ src: "/icons/icon-192.png", sizes: "192x192" }] },
        ],
        screenshots: [
          { src: "/screenshots/narrow.png", sizes: "360x740", type: "image/png", form_factor: "narrow", label: "Тарифы региона" },
          { src: "/screenshots/wide.png", sizes: "1280x800", type: "image/png", form_factor: "wide", label: "Главная страница региона" },
        ],
        icons: [
          { src: "/icons/icon-192.png", sizes: "192x192", type: "image/png", purpose: "any" },
          { src: "/icons/icon-512.png", sizes: "512x512", type: "image/png", purpose: "any" },
          { src: "/icons/icon-maskable-512.png", sizes: "512x512", type: "image/png", purpose: "maskable" },
        ],
      },
    }),
    swaggerUiAssets(),
    initialJsBudget(),
    renderBlockingEntry(),
    inlineStylesheet(),
    routePreloads(),
  ],
});
