// The imports behind a cell of the matrix or an edge of the explorer, listed with file and line,
// each with the violations found on that line (read from the violations table of the page).

const MAX_LISTED = 300;

export function linkTo(links, path, line) {
  const quoted = encodeURIComponent(path).replace(/%2F/g, "/");
  if (links.template) {
    return links.template.replace("{path}", quoted).replace("{line}", String(line || 1));
  }
  return links.root + quoted;
}

// "path:line" -> the violation rows of the page at that place.
export function violationsByPlace() {
  const found = new Map();
  document.querySelectorAll("#table-violations tbody tr").forEach((row) => {
    const at = row.cells[0].textContent.trim(); // "path:line"
    if (!found.has(at)) {
      found.set(at, []);
    }
    found.get(at).push(row);
  });
  return found;
}

function element(tag, attributes, ...children) {
  const node = document.createElement(tag);
  Object.entries(attributes || {}).forEach(([key, value]) => node.setAttribute(key, value));
  children.forEach((child) => node.append(child));
  return node;
}

// Fills `panel` with a heading and one line per import statement of `edges` (indexes into
// graph.edges): "path:line  importer -> imported", then any violation there.
export function showImports(panel, heading, edgeIndexes, graph, links, violations) {
  const names = graph.nodes.names;
  const paths = graph.nodes.paths;
  const statements = [];
  edgeIndexes.forEach((index) => {
    const [importer, imported, lines] = graph.edges[index];
    lines.forEach((line) => statements.push([importer, imported, line]));
  });
  statements.sort((a, b) => (paths[a[0]] < paths[b[0]] ? -1 : paths[a[0]] > paths[b[0]] ? 1 : a[2] - b[2]));
  panel.replaceChildren();
  const plural = statements.length === 1 ? "" : "s";
  const broken = statements.filter(([importer, , line]) => violations.has(`${paths[importer]}:${line}`)).length;
  panel.append(
    element("h3", {}, heading),
    element(
      "p",
      { class: "meta" },
      `${statements.length} import statement${plural}` +
        (broken ? `, ${broken} with a violation` : "") +
        (statements.length > MAX_LISTED ? ` (the first ${MAX_LISTED} listed; report.json has them all)` : ""),
    ),
  );
  const list = element("ul", { class: "imports" });
  statements.slice(0, MAX_LISTED).forEach(([importer, imported, line]) => {
    const path = paths[importer];
    const item = element(
      "li",
      { "data-at": `${path}:${line}` },
      element("a", { href: linkTo(links, path, line) }, `${path}:${line}`),
      " ",
      element("code", {}, `${names[importer]} → ${names[imported]}`),
    );
    (violations.get(`${path}:${line}`) || []).forEach((row) => {
      const code = row.dataset.code || "";
      const message = row.cells[row.cells.length - 1].textContent;
      item.append(element("div", { class: `violation ${row.dataset.state || ""}` }, `${code} ${message}`));
    });
    list.append(item);
  });
  panel.append(list);
  panel.hidden = false;
}
