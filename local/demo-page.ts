/**
 * A small site with the tracking pixel on every page, so a person can click around and watch activity land.
 * The snippet is the one the README tells site owners to embed; the form identifies the visitor through the demo
 * site's own server (local/demo-identify.ts), never with an API key in the page.
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
  form label { display: block; }
  form input { display: block; width: 100%; max-width: 24rem; font: inherit; padding: 0.3rem; }
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
<form id="signup">
  <h2>Book a demo</h2>
  <p>Tell us who you are: this visitor becomes a lead with your name, and the demo request turns it hot. Watch it
  arrive in the dashboard's <a href="/dashboard#/feed">live feed</a>.</p>
  <p><label>Name <input name="name" required autocomplete="name"></label></p>
  <p><label>Work e-mail <input name="email" type="email" required autocomplete="email"></label></p>
  <p><label>Company <input name="company" autocomplete="organization"></label></p>
  <p><label>Title <input name="title" autocomplete="organization-title"></label></p>
  <p><button>Request a demo</button> <span id="signup-status" role="status"></span></p>
</form>
<script>
  // The tracking snippet: an anonymous visitor id kept in this browser, and one pixel hit per page view.
  var visitor = localStorage.getItem('leadscore.visitor');
  if (!visitor) { visitor = 'v-' + crypto.randomUUID(); localStorage.setItem('leadscore.visitor', visitor); }
  new Image(1, 1).src = '/p.gif?a=' + encodeURIComponent(visitor) + '&u=' + encodeURIComponent(location.href) +
    '&r=' + encodeURIComponent(document.referrer);
  document.getElementById('visitor').textContent = visitor;
  document.getElementById('title').textContent = 'Acme Analytics' + (location.pathname === '/' ? '' : ' - ' + location.pathname);
  // The form goes to the demo site's own server (POST /demo/identify), which holds the API key: a public page never does.
  document.getElementById('signup').addEventListener('submit', function (e) {
    e.preventDefault();
    var data = Object.fromEntries(new FormData(e.target));
    data.visitor = visitor;
    var status = document.getElementById('signup-status');
    status.textContent = 'Sending...';
    fetch('/demo/identify', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(data) })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(new Error(String(r.status))); })
      .then(function (r) { status.textContent = 'Thanks! You are lead ' + r.leadId + '; the live feed shows it within seconds.'; })
      .catch(function (err) { status.textContent = 'Not sent (' + err.message + '); try again.'; });
  });
</script>
</body>
</html>
`;
