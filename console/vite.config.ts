import { defineConfig } from "vite";

// Built by `npm run build` into dist/console, which `berth server` serves at /console/.
export default defineConfig({
  root: import.meta.dirname,
  base: "/console/",
  logLevel: "warn",
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  build: { outDir: "../dist/console", emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 300 },
});
