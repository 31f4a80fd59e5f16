// Sorting, filtering and facets of the page's tables (<table class="data">). The rows are
// rendered by archguard in HTML; this only hides and reorders them, and keeps the view in the URL.
//
// - a heading click sorts (numbers as numbers), again reverses;
// - the box above a table filters on any cell's text;
// - a <select class="facet" data-facet="code"> keeps rows whose data-code is the chosen value
//   (data-owner holds a row's owners, one per line: a row matches when one of them is chosen).

const COLLATOR = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

function rowsOf(table) {
  return Array.from(table.tBodies[0].rows);
}

function matchesFacet(row, facet, value) {
  const held = row.dataset[facet];
  if (held === undefined) {
    return false;
  }
  if (facet === "owner") {
    const owners = held ? held.split("\n") : [];
    return value === "(none)" ? owners.length === 0 : owners.includes(value);
  }
  return held === value;
}

export class Tables {
  constructor(state) {
    this.state = state;
    this.listeners = [];
    document.querySelectorAll("input.filter").forEach((input) => {
      input.addEventListener("input", () => {
        this.state.set("filter", input.dataset.table, input.value);
        this.apply(input.dataset.table);
      });
    });
    document.querySelectorAll("select.facet").forEach((select) => {
      select.addEventListener("change", () => {
        this.state.set(select.dataset.facet, select.dataset.table, select.value);
        this.apply(select.dataset.table);
      });
    });
    document.querySelectorAll("table.data th").forEach((th) => {
      th.addEventListener("click", () => {
        const key = th.closest("table").id.slice(6);
        const descending = th.classList.contains("asc");
        this.sort(key, Number(th.dataset.col), descending);
        this.state.set("sort", key, `${th.dataset.col}${descending ? "-desc" : ""}`);
      });
    });
    this.restore();
    window.addEventListener("hashchange", () => {
      // A link inside the page (the golden path's "+N more") sets a view: take it, go there.
      const parts = this.state.reread();
      if (parts.length) {
        this.restore();
        const section = document.getElementById(parts[0].where) || document.getElementById(`table-${parts[0].where}`);
        if (section) {
          section.scrollIntoView();
        }
      }
    });
  }

  // The view the URL names: filters, facets and sort orders.
  restore() {
    const touched = new Set();
    this.state.values.forEach((value, key) => {
      const [what, where] = key.split(":");
      if (what === "sort") {
        const match = /^(\d+)(-desc)?$/.exec(value);
        if (match) {
          this.sort(where, Number(match[1]), Boolean(match[2]));
        }
        return;
      }
      const control =
        what === "filter"
          ? document.querySelector(`input.filter[data-table="${where}"]`)
          : document.querySelector(`select.facet[data-table="${where}"][data-facet="${what}"]`);
      if (control) {
        if (control.tagName === "SELECT" && !Array.from(control.options).some((o) => o.value === value)) {
          control.add(new Option(value, value)); // a value this report does not hold: shows none
        }
        control.value = value;
        touched.add(where);
      }
    });
    touched.forEach((key) => this.apply(key));
  }

  apply(key) {
    const table = document.getElementById(`table-${key}`);
    if (!table) {
      return;
    }
    const input = document.querySelector(`input.filter[data-table="${key}"]`);
    const query = input ? input.value.trim().toLowerCase() : "";
    const facets = Array.from(document.querySelectorAll(`select.facet[data-table="${key}"]`))
      .filter((select) => select.value)
      .map((select) => [select.dataset.facet, select.value]);
    const rows = rowsOf(table);
    let shown = 0;
    rows.forEach((row) => {
      const hit =
        (!query || row.textContent.toLowerCase().includes(query)) &&
        facets.every(([facet, value]) => matchesFacet(row, facet, value));
      row.hidden = !hit;
      shown += hit ? 1 : 0;
    });
    const count = document.querySelector(`[data-count-for="${key}"]`);
    if (count) {
      count.textContent = `${shown} of ${rows.length} shown`;
    }
    this.listeners.forEach((listener) => listener(key));
  }

  sort(key, col, descending) {
    const table = document.getElementById(`table-${key}`);
    if (!table) {
      return;
    }
    const th = table.tHead.rows[0].cells[col];
    if (!th) {
      return;
    }
    const numeric = th.hasAttribute("data-numeric");
    const value = (row) => {
      const text = row.cells[col] ? row.cells[col].textContent.trim() : "";
      if (numeric) {
        const n = parseFloat(text.replace(/[^0-9.+-]/g, ""));
        return Number.isNaN(n) ? -Infinity : n;
      }
      return text;
    };
    const sorted = rowsOf(table).map((row, i) => [value(row), i, row]);
    sorted.sort((a, b) => {
      const order = numeric ? (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0) : COLLATOR.compare(a[0], b[0]);
      return (descending ? -order : order) || a[1] - b[1];
    });
    const body = table.tBodies[0];
    sorted.forEach((item) => body.appendChild(item[2]));
    Array.from(table.tHead.rows[0].cells).forEach((cell) => cell.classList.remove("asc", "desc"));
    th.classList.add(descending ? "desc" : "asc");
  }
}
