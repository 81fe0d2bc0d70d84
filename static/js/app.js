// TenantAtlas: the little behaviour the pages need, kept out of the HTML so the
// Content-Security-Policy can refuse every inline script and handler.
(function () {
  "use strict";

  // Switching tenant keeps the section: Drift in Contoso → Drift in Fabrikam.
  // Only the section, never an object id (another tenant's id would be a 403).
  var SECTION = /^\/t\/[^/]+\/(monitoring\/operations|inventory|drift|backups|notifications)\//;
  function switchTenant(event) {
    var target = event.target.value;
    if (!target) return;
    var match = window.location.pathname.match(SECTION);
    window.location = target + (match ? match[1] + "/" : "");
  }

  function toggleNav(event) {
    var button = event.currentTarget;
    var open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", String(open));
    document.getElementById("topbar").classList.toggle("open", open);
  }

  function selectAll(event) {
    var name = event.target.getAttribute("data-select-all");
    document.querySelectorAll('input[name="' + name + '"]').forEach(function (box) {
      box.checked = event.target.checked;
    });
  }

  // "3 min ago" on the hub; the absolute time stays in the tooltip.
  function relative(date, now) {
    var seconds = Math.round((now - date) / 1000);
    if (seconds < 45) return "just now";
    var minutes = Math.round(seconds / 60);
    if (minutes < 60) return minutes + " min ago";
    var hours = Math.round(minutes / 60);
    if (hours < 24) return hours + " h ago";
    var days = Math.round(hours / 24);
    return days < 31 ? days + " d ago" : null;
  }

  function relativeTimes(root) {
    var now = Date.now();
    root.querySelectorAll("time[data-relative]").forEach(function (el) {
      var text = relative(new Date(el.getAttribute("datetime")), now);
      if (text) el.textContent = text;
    });
  }

  // Back/forward: the filter controls say what the URL says, not what the
  // browser remembered typing before the page was left.
  function syncFormsToUrl() {
    var params = new URLSearchParams(window.location.search);
    document.querySelectorAll("form[data-sync-url]").forEach(function (form) {
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!el.name || el.type === "submit" || el.type === "button") return;
        el.value = params.get(el.name) || "";
      });
    });
  }

  // Preferences: offer the browser's own zone when the list knows it.
  function offerBrowserZone(button) {
    var select = document.getElementById(button.getAttribute("data-browser-zone"));
    var zone = window.Intl && Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (!select || !zone || !select.querySelector('option[value="' + zone + '"]')) return;
    button.textContent = "Use this browser's zone (" + zone + ")";
    button.hidden = false;
    button.addEventListener("click", function () { select.value = zone; });
  }

  function bind(root) {
    root.querySelectorAll("[data-tenant-switcher]").forEach(function (el) {
      el.addEventListener("change", switchTenant);
    });
    root.querySelectorAll("[data-nav-toggle]").forEach(function (el) {
      el.addEventListener("click", toggleNav);
    });
    root.querySelectorAll("[data-select-all]").forEach(function (el) {
      el.addEventListener("change", selectAll);
    });
    root.querySelectorAll("[data-browser-zone]").forEach(offerBrowserZone);
    relativeTimes(root);
  }

  document.addEventListener("DOMContentLoaded", function () {
    bind(document);
    syncFormsToUrl();
  });
  // A page restored from the back/forward cache shows what it showed when it
  // was left (a Drift page without the run started since): fetch it afresh.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) window.location.reload();
    else syncFormsToUrl();
  });
  document.addEventListener("htmx:load", function (event) {
    relativeTimes(event.detail.elt);
  });
})();
