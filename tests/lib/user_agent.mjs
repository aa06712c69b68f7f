// A small headless user agent for the interactive OAuth flow: it starts at an authorization URL,
// follows redirects by hand (never fetch's redirect: 'follow'), keeps cookies per origin, fills
// the server's HTML forms (login: email + password + hidden inputs such as csrf_token and
// redirect; consent: hidden session_id + csrf_token, the checked scope checkboxes and the
// allow/deny button) and stops at the first redirect to the client's redirect URI, which it
// returns without requesting it. No JavaScript, no backdoor: only what a browser would send.

const ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Decodes the HTML character references the server's escaper produces (named and numeric). */
export function decodeEntities(s) {
  return s.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (m, ref) => {
    if (ref[0] === '#') {
      const cp = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return Number.isFinite(cp) ? String.fromCodePoint(cp) : m;
    }
    return ENTITIES[ref.toLowerCase()] ?? m;
  });
}

/** Attributes of one start tag, e.g. `<input type="hidden" name="x" value="y" checked>`. */
function attributes(tag) {
  const attrs = {};
  const re = /([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;
  const inner = tag.replace(/^<\s*[a-zA-Z]+/, '').replace(/\/?>$/, '');
  for (const m of inner.matchAll(re)) {
    const v = m[2] ?? m[3] ?? m[4];
    attrs[m[1].toLowerCase()] = v === undefined ? '' : decodeEntities(v);
  }
  return attrs;
}

/**
 * Every <form> of a page: {action, method, fields: [{tag, type, name, value, checked}]}.
 * `fields` lists inputs and buttons in document order.
 */
export function parseForms(html) {
  const forms = [];
  for (const m of html.matchAll(/<form\b[^>]*>([\s\S]*?)<\/form>/gi)) {
    const open = attributes(m[0].match(/^<form\b[^>]*>/i)[0]);
    const fields = [];
    for (const f of m[1].matchAll(/<(input|button)\b[^>]*>/gi)) {
      const a = attributes(f[0]);
      const tag = f[1].toLowerCase();
      fields.push({ tag, type: (a.type ?? (tag === 'button' ? 'submit' : 'text')).toLowerCase(), name: a.name,
        value: a.value ?? '', checked: 'checked' in a });
    }
    forms.push({ action: open.action ?? '', method: (open.method ?? 'get').toLowerCase(), fields });
  }
  return forms;
}

/** Cookie jar keyed by origin (host-only cookies; enough for loopback test servers). */
class CookieJar {
  constructor() { this.byOrigin = new Map(); }
  header(url) {
    const jar = this.byOrigin.get(new URL(url).origin);
    return jar && jar.size ? [...jar].map(([k, v]) => `${k}=${v}`).join('; ') : undefined;
  }
  store(url, setCookies) {
    const origin = new URL(url).origin;
    if (!this.byOrigin.has(origin)) this.byOrigin.set(origin, new Map());
    const jar = this.byOrigin.get(origin);
    for (const sc of setCookies) {
      const [pair, ...attrs] = sc.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*max-age\s*=\s*(0|-\d+)\s*$/i.test(a));
      if (expired || value === '') jar.delete(name); else jar.set(name, value);
    }
  }
  get(origin, name) { return this.byOrigin.get(origin)?.get(name); }
}

/**
 * createUserAgent({email, password, redirectUri, consent: 'allow'|'deny', maxSteps})
 *   .authorize(url) → {callback: URL, steps: [{method, url, status, location?}]}
 * `callback` is the redirect to `redirectUri` (compared by origin + path; loopback ports are
 * compared too). Throws with the page text when a step answers something it cannot handle.
 */
export function createUserAgent({ email, password, redirectUri, consent = 'allow', maxSteps = 20 }) {
  const jar = new CookieJar();
  const target = new URL(redirectUri);
  const steps = [];
  const isCallback = (u) => u.origin === target.origin && u.pathname === target.pathname;

  async function request(method, url, body) {
    const headers = {};
    const cookie = jar.header(url);
    if (cookie) headers.cookie = cookie;
    if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
    const res = await fetch(url, { method, headers, body, redirect: 'manual' });
    jar.store(url, res.headers.getSetCookie());
    const text = await res.text();
    const location = res.headers.get('location');
    const step = { method, url: String(url), status: res.status };
    if (location !== null) step.location = location;
    steps.push(step);
    return { status: res.status, headers: res.headers, text, location };
  }

  /** Builds the submission of the page's form as a browser would for the chosen button. */
  function fill(page, pageUrl) {
    const forms = parseForms(page.text).filter((f) => f.method === 'post' && !/\/logout$/.test(f.action));
    if (forms.length !== 1) throw new Error(`expected one form on ${pageUrl}, found ${forms.length}:\n${page.text.slice(0, 2000)}`);
    const form = forms[0];
    const body = new URLSearchParams();
    const isLogin = form.fields.some((f) => f.type === 'password');
    let clicked = false;
    for (const f of form.fields) {
      if (!f.name) continue;
      if (f.type === 'submit') {
        // Only the clicked submit button contributes; consent buttons are named "action".
        if (!clicked && (isLogin || f.value === consent)) { body.append(f.name, f.value); clicked = true; }
        continue;
      }
      if (f.type === 'checkbox' || f.type === 'radio') { if (f.checked) body.append(f.name, f.value || 'on'); continue; }
      if (f.type === 'password') { body.append(f.name, password); continue; }
      if (f.type === 'email' || (isLogin && f.name === 'email')) { body.append(f.name, email); continue; }
      body.append(f.name, f.value);
    }
    if (!isLogin && !clicked) throw new Error(`no "${consent}" button on ${pageUrl}`);
    return { url: new URL(form.action || pageUrl, pageUrl), body: body.toString(), kind: isLogin ? 'login' : 'consent', form };
  }

  const forms = [];
  async function authorize(startUrl) {
    let url = new URL(startUrl);
    let method = 'GET';
    let body;
    for (let i = 0; i < maxSteps; i++) {
      const r = await request(method, url, body);
      method = 'GET';
      body = undefined;
      if (r.status >= 300 && r.status < 400 && r.location) {
        const next = new URL(r.location, url);
        if (isCallback(next)) return { callback: next, steps, forms };
        url = next;
        continue;
      }
      if (r.status === 200 && /<form\b/i.test(r.text)) {
        const sub = fill(r, url);
        forms.push({ page: String(url), kind: sub.kind, fields: sub.form.fields, submitted: sub.body });
        url = sub.url;
        method = 'POST';
        body = sub.body;
        continue;
      }
      throw new Error(`user agent stuck at ${method} ${url} → ${r.status}\n${r.text.slice(0, 2000)}`);
    }
    throw new Error(`more than ${maxSteps} steps without reaching ${redirectUri}`);
  }

  return { authorize, steps, forms, jar };
}
