// Which links from reviewed material may leave the app. The desktop shell checks again in Rust
// (src-tauri/src/links.rs); this copy lets the confirm dialog say up front that a link will not
// be opened, and guards the browser build, where window.open is the only way out.

export const OPENABLE = ['http:', 'https:', 'mailto:'];

export type LinkCheck = { ok: true; url: string } | { ok: false; url: string; reason: string };

/** Parses a link target; `ok` only for http(s) with a host, or mailto. */
export function checkLink(raw: string): LinkCheck {
  const text = raw.trim();
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return { ok: false, url: text, reason: 'This is not a complete web address, so Exhibit will not open it. Copy it if you need it.' };
  }
  if (!OPENABLE.includes(u.protocol)) {
    return { ok: false, url: text, reason: `Exhibit opens only web (http, https) and mail (mailto) links, not “${u.protocol}” links. Copy it if you need it.` };
  }
  if (u.protocol !== 'mailto:' && !u.hostname) {
    return { ok: false, url: text, reason: 'This web address names no site, so Exhibit will not open it.' };
  }
  return { ok: true, url: u.href };
}

/** The host a link really goes to, shown large in the dialog (phishing links hide it). */
export function linkHost(url: string): string {
  try {
    const u = new URL(url);
    return u.protocol === 'mailto:' ? u.pathname : u.host;
  } catch {
    return '';
  }
}
