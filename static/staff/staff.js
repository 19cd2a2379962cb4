// creditdesk staff UI: small progressive enhancements. Every page works without this file; with it, destructive
// buttons ask first, the payment method form shows only the fields of the chosen type, imports show live progress,
// a new API key or secret can be copied with one click, long checkbox lists can be ticked or cleared at once,
// "/" focuses the search box, and the customer page shows one section at a time as tabs.
(function () {
  "use strict";

  function onReady(callback) {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", callback);
    } else {
      callback();
    }
  }

  // <form data-confirm="Archive this customer?"> asks before submitting.
  function confirmForms() {
    document.addEventListener("submit", function (event) {
      var message = event.target.getAttribute("data-confirm");
      if (message && !window.confirm(message)) {
        event.preventDefault();
      }
    });
  }

  // <fieldset data-show-when="card"> is shown only while the radio named by data-switch has that value.
  function typeSwitches() {
    document.querySelectorAll("[data-switch]").forEach(function (form) {
      var name = form.getAttribute("data-switch");
      var update = function () {
        var checked = form.querySelector('input[name="' + name + '"]:checked');
        var value = checked ? checked.value : "";
        form.querySelectorAll("[data-show-when]").forEach(function (section) {
          section.hidden = section.getAttribute("data-show-when") !== value;
        });
      };
      form.addEventListener("change", update);
      update();
    });
  }

  // <section data-import-status-url="..."> polls the import's JSON status until it is finished, then reloads to
  // show the final report rendered by the server.
  function importProgress() {
    var section = document.querySelector("[data-import-status-url]");
    if (!section) {
      return;
    }
    var url = section.getAttribute("data-import-status-url");
    var bar = section.querySelector("progress");
    var percent = section.querySelector("[data-percent]");
    var counts = section.querySelector("[data-counts]");
    var status = section.querySelector("[data-status]");
    var live = section.querySelector("[data-live]");
    var announced = -1;

    function count(value) {
      return Number(value).toLocaleString("en-US");
    }

    function render(data) {
      bar.value = data.percent;
      bar.textContent = data.percent + " %";
      percent.textContent = data.percent + " %";
      counts.textContent = count(data.processed_rows) + " of " + count(data.total_rows) + " rows · " +
        count(data.created_count) + " imported · " + count(data.error_count) + " with errors";
      status.textContent = data.outcome_label;
      status.className = "badge badge--" + data.outcome;
      // Screen readers hear every quarter, not every tick.
      var quarter = Math.floor(data.percent / 25);
      if (quarter !== announced) {
        announced = quarter;
        live.textContent = "Import " + data.percent + " percent done.";
      }
    }

    function poll() {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
        .then(function (response) {
          if (!response.ok) {
            throw new Error("status " + response.status);
          }
          return response.json();
        })
        .then(function (data) {
          render(data);
          if (data.finished) {
            window.setTimeout(function () { window.location.reload(); }, 600);
          } else {
            window.setTimeout(poll, 700);
          }
        })
        .catch(function () {
          // A blip (deploy, network): keep trying, more slowly.
          window.setTimeout(poll, 3000);
        });
    }
    poll();
  }

  // <button data-copy="#id"> copies the text of the element it names.
  function copyButtons() {
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      button.addEventListener("click", function () {
        var target = document.querySelector(button.getAttribute("data-copy"));
        var done = function () { button.textContent = "Copied"; };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(target.textContent.trim()).then(done, function () { selectText(target); });
        } else {
          selectText(target);
        }
      });
    });
  }

  // <button data-check-all="name"> / <button data-check-none="name"> tick or clear every checkbox of that name.
  // They start hidden, since they do nothing without this script.
  function checkAllButtons() {
    document.querySelectorAll("[data-check-all], [data-check-none]").forEach(function (button) {
      var name = button.getAttribute("data-check-all") || button.getAttribute("data-check-none");
      var checked = button.hasAttribute("data-check-all");
      button.hidden = false;
      button.addEventListener("click", function () {
        button.form.querySelectorAll('input[type="checkbox"][name="' + name + '"]').forEach(function (box) {
          box.checked = checked;
        });
      });
    });
  }

  // "/" anywhere but in a field focuses the page's search box, or opens the customer list with its box focused
  // (the link marked data-search-page); a link to "…#id_search" lands in the box, not just near it.
  function searchShortcut() {
    var focusTarget = function () {
      var target = window.location.hash && document.getElementById(window.location.hash.slice(1));
      if (target && target.matches("input, select, textarea")) {
        target.focus();
        target.select && target.select();
      }
    };
    focusTarget();
    window.addEventListener("hashchange", focusTarget);
    document.addEventListener("keydown", function (event) {
      if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) {
        return;
      }
      var active = document.activeElement;
      if (active && (active.isContentEditable || active.matches("input, select, textarea"))) {
        return;
      }
      var box = document.querySelector('input[type="search"]');
      event.preventDefault();
      if (box) {
        box.focus();
        box.select();
      } else {
        var page = document.querySelector("a[data-search-page]");
        if (page) {
          window.location.href = page.getAttribute("href") + "#id_search";
        }
      }
    });
  }

  // <nav data-tabs> of links to the page's <section data-tab-panel> panels becomes ARIA tabs showing one panel at a
  // time (arrow keys, Home and End move between tabs). Without this script the links are anchors and every panel is
  // shown, one under the other. The address keeps the open tab (#tab-…); a link to anything inside a panel (after a
  // form, "#purchases") opens that panel and scrolls to it below the page's sticky summary.
  function tabs() {
    var nav = document.querySelector("[data-tabs]");
    if (!nav) {
      return;
    }
    var list = nav.querySelector("ul");
    var links = Array.prototype.slice.call(nav.querySelectorAll("a[data-tab]"));
    var panels = links.map(function (link) { return document.getElementById(link.getAttribute("data-tab")); });
    var summary = nav.closest("[data-testid=customer-summary]") || nav;
    list.setAttribute("role", "tablist");
    list.setAttribute("aria-label", nav.getAttribute("aria-label"));
    list.querySelectorAll("li").forEach(function (item) { item.setAttribute("role", "presentation"); });
    links.forEach(function (link, index) {
      link.setAttribute("role", "tab");
      link.setAttribute("aria-controls", panels[index].id);
      panels[index].setAttribute("role", "tabpanel");
      panels[index].setAttribute("tabindex", "0");
    });
    document.body.classList.add("has-tabs");

    function select(index, focus) {
      links.forEach(function (link, i) {
        var on = i === index;
        link.setAttribute("aria-selected", on ? "true" : "false");
        link.setAttribute("tabindex", on ? "0" : "-1");
        panels[i].hidden = !on;
      });
      if (focus) {
        links[index].focus();
      }
    }

    function open(index, focus) {
      select(index, focus);
      // A panel's start stays in view under the summary when the previous one was scrolled down.
      var above = panels[index].getBoundingClientRect().top - summary.getBoundingClientRect().bottom - 12;
      if (above < 0) {
        window.scrollBy(0, above);
      }
      if (window.history.replaceState) {
        window.history.replaceState(null, "", "#" + panels[index].id);
      }
    }

    // The panel holding the address's target (a panel or anything in one), scrolled to just below the summary.
    function fromHash() {
      var target = window.location.hash && document.getElementById(window.location.hash.slice(1));
      var panel = target && target.closest("[data-tab-panel]");
      var index = panel ? panels.indexOf(panel) : -1;
      select(index < 0 ? 0 : index, false);
      if (target && target !== panel && index >= 0) {
        var top = target.getBoundingClientRect().top + window.scrollY - summary.getBoundingClientRect().bottom - 12;
        window.scrollTo(0, Math.max(top, 0));
      } else if (panel) {
        window.scrollTo(0, 0);
      }
    }

    links.forEach(function (link, index) {
      link.addEventListener("click", function (event) {
        event.preventDefault();
        open(index, false);
      });
      link.addEventListener("keydown", function (event) {
        var next = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: links.length - 1 }[event.key];
        if (next === undefined) {
          return;
        }
        event.preventDefault();
        open((next + links.length) % links.length, true);
      });
    });
    window.addEventListener("hashchange", fromHash);
    fromHash();
  }

  function selectText(element) {
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  onReady(function () {
    confirmForms();
    typeSwitches();
    importProgress();
    copyButtons();
    checkAllButtons();
    searchShortcut();
    tabs();
  });
})();
