/**
 * Serving the built web app (the core never imports it: `flint serve` passes the folder),
 * precompressed by the build (brotli or gzip, by Accept-Encoding). Every
 * file goes out with a strict Content-Security-Policy: scripts, styles and connections from this
 * origin only (plus its WebSocket), no inline script, no plug-ins, no framing — so even a message
 * that slipped past the app's safe rendering could not run code or send content elsewhere.
 * @module
 */
import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';

/** The policy for the app's documents. `publicUrl` names the WebSocket origin of the event stream. */
export function webAppCsp(publicUrl: string): string {
  const url = new URL(publicUrl);
  const ws = `${url.protocol === 'https:' ? 'wss' : 'ws'}://${url.host}`;
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    // Avatars come from this origin; decrypted previews and downloads are blob: URLs made in the page.
    "img-src 'self' blob:",
    "media-src 'self' blob:",
    "font-src 'self'",
    `connect-src 'self' ${ws}`,
    // pdf.js renders previews in a worker it may start from a blob:.
    "worker-src 'self' blob:",
    "manifest-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Files the build compresses (packages/web/build/precompress.mjs): their answers vary by Accept-Encoding. */
const COMPRESSIBLE = /\.(m?js|css|html|svg|webmanifest|json|txt)(\.br|\.gz)?$/;

export async function registerWebApp(app: FastifyInstance, root: string, publicUrl: string): Promise<void> {
  const csp = webAppCsp(publicUrl);
  // A personal room's link (SPEC MT-3), `<base>/meet/<name>`: the app's hash route shows it (the
  // app's routes live in the fragment; only this link is a path, because people read and type it).
  app.get('/meet/:name', { schema: { hide: true } }, async (req, reply) => {
    const { name } = req.params as { name: string };
    return reply.header('Cache-Control', 'no-store').redirect(`${new URL(publicUrl).pathname.replace(/\/$/, '')}/#/meet/${encodeURIComponent(name)}`, 302);
  });
  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    index: ['index.html'],
    // One `/*` route that looks the file up per request, not a route per file: the build holds
    // hundreds of files (fonts, locale chunks), and globbing them and registering a GET and a HEAD
    // for each cost ~0.2 s of CPU at every start (docs/startup.md). A missing file falls through to
    // the app's own not-found answer, as an unknown route does.
    wildcard: true,
    // The build wrote `.br` and `.gz` beside each text file: the best form the client accepts is
    // sent as is (brotli first, then gzip, else the file itself), with its Content-Encoding.
    preCompressed: true,
    // Those forms are reached only through Accept-Encoding, never by their own names.
    allowedPath: (pathname) => !/\.(br|gz)$/.test(pathname),
    // Cache-Control is set below, per file.
    cacheControl: false,
    setHeaders(res, path) {
      // Caches must keep the brotli, gzip and plain answers apart.
      if (COMPRESSIBLE.test(path)) res.setHeader('Vary', 'Accept-Encoding');
      res.setHeader('Content-Security-Policy', csp);
      res.setHeader('Referrer-Policy', 'no-referrer');
      res.setHeader('X-Frame-Options', 'DENY');
      res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
      // Vite names built assets by content hash: they never change. The shell, the manifest and
      // the service worker must be revalidated so a new version is picked up.
      res.setHeader('Cache-Control', /[\\/]assets[\\/]/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
}
