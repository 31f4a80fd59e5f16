// The page's view in its URL fragment, so a link opens the same view:
//   #filter:violations=giftcards&code:violations=AG101&owner:violations=@acme/web&sort:hotspots=2-desc
//   &open:explorer=3.17&select:dsm=2.5
// Each part is "<what>:<where>=<value>", URL-encoded. A fragment that is only a section id
// ("#violations", a link of the navigation bar) holds no state and is left alone.

const PART = /^([a-z]+):([\w-]+)=(.*)$/;

export function readState(hash) {
  const parts = [];
  hash.replace(/^#/, "").split("&").forEach((raw) => {
    let part;
    try {
      part = decodeURIComponent(raw);
    } catch (error) {
      return;
    }
    const match = PART.exec(part);
    if (match) {
      parts.push({ what: match[1], where: match[2], value: match[3] });
    }
  });
  return parts;
}

export class UrlState {
  constructor() {
    this.values = new Map(); // "what:where" -> value
    readState(location.hash).forEach((p) => this.values.set(`${p.what}:${p.where}`, p.value));
  }

  // After the fragment changed by a link: a fragment holding a view replaces the one held.
  reread() {
    const parts = readState(location.hash);
    if (parts.length) {
      this.values = new Map(parts.map((p) => [`${p.what}:${p.where}`, p.value]));
    }
    return parts;
  }

  get(what, where) {
    return this.values.get(`${what}:${where}`);
  }

  // Records a value ("" or null removes it) and rewrites the fragment without scrolling.
  set(what, where, value) {
    const key = `${what}:${where}`;
    const empty = value === null || value === undefined || value === "";
    if (empty ? !this.values.has(key) : this.values.get(key) === String(value)) {
      return; // nothing changed: the fragment (perhaps a section the reader jumped to) stays
    }
    if (empty) {
      this.values.delete(key);
    } else {
      this.values.set(key, String(value));
    }
    const parts = [];
    this.values.forEach((v, k) => parts.push(encodeURIComponent(`${k}=${v}`).replace(/%3A/g, ":").replace(/%3D/, "=")));
    history.replaceState(null, "", parts.length ? `#${parts.join("&")}` : location.pathname + location.search);
  }
}
