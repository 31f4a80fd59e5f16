// archguard's index.html: the one script of the page, bundled with its libraries (js/build.mjs).
// Errors are counted on <body data-js-errors> so a headless test sees them; <body data-ready>
// says when the page is interactive (the load-time benchmark waits for it).

import { readGraph } from "./data.js";
import { Explorer } from "./explorer.js";
import { violationsByPlace } from "./imports.js";
import { setupMatrix } from "./matrix.js";
import { UrlState } from "./state.js";
import { Tables } from "./tables.js";

window.addEventListener("error", () => {
  const body = document.body;
  body.setAttribute("data-js-errors", String(Number(body.getAttribute("data-js-errors") || 0) + 1));
});

function pageData() {
  const holder = document.getElementById("report-data");
  const data = holder ? JSON.parse(holder.textContent) : {};
  data.import_graph = readGraph(data.import_graph);
  return data;
}

function setupExplorer(data, state, violations) {
  const container = document.getElementById("explorer");
  const panel = document.getElementById("explorer-info");
  if (!container || !data.import_graph) {
    return null;
  }
  const explorer = new Explorer(container, data, state, violations, panel);
  container.setAttribute("data-ready", String(Math.round(performance.now())));
  const search = document.getElementById("explorer-search");
  const results = document.getElementById("explorer-results");
  const run = () => {
    results.replaceChildren();
    const found = explorer.find(search.value);
    found.forEach((i) => {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = data.import_graph.nodes.names[i];
      button.addEventListener("click", () => explorer.reveal(i));
      results.append(button);
    });
    if (found.length) {
      explorer.reveal(found[0]);
    } else if (search.value.trim()) {
      results.textContent = "No module matches.";
    }
  };
  document.getElementById("explorer-find").addEventListener("click", run);
  search.addEventListener("keydown", (event) => event.key === "Enter" && run());
  const highlight = document.getElementById("explorer-highlight");
  highlight.addEventListener("change", () => explorer.setHighlight(highlight.value));
  const saved = state.get("highlight", "explorer");
  if (saved && Array.from(highlight.options).some((o) => o.value === saved)) {
    highlight.value = saved;
    explorer.setHighlight(saved);
  }
  document.getElementById("explorer-reset").addEventListener("click", () => {
    explorer.open.clear();
    explorer.render();
  });
  return explorer;
}

// Work for what the reader may never scroll to waits until it comes near the viewport: the
// diagrams (each an inline SVG kept in a <template> until then) and the explorer.
function whenNear(element, action) {
  if (!("IntersectionObserver" in window)) {
    action();
    return;
  }
  const observer = new IntersectionObserver(
    (entries) => {
      if (entries.some((entry) => entry.isIntersecting)) {
        observer.disconnect();
        action();
      }
    },
    { rootMargin: "600px 0px" },
  );
  observer.observe(element);
}

document.querySelectorAll("template.svg").forEach((template) => {
  whenNear(template.parentElement, () => template.replaceWith(template.content));
});

// A diagram fits the page's width; a click shows it at its own size (scroll to move), and back.
document.querySelectorAll(".diagram").forEach((diagram) => {
  diagram.addEventListener("click", (event) => {
    if (!event.target.closest("a")) {
      diagram.classList.toggle("natural");
    }
  });
});

performance.mark("archguard:start");
const state = new UrlState();
new Tables(state);
performance.mark("archguard:tables");
const data = pageData();
performance.mark("archguard:data");
const violations = violationsByPlace();
setupMatrix(data, state, violations);
performance.mark("archguard:matrix");
window.archguard = { explorer: null };
const explorerBox = document.getElementById("explorer");
if (explorerBox) {
  // built at once when the URL names an explorer view, else when the reader comes near it
  const build = () => {
    if (!window.archguard.explorer) {
      window.archguard.explorer = setupExplorer(data, state, violations);
      performance.mark("archguard:explorer");
    }
  };
  if (state.get("open", "explorer") || state.get("highlight", "explorer")) {
    build();
  } else {
    whenNear(explorerBox, build);
  }
}
document.body.setAttribute("data-ready", String(Math.round(performance.now())));
