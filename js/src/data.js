// The page's data as html_report.py writes it (_compact_graph), read back into report.json's form:
// names and paths spelled out, one [importer, imported, [line, ...]] per module import.

export function readGraph(compact) {
  if (!compact) {
    return null;
  }
  const { parents } = compact.nodes;
  const names = [];
  const paths = [];
  compact.nodes.names.forEach((written, i) => {
    let name = written;
    if (written.startsWith("~~")) {
      name = written.slice(1);
    } else if (written.startsWith("~")) {
      name = names[parents[i]] + written.slice(1);
    }
    names.push(name);
    const path = compact.nodes.paths[i];
    const base = name.replaceAll(".", "/");
    paths.push(path === "~" ? `${base}.py` : path === "~/" ? `${base}/__init__.py` : path);
  });
  const edges = [];
  compact.edges.forEach((run) => {
    const importer = run[0];
    for (let k = 1; k < run.length; ) {
      const imported = run[k];
      const count = run[k + 1];
      edges.push([importer, imported, run.slice(k + 2, k + 2 + count)]);
      k += 2 + count;
    }
  });
  return { nodes: { names, parents, paths }, edges, closures: compact.closures || {} };
}
