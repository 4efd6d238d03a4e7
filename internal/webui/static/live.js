// Live updates of the notes page: follows GET /notes/events (the session
// cookie goes with it, same origin) and puts notes created elsewhere (the
// API, another tab) in the list, changes updated ones and removes deleted
// ones. Without it the page works as before: it shows what it was served.
"use strict";
(() => {
  if (!window.EventSource) {
    return;
  }
  const section = document.getElementById("notes-section");
  if (!section) {
    return;
  }

  const pad = (n) => String(n).padStart(2, "0");
  // The server's format: 2006-01-02 15:04 UTC.
  const when = (iso) => {
    const d = new Date(iso);
    return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} UTC`;
  };
  const el = (tag, props) => Object.assign(document.createElement(tag), props);

  const list = () => {
    let ul = document.getElementById("notes");
    if (!ul) {
      ul = el("ul", { className: "notes", id: "notes" });
      section.appendChild(ul);
    }
    return ul;
  };
  const showEmpty = () => {
    const empty = document.getElementById("empty");
    const ul = document.getElementById("notes");
    if (empty) {
      empty.hidden = Boolean(ul && ul.children.length > 0);
    }
  };

  // fill sets li's content from note, as the page's template does; text
  // goes in as text, never as markup.
  const fill = (li, note) => {
    li.replaceChildren(el("h3", { textContent: note.title }));
    if (note.body) {
      li.appendChild(el("p", { textContent: note.body }));
    }
    li.appendChild(el("small", { textContent: when(note.created_at) }));
    const form = el("form", { method: "post", action: `/ui/notes/${note.id}/delete`, className: "delete" });
    form.appendChild(el("button", { type: "submit", textContent: "Delete" }));
    li.appendChild(form);
  };

  const events = new EventSource("/notes/events");
  events.addEventListener("open", () => {
    document.body.dataset.live = "open";
  });
  events.addEventListener("error", () => {
    document.body.dataset.live = events.readyState === EventSource.CLOSED ? "closed" : "retrying";
  });
  const parse = (e) => {
    try {
      return JSON.parse(e.data);
    } catch {
      return null;
    }
  };
  events.addEventListener("created", (e) => {
    const d = parse(e);
    if (!d || !d.note || document.getElementById(`note-${d.id}`)) {
      return;
    }
    const li = el("li", { className: "note", id: `note-${d.id}` });
    fill(li, d.note);
    list().prepend(li); // newest first, as the page lists them
    showEmpty();
  });
  events.addEventListener("updated", (e) => {
    const d = parse(e);
    const li = d && d.note && document.getElementById(`note-${d.id}`);
    if (li) {
      fill(li, d.note);
    }
  });
  events.addEventListener("deleted", (e) => {
    const d = parse(e);
    const li = d && document.getElementById(`note-${d.id}`);
    if (li) {
      li.remove();
      showEmpty();
    }
  });
})();
