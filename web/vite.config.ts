import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Built with `npm run build:web` (`vite build web`: this folder is the root). `base: './'` makes
// every asset URL relative, so web/dist can be served from any path of any static host.
export default defineConfig({
  base: './',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // No source maps in the build: the bundle is what a static host serves; `vite build --sourcemap` for debugging.
    sourcemap: false,
  },
});
