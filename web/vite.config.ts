/// <reference types="vitest/config" />
// Builds the app into the Python package (src/tradertape/web_dist), which the wheel carries,
// so `pip install tradertape` needs no Node. `npm run dev` proxies the API to a local server.
import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

const api = process.env.TRADERTAPE_API ?? "http://127.0.0.1:8000";

export default defineConfig({
  plugins: [react()],
  resolve: { alias: { "@": fileURLToPath(new URL("./src", import.meta.url)) } },
  build: {
    outDir: "../src/tradertape/web_dist",
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 600,
  },
  server: {
    proxy: {
      "/api": { target: api, changeOrigin: false, ws: true },
    },
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.ts", "src/**/*.test.tsx"],
    setupFiles: ["src/test-setup.ts"],
    // A rendered rule builder (a whole template's tree in jsdom) takes ~2 s on an idle
    // 2-core machine and past 5 s, Vitest's default budget, on a busy one.
    testTimeout: 30_000,
  },
});
