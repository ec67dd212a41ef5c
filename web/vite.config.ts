import { defineConfig } from "vite";

// Relative asset paths: the C++ server serves web/dist at `/` (and the page must also work
// behind a path prefix). Nothing is loaded from a CDN; everything is bundled.
export default defineConfig({
  base: "./",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    assetsInlineLimit: 0,
  },
  server: {
    proxy: { "/api": process.env.TRAINBOX_API ?? "http://127.0.0.1:8080" },
  },
});
