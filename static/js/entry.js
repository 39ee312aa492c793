/* Data entry helpers, no dependencies.
 * 1. While an ID number is typed, ask the server (POST, scoped to the user's units) whether
 *    that resident is already recorded and who guides them, and say so under the field: a
 *    warning, never a refusal (a double claim is data).
 * 2. Keep the e-ID level and the activation date together: choosing "not activated yet"
 *    clears the date; choosing a level with no date fills in today.
 * Texts come from data-* attributes the server rendered in the user's language. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-lookup]");
  if (!form) return;
  var url = form.getAttribute("data-lookup");
  var token = form.querySelector("input[name=csrfmiddlewaretoken]");
  var text = function (key) { return form.getAttribute("data-msg-" + key) || ""; };
  var fill = function (template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) { return values[key] != null ? values[key] : ""; });
  };

  function scopeOf(input) { return input.closest("tr") || form; }

  function outputFor(input) {
    var id = input.id + "-lookup";
    var out = document.getElementById(id);
    if (!out) {
      out = document.createElement("p");
      out.id = id;
      out.className = "lookup";
      out.setAttribute("aria-live", "polite");
      input.insertAdjacentElement("afterend", out);
    }
    return out;
  }

  function show(input, answer) {
    var out = outputFor(input);
    out.textContent = "";
    out.className = "lookup";
    if (!answer) return;
    if (!answer.valid) { out.className += " bad"; out.textContent = answer.error; return; }
    var lines = [];
    if (answer.resident) {
      lines.push(fill(text("known"), {name: answer.resident.full_name}));
      var nameInput = scopeOf(input).querySelector("input[name$=full_name]");
      if (nameInput && !nameInput.value) nameInput.value = answer.resident.full_name;
    } else if (answer.exists) {
      lines.push(text("exists"));
    }
    if (answer.guides && answer.guides.length) {
      lines.push(fill(text("guides"), {guides: answer.guides.map(function (g) {
        return g.name + " (" + g.unit + ")"; }).join(", ")}));
    }
    if (answer.other_guides) lines.push(fill(text("others"), {count: answer.other_guides}));
    if (answer.on_roster) lines.push(text("roster"));
    (answer.warnings || []).forEach(function (w) { lines.push(w); });
    if (!answer.exists) {
      out.className += answer.warnings && answer.warnings.length ? " known" : " new";
      lines.unshift(text("new"));
    } else {
      out.className += " known";
    }
    out.textContent = lines.join(" ");
  }

  var timers = new WeakMap();
  function lookup(input) {
    var digits = input.value.replace(/\D/g, "");
    if (digits.length < 11) { show(input, null); return; }
    var body = new URLSearchParams({id_number: input.value});
    fetch(url, {
      method: "POST", body: body, credentials: "same-origin",
      headers: {"X-CSRFToken": token ? token.value : "", "X-Requested-With": "fetch"}
    }).then(function (r) { return r.ok ? r.json() : null; })
      .then(function (answer) { if (input.value.replace(/\D/g, "") === digits) show(input, answer); })
      .catch(function () { /* offline or slow: the server checks again on save */ });
  }

  form.addEventListener("input", function (event) {
    var input = event.target;
    if (!input.classList || !input.classList.contains("id-number")) return;
    clearTimeout(timers.get(input));
    timers.set(input, setTimeout(function () { lookup(input); }, 300));
  });

  function today() {
    var d = new Date();
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    return pad(d.getDate()) + "/" + pad(d.getMonth() + 1) + "/" + d.getFullYear();
  }
  form.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.name || !/eid_level$/.test(input.name)) return;
    var date = scopeOf(input).querySelector("input[name$=activated_on]");
    if (!date) return;
    if (!input.value || input.value === "none") date.value = "";
    else if (!date.value) date.value = today();
  });
})();
