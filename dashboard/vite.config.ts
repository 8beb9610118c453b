import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

// The dashboard's web app, built into dist/dashboard/app and served by src/dashboard (no build
// tools needed at run time). `npm run build` runs this after the library build.
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/",
  logLevel: "warn",
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: fileURLToPath(new URL("../dist/dashboard/app", import.meta.url)),
    emptyOutDir: true,
    target: "es2022",
    // The CSP allows no inline script or style: no inlined assets, no modulepreload polyfill.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 1000,
  },
});
