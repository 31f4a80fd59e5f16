// The explorer of the import graph: cytoscape.js, laid out by dagre, offline in the page.
//
// It starts from the top-level packages and folders. A click on a package opens it in place into
// its subpackages and modules (a box around them) and a click on the box closes it; every edge
// joins the boxes shown, with the number of import statements behind it, red when one of them
// goes against the layer order of the matrix. A click on an edge lists those imports and the
// violations on them; the search reveals a module; the highlight marks a concept's definitions,
// access paths and importers, or everything an entry point loads at import time.

import cytoscape from "cytoscape";
import dagre from "cytoscape-dagre";

import { showImports } from "./imports.js";

cytoscape.use(dagre);

const MAX_CHILDREN = 80; // boxes shown when a package opens; the rest are one "+N more" box

function shortName(name, parent) {
  if (!parent) {
    return name;
  }
  if (name.startsWith(`${parent}.`)) {
    return name.slice(parent.length + 1);
  }
  if (parent.endsWith("/") && name.startsWith(parent)) {
    return name.slice(parent.length);
  }
  return name;
}

export class Explorer {
  constructor(container, data, state, violations, panel) {
    const graph = data.import_graph;
    this.graph = graph;
    this.data = data;
    this.state = state;
    this.violations = violations;
    this.panel = panel;
    const { names, parents, paths } = graph.nodes;
    this.count = names.length;
    this.children = Array.from({ length: this.count }, () => []);
    parents.forEach((parent, i) => parent >= 0 && this.children[parent].push(i));
    // modules (and files) in each node's subtree: a node with a path is a module of its own
    this.size = paths.map((path) => (path ? 1 : 0));
    for (let i = this.count - 1; i >= 0; i -= 1) {
      if (parents[i] >= 0) {
        this.size[parents[i]] += this.size[i];
      }
    }
    this.byPath = new Map(paths.map((path, i) => [path, i]));
    this.byName = new Map(names.map((name, i) => [name, i]));
    this.group = data.dsm ? data.dsm.node_group : null;
    this.open = new Set();
    this.pinned = new Set();
    this.highlight = "";
    const saved = state.get("open", "explorer");
    if (saved) {
      saved.split(".").map(Number).filter((i) => i >= 0 && i < this.count && this.children[i].length).forEach((i) => this.open.add(i));
    } else {
      // a chain of single packages (src/project/apps) opens by itself
      let top = names.map((_, i) => i).filter((i) => parents[i] < 0);
      while (top.length === 1 && this.children[top[0]].length) {
        this.open.add(top[0]);
        top = this.children[top[0]];
      }
    }
    this.cy = cytoscape({
      container,
      style: STYLE,
      minZoom: 0.05,
      maxZoom: 3,
      boxSelectionEnabled: false,
    });
    this.cy.on("tap", "node", (event) => this.tapNode(event.target));
    this.cy.on("tap", "edge", (event) => this.tapEdge(event.target));
    this.render();
  }

  // The box each node of the hierarchy is drawn in, and the edges between the boxes shown.
  render() {
    const { names, parents, paths } = this.graph.nodes;
    const rep = new Array(this.count);
    const visible = new Array(this.count).fill(false);
    const elements = [];
    const overflow = new Map(); // open node -> children folded into its "+N more" box
    const shownChildren = new Map();
    this.open.forEach((i) => {
      const kids = this.children[i];
      if (kids.length <= MAX_CHILDREN) {
        shownChildren.set(i, new Set(kids));
        return;
      }
      const ranked = kids.slice().sort((a, b) => this.pinned.has(b) - this.pinned.has(a) || this.size[b] - this.size[a]);
      shownChildren.set(i, new Set(ranked.slice(0, MAX_CHILDREN)));
      overflow.set(i, ranked.slice(MAX_CHILDREN));
    });
    for (let i = 0; i < this.count; i += 1) {
      const parent = parents[i];
      const parentOpen = parent >= 0 && visible[parent] && this.open.has(parent);
      if (parent < 0 || (parentOpen && shownChildren.get(parent).has(i))) {
        visible[i] = true;
        rep[i] = this.open.has(i) && paths[i] ? `o${i}` : `n${i}`;
        const isOpen = this.open.has(i);
        const label = shortName(names[i], parent >= 0 ? names[parent] : "");
        const hasKids = this.children[i].length > 0;
        elements.push({
          group: "nodes",
          data: {
            id: `n${i}`,
            index: i,
            parent: parent >= 0 ? `n${parent}` : undefined,
            label: isOpen ? label : hasKids ? `${label}\n${this.size[i]} ${this.size[i] === 1 ? "module" : "modules"}` : label,
            weight: Math.log2(2 + this.size[i]),
          },
          classes: isOpen ? "open" : hasKids ? "closed" : "leaf",
        });
        if (isOpen && paths[i]) {
          elements.push({
            group: "nodes",
            data: { id: `o${i}`, index: i, parent: `n${i}`, label: `${label} itself`, weight: 1 },
            classes: "leaf own",
          });
        }
      } else if (parentOpen) {
        rep[i] = `m${parent}`;
      } else {
        rep[i] = rep[parent];
      }
    }
    overflow.forEach((hidden, i) => {
      const modules = hidden.reduce((sum, k) => sum + this.size[k], 0);
      elements.push({
        group: "nodes",
        data: { id: `m${i}`, index: -1, parent: `n${i}`, label: `+${hidden.length} more\n${modules} modules`, weight: 1 },
        classes: "more",
      });
    });
    // Edges between the boxes shown: every module import counted once, by its statements.
    const edges = new Map();
    this.graph.edges.forEach(([importer, imported, lines], index) => {
      const source = rep[importer];
      const target = rep[imported];
      if (source === target) {
        return;
      }
      const key = `${source}>${target}`;
      let edge = edges.get(key);
      if (!edge) {
        edge = { source, target, count: 0, edges: [], against: false };
        edges.set(key, edge);
      }
      edge.count += lines.length;
      edge.edges.push(index);
      if (this.group && this.group[importer] > this.group[imported] && this.group[imported] >= 0) {
        edge.against = true;
      }
    });
    this.edgeImports = new Map();
    edges.forEach((edge, key) => {
      this.edgeImports.set(key, edge.edges);
      elements.push({
        group: "edges",
        data: { id: key, source: edge.source, target: edge.target, label: String(edge.count), width: 1 + Math.log10(edge.count) * 1.5 },
        classes: edge.against ? "against" : "",
      });
    });
    elements.forEach((element) => {
      if (element.group === "nodes") {
        const lines = String(element.data.label).split("\n");
        element.data.w = 16 + 6.6 * Math.max(...lines.map((line) => line.length));
        element.data.h = 10 + 14 * lines.length;
      }
    });
    this.rep = rep;
    this.cy.batch(() => {
      this.cy.elements().remove();
      this.cy.add(elements);
    });
    this.applyHighlight();
    this.cy.layout({ name: "dagre", rankDir: "TB", nodeSep: 18, rankSep: 55, edgeSep: 8, animate: false, fit: true, padding: 12 }).run();
    if (this.cy.zoom() > 1) {
      // a few boxes fill the view at a readable size, not at giant letters
      this.cy.zoom(1);
      this.cy.center();
    }
    this.state.set("open", "explorer", Array.from(this.open).sort((a, b) => a - b).join("."));
  }

  tapNode(node) {
    const i = node.data("index");
    if (node.hasClass("more") || i < 0) {
      return;
    }
    if (node.hasClass("open")) {
      this.close(i);
    } else if (node.hasClass("closed")) {
      this.open.add(i);
      this.render();
    }
    this.describe(i);
  }

  close(i) {
    const stack = [i];
    while (stack.length) {
      const k = stack.pop();
      this.open.delete(k);
      this.children[k].forEach((child) => this.open.has(child) && stack.push(child));
    }
    this.render();
  }

  describe(i) {
    const { names, paths } = this.graph.nodes;
    const what = paths[i] ? `${names[i]} (${paths[i]})` : names[i];
    this.panel.replaceChildren();
    const heading = document.createElement("h3");
    heading.textContent = what;
    const meta = document.createElement("p");
    meta.className = "meta";
    meta.textContent = `${this.size[i]} ${this.size[i] === 1 ? "module" : "modules"}` + (this.children[i].length ? "; click the box to open or close it" : "");
    this.panel.append(heading, meta);
    this.panel.hidden = false;
  }

  tapEdge(edge) {
    const indexes = this.edgeImports.get(edge.id()) || [];
    const source = this.cy.getElementById(edge.data("source"));
    const target = this.cy.getElementById(edge.data("target"));
    const label = (node) => this.graph.nodes.names[node.data("index")] || node.data("label").split("\n")[0];
    this.cy.edges().removeClass("selected");
    edge.addClass("selected");
    showImports(this.panel, `${label(source)} imports ${label(target)}`, indexes, this.graph, this.data.links, this.violations);
  }

  // Opens every package above node i and shows it, selected, in the middle of the view.
  reveal(i) {
    const { parents } = this.graph.nodes;
    for (let p = parents[i], child = i; p >= 0; child = p, p = parents[p]) {
      this.open.add(p);
      this.pinned.add(child);
    }
    this.render();
    const node = this.cy.getElementById(`n${i}`);
    this.cy.elements().unselect();
    node.select();
    this.cy.animate({ center: { eles: node }, zoom: Math.max(this.cy.zoom(), 0.9) }, { duration: 0 });
    this.describe(i);
    return node;
  }

  find(query) {
    const q = query.trim().toLowerCase();
    if (!q) {
      return [];
    }
    const { names, paths } = this.graph.nodes;
    const found = [];
    names.forEach((name, i) => {
      const lower = name.toLowerCase();
      if (lower.includes(q) || paths[i].toLowerCase().includes(q)) {
        found.push([lower === q ? 0 : lower.endsWith(q) ? 1 : 2, name.length, i]);
      }
    });
    found.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
    return found.slice(0, 30).map((f) => f[2]);
  }

  // "c:<n>": the n-th concept of the page's data; "e:<entry>": an entry point's closure.
  setHighlight(value) {
    this.highlight = value;
    this.applyHighlight();
    this.state.set("highlight", "explorer", value);
  }

  applyHighlight() {
    this.cy.nodes().removeClass("hl-definition hl-path hl-importer hl-closure hl-entry");
    const marks = new Map(); // box id -> class
    const mark = (index, cls) => {
      if (index === undefined || index < 0) {
        return;
      }
      const box = this.rep[index];
      if (box && !marks.has(box)) {
        marks.set(box, cls);
      }
    };
    const [kind, key] = [this.highlight.slice(0, 1), this.highlight.slice(2)];
    if (kind === "c" && this.data.concepts && this.data.concepts[Number(key)]) {
      const concept = this.data.concepts[Number(key)];
      concept.definitions.forEach((m) => mark(this.byName.get(m), "hl-definition"));
      concept.paths.forEach((m) => mark(this.byName.get(m), "hl-path"));
      concept.importers.forEach((p) => mark(this.byPath.get(p), "hl-importer"));
    } else if (kind === "e" && this.graph.closures && this.graph.closures[key]) {
      const closure = this.graph.closures[key];
      mark(closure[0], "hl-entry");
      closure.forEach((i) => mark(i, "hl-closure"));
    }
    marks.forEach((cls, box) => {
      this.cy.getElementById(box).addClass(cls);
      // an open box's own module is marked on the box too, so the colour shows from afar
      if (box.startsWith("o")) {
        this.cy.getElementById(`n${box.slice(1)}`).addClass(cls);
      }
    });
  }
}

const STYLE = [
  {
    selector: "node",
    style: {
      shape: "round-rectangle",
      label: "data(label)",
      "text-wrap": "wrap",
      "text-valign": "center",
      "text-halign": "center",
      "font-size": 11,
      "font-family": "system-ui, sans-serif",
      color: "#212121",
      "background-color": "#e3f2fd",
      "border-color": "#1565c0",
      "border-width": 1,
      width: "data(w)",
      height: "data(h)",
    },
  },
  { selector: "node.closed", style: { "border-width": 2, "background-color": "#bbdefb" } },
  { selector: "node.leaf", style: { "background-color": "#ffffff", "border-color": "#90a4ae" } },
  { selector: "node.own", style: { "border-style": "dashed" } },
  { selector: "node.more", style: { "background-color": "#fafafa", "border-color": "#bdbdbd", color: "#616161" } },
  {
    selector: "node.open",
    style: {
      "background-color": "#f5f7f9",
      "background-opacity": 0.6,
      "border-style": "dashed",
      "border-color": "#78909c",
      "text-valign": "top",
      "text-halign": "center",
      "font-weight": "bold",
      padding: "14px",
    },
  },
  { selector: "node.hl-definition", style: { "background-color": "#1565c0", color: "#ffffff", "border-color": "#0d47a1" } },
  { selector: "node.hl-path", style: { "background-color": "#ffe082", "border-color": "#ff8f00" } },
  { selector: "node.hl-importer", style: { "background-color": "#c8e6c9", "border-color": "#2e7d32" } },
  { selector: "node.hl-closure", style: { "background-color": "#d1c4e9", "border-color": "#4527a0" } },
  { selector: "node.hl-entry", style: { "background-color": "#4527a0", color: "#ffffff", "border-width": 3 } },
  { selector: "node:selected", style: { "border-color": "#ff6f00", "border-width": 3 } },
  {
    selector: "edge",
    style: {
      width: "data(width)",
      "curve-style": "bezier",
      "line-color": "#90a4ae",
      "target-arrow-color": "#90a4ae",
      "target-arrow-shape": "triangle",
      "arrow-scale": 0.8,
      label: "data(label)",
      "font-size": 9,
      color: "#455a64",
      "text-background-color": "#ffffff",
      "text-background-opacity": 0.85,
      "text-background-padding": "1px",
    },
  },
  { selector: "edge.against", style: { "line-color": "#c62828", "target-arrow-color": "#c62828", color: "#b71c1c" } },
  { selector: "edge.selected", style: { "line-color": "#ff6f00", "target-arrow-color": "#ff6f00", "z-index": 10 } },
];
