// The dependency structure matrix (<table class="dsm">, rendered by archguard): a click on a cell
// lists the import statements behind it, with file and line, below the matrix.

import { showImports } from "./imports.js";

export function setupMatrix(data, state, violations) {
  const table = document.querySelector("table.dsm");
  const panel = document.getElementById("dsm-imports");
  if (!table || !panel || !data.dsm) {
    return;
  }
  const groups = data.dsm.groups;
  const nodeGroup = data.dsm.node_group;
  const graph = data.import_graph;

  function select(cell) {
    const row = Number(cell.dataset.row); // the imported group
    const col = Number(cell.dataset.col); // the importer
    const edges = [];
    graph.edges.forEach(([importer, imported], index) => {
      if (nodeGroup[importer] === col && nodeGroup[imported] === row) {
        edges.push(index);
      }
    });
    table.querySelectorAll("td.selected").forEach((other) => other.classList.remove("selected"));
    cell.classList.add("selected");
    const heading =
      row === col
        ? `Imports within ${groups[row].name}`
        : `${groups[col].name} imports ${groups[row].name}` + (row < col ? " (against the layer order)" : "");
    showImports(panel, heading, edges, graph, data.links, violations);
    state.set("select", "dsm", `${row}.${col}`);
  }

  table.addEventListener("click", (event) => {
    const cell = event.target.closest("td[data-row]");
    if (cell && cell.textContent.trim()) {
      select(cell);
    }
  });
  const chosen = /^(\d+)\.(\d+)$/.exec(state.get("select", "dsm") || "");
  if (chosen) {
    const cell = table.querySelector(`td[data-row="${chosen[1]}"][data-col="${chosen[2]}"]`);
    if (cell && cell.textContent.trim()) {
      select(cell);
    }
  }
}
