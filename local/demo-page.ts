/**
 * A small site with the tracking pixel on every page, so a person can click around and watch activity land.
 * The snippet is the one the README tells site owners to embed.
 */
export const DEMO_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Leadscore demo site</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 44rem; margin: 2rem auto; padding: 0 1rem; color: #1f2937; }
  nav a { margin-right: 1rem; }
  code { background: #f3f4f6; padding: 0.1rem 0.3rem; border-radius: 4px; }
  #hits { font-family: ui-monospace, monospace; font-size: 0.85rem; white-space: pre; background: #f9fafb; padding: 0.75rem; }
</style>
</head>
<body>
<h1 id="title">Acme Analytics</h1>
<nav>
  <a href="/">Home</a><a href="/pricing">Pricing</a><a href="/customers/globex">Case study</a>
  <a href="/docs/getting-started">Docs</a><a href="/blog/lead-scoring">Blog</a><a href="/careers">Careers</a>
</nav>
<p>This page carries the Leadscore pixel. Every page you open here is recorded as a <code>page_view</code> for
visitor <code id="visitor"></code>.</p>
<p>Pixel hits counted by the local runtime:</p>
<div id="hits">loading...</div>
<script>
  // The tracking snippet: an anonymous visitor id kept in this browser, and one pixel hit per page view.
  var visitor = localStorage.getItem('leadscore.visitor');
  if (!visitor) { visitor = 'v-' + crypto.randomUUID(); localStorage.setItem('leadscore.visitor', visitor); }
  new Image(1, 1).src = '/p.gif?a=' + encodeURIComponent(visitor) + '&u=' + encodeURIComponent(location.href) +
    '&r=' + encodeURIComponent(document.referrer);
  document.getElementById('visitor').textContent = visitor;
  document.getElementById('title').textContent = 'Acme Analytics' + (location.pathname === '/' ? '' : ' - ' + location.pathname);
  function refresh() {
    fetch('/local/metrics').then(function (r) { return r.json(); }).then(function (m) {
      document.getElementById('hits').textContent = Object.keys(m).filter(function (k) { return k.indexOf('pixel.') === 0; })
        .map(function (k) { return k + ': ' + m[k]; }).join('\\n') || 'none yet';
    });
  }
  setTimeout(refresh, 300); setInterval(refresh, 2000);
</script>
</body>
</html>
`;
