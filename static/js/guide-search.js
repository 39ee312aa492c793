/* The guide of a case chosen by search (dashboards.guides): as the user types a name or an
 * ID number, ask the server for the matching members they may record cases for, and let them
 * pick one. Without this script the typed text is sent and the server picks the one member
 * it names. No inline script or style: the page's Content-Security-Policy allows none. */
(function () {
  "use strict";
  var boxes = document.querySelectorAll("[data-guide-search]");
  Array.prototype.forEach.call(boxes, function (box) {
    var url = box.getAttribute("data-guide-search");
    var query = box.querySelector(".guide-query");
    var chosen = box.querySelector(".guide-chosen");
    var list = box.querySelector(".guide-results");
    var timer = null;
    var asked = 0;

    function close() {
      list.hidden = true;
      query.setAttribute("aria-expanded", "false");
    }

    function pick(item) {
      chosen.value = item.id;
      query.value = item.label;
      close();
    }

    function show(results) {
      list.textContent = "";
      results.forEach(function (item, index) {
        var li = document.createElement("li");
        li.setAttribute("role", "option");
        li.id = list.id + "-" + index;
        li.tabIndex = -1;
        li.textContent = item.label;
        li.addEventListener("mousedown", function (event) { event.preventDefault(); pick(item); });
        li.addEventListener("keydown", function (event) {
          if (event.key === "Enter") { event.preventDefault(); pick(item); query.focus(); }
          if (event.key === "ArrowDown" && li.nextSibling) { event.preventDefault(); li.nextSibling.focus(); }
          if (event.key === "ArrowUp") { event.preventDefault(); (li.previousSibling || query).focus(); }
          if (event.key === "Escape") { close(); query.focus(); }
        });
        list.appendChild(li);
      });
      list.hidden = results.length === 0;
      query.setAttribute("aria-expanded", results.length ? "true" : "false");
    }

    query.addEventListener("input", function () {
      chosen.value = "";  // the typed text no longer names the member picked before
      clearTimeout(timer);
      var text = query.value.trim();
      if (text.length < 2) { show([]); return; }
      timer = setTimeout(function () {
        var ticket = ++asked;
        // POSTed, never in the address: the text may be an ID number.
        var form = box.closest("form");
        var token = form && form.querySelector("[name=csrfmiddlewaretoken]");
        fetch(url, {
          method: "POST",
          credentials: "same-origin",
          headers: { "X-CSRFToken": token ? token.value : "" },
          body: new URLSearchParams({ q: text })
        })
          .then(function (response) { return response.ok ? response.json() : { results: [] }; })
          .then(function (data) { if (ticket === asked) show(data.results || []); })
          .catch(function () { show([]); });
      }, 200);
    });
    query.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" && list.firstChild && !list.hidden) {
        event.preventDefault();
        list.firstChild.focus();
      }
      if (event.key === "Escape") close();
    });
    query.addEventListener("blur", function () { setTimeout(close, 150); });
  });
})();
