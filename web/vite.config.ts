import { fileURLToPath, URL } from 'node:url'
import vue from '@vitejs/plugin-vue'
import { VantResolver } from '@vant/auto-import-resolver'
import Components from 'unplugin-vue-components/vite'
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers'
import { defineConfig } from 'vitest/config'
import type { Plugin } from 'vite'

// Vant's icon font names a CDN copy after its inline one. The browser never needs it, but the
// Content-Security-Policy (font-src 'self' data:) reports it, and an intranet cannot reach it.
function noRemoteFonts(): Plugin {
  const remote = /,\s*url\((?:https?:)?\/\/[^)]*\)\s*format\([^)]*\)/g
  return {
    name: 'no-remote-fonts',
    enforce: 'post',
    generateBundle(_, bundle) {
      for (const file of Object.values(bundle)) {
        if (file.type === 'asset' && file.fileName.endsWith('.css') && typeof file.source === 'string') {
          file.source = file.source.replace(remote, '')
        }
      }
    },
  }
}

// Two entries: the console (Element Plus) at / and the unit phone page (Vant) at /h5/.
// Components are imported on use, so the phone page never carries Element Plus.
export default defineConfig({
  plugins: [
    noRemoteFonts(),
    vue(),
    Components({
      resolvers: [ElementPlusResolver({ importStyle: 'css' }), VantResolver()],
      dts: false,
    }),
  ],
  resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
  build: {
    target: 'es2020',
    chunkSizeWarningLimit: 1200,
    rollupOptions: {
      input: {
        console: fileURLToPath(new URL('./index.html', import.meta.url)),
        h5: fileURLToPath(new URL('./h5/index.html', import.meta.url)),
      },
    },
  },
  server: {
    // `npm run dev` against a platform started with `make run`.
    proxy: { '/api': 'http://127.0.0.1:8000' },
  },
  test: { environment: 'node', include: ['src/**/*.test.ts'] },
})
