// The agent's local UI, built into the agent's Python package (tradertape_agent/ui/static),
// which the wheel carries: `pip install tradertape-agent` needs no Node. It shares the web
// app's figures formatting (web/src/format) and toolchain. `npm run dev` proxies the API
// to a running agent.
import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

const agent = process.env.TRADERTAPE_AGENT_UI ?? "http://127.0.0.1:5679";

export default defineConfig({
  plugins: [react()],
  resolve: {
    alias: { "@format": fileURLToPath(new URL("../../web/src/format/index.ts", import.meta.url)) },
  },
  build: {
    outDir: "../src/tradertape_agent/ui/static",
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 256, // kB: the app in one chunk, with the web app's instrument names
  },
  server: { proxy: { "/api": { target: agent, changeOrigin: false } } },
});
