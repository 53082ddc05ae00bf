import { fileURLToPath } from "node:url";
import tailwindcss from "@tailwindcss/vite";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

/** Where `pnpm dev` finds the server it proxies to (`pnpm dev` at the root starts it on 3000). */
const SERVER = process.env.GENIE_DEV_SERVER ?? "http://127.0.0.1:3000";

// changeOrigin stays false: the server then sees the browser's Host (the dev server's address), which
// is what better-auth compares the Origin header with when no public URL is configured.
const proxy = { target: SERVER, changeOrigin: false };

export default defineConfig({
  plugins: [react(), tailwindcss()],
  resolve: {
    alias: {
      // Radix's scroll lock writes a <style> element, which a strict CSP blocks: see the file.
      "react-style-singleton": fileURLToPath(new URL("src/lib/csp-style-singleton.ts", import.meta.url)),
    },
  },
  server: { proxy: { "/trpc": proxy, "/api": proxy, "/sdk": proxy, "/healthz": proxy } },
  build: {
    // The bundle budget script reads it to know what a first visit loads.
    manifest: true,
    // No inline data: URLs for small assets: the server's CSP allows files from 'self' only.
    assetsInlineLimit: 0,
  },
});
