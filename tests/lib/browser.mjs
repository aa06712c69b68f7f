// A cookie-keeping fetch that never follows redirects, for driving the login, authorize and
// consent pages of the real binary; and a reader for hidden form inputs.
//   const b = browser(issuer);
//   const page = await b.get('/login');
//   await b.postForm('/login', { email, password, csrf_token: hidden(page.text, 'csrf_token') });

export function browser(base) {
  const jar = new Map();
  async function request(p, init = {}) {
    const headers = { ...(init.headers ?? {}) };
    if (jar.size) headers.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(p.startsWith('http') ? p : base + p, { ...init, headers, redirect: 'manual' });
    for (const sc of res.headers.getSetCookie()) {
      const [pair] = sc.split(';');
      const eq = pair.indexOf('=');
      const value = pair.slice(eq + 1);
      if (value === '') jar.delete(pair.slice(0, eq).trim()); else jar.set(pair.slice(0, eq).trim(), value);
    }
    return { status: res.status, text: await res.text(), location: res.headers.get('location') };
  }
  return {
    get: (p) => request(p),
    postForm: (p, form) => request(p, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString() }),
  };
}

export const hidden = (html, name) => html.match(new RegExp(`name="${name}" value="([^"]*)"`))?.[1].replace(/&amp;/g, '&');
