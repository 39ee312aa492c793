/* Quick entry where there is no signal.
 *
 * Online, the form is sent to the server as always. Offline (or when a waiting case is
 * corrected), a case is checked here as the server would (offline-checks.js) and kept on
 * the phone in a list "chờ gửi", with a key made here. The list is sent when the signal
 * comes back (and on "Gửi ngay"), in batches: each case is recorded or refused on its own;
 * a refused one stays with its reasons until it is corrected or deleted, a recorded one is
 * removed from the phone at once. A session that ended keeps the list until the user signs
 * in again. The service worker (sw.js) keeps the page and its bundle for offline use.
 * Texts come from the page (#offline-texts), in the user's language. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-offline-send]");
  var box = document.querySelector("[data-outbox]");
  if (!form || !box || !window.VNeIDChecks || !window.localStorage) return;
  var T = JSON.parse(document.getElementById("offline-texts").textContent);
  var fill = window.VNeIDChecks.fill;
  var user = form.getAttribute("data-offline-user");
  var STORE = "vneid-outbox:" + user;
  var BUNDLE = "vneid-bundle:" + user;
  var CHUNK = 50;
  var FIELDS = ["member", "activity", "id_number", "full_name", "activated_on", "guided_on", "phone", "place"];
  var bundle = null;
  var sending = null;
  var editing = null;
  var report = null;
  var signedOut = false;

  var el = function (name) { return box.querySelector("[data-outbox-" + name + "]"); };

  // --- The list kept on the phone ---------------------------------------------------------

  function load() {
    try { return JSON.parse(localStorage.getItem(STORE) || "[]"); } catch (e) { return []; }
  }

  function store(list) {
    if (list.length) localStorage.setItem(STORE, JSON.stringify(list));
    else localStorage.removeItem(STORE);
    render();
  }

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x < 16 ? "0" : "") + x.toString(16); }).join("");
    return [h.slice(0, 8), h.slice(8, 12), h.slice(12, 16), h.slice(16, 20), h.slice(20)].join("-");
  }

  // --- The bundle: guides, units, rules, messages (campaign/offline.py) -----------------

  function isJson(response) {
    return (response.headers.get("content-type") || "").indexOf("json") >= 0;
  }

  /* The session ended: a 401 (campaign/offline_views.py), the sign-in or second-factor page
   * a request was sent to, or the refused form of a session that changed (CSRF, 403). */
  function endedSession(response) {
    if (response.status === 401) return true;
    if (response.redirected && !isJson(response)) return true;
    return response.status === 403 && !isJson(response);
  }

  function keptBundle() {
    try { return JSON.parse(localStorage.getItem(BUNDLE) || "null"); } catch (e) { return null; }
  }

  /* The fresh bundle, or {signedOut: true}, or null when the network does not answer. */
  function fetchBundle() {
    return fetch(form.getAttribute("data-offline-bundle"), {
      credentials: "same-origin", headers: {"Accept": "application/json"}
    }).then(function (response) {
      if (endedSession(response)) return {signedOut: true};
      if (!response.ok || !isJson(response)) return null;
      return response.json().then(function (fresh) {
        if (String(fresh.user.id) !== String(user)) return {signedOut: true};  // another account
        bundle = fresh;
        var copy = Object.assign({}, fresh);
        delete copy.csrf_token;
        localStorage.setItem(BUNDLE, JSON.stringify(copy));
        return fresh;
      });
    }).catch(function () { return null; });
  }

  // --- The form ---------------------------------------------------------------------------

  function read() {
    var data = {};
    FIELDS.forEach(function (name) {
      var input = form.elements[name];
      data[name] = input ? input.value : "";
    });
    var level = form.querySelector("input[name=eid_level]:checked");
    data.eid_level = level ? level.value : "";
    data.portal_used = !!(form.elements.portal_used && form.elements.portal_used.checked);
    data.id_card_application = !!(form.elements.id_card_application && form.elements.id_card_application.checked);
    return data;
  }

  function write(data) {
    FIELDS.forEach(function (name) {
      if (form.elements[name]) form.elements[name].value = data[name] || "";
    });
    form.querySelectorAll("input[name=eid_level]").forEach(function (radio) {
      radio.checked = radio.value === data.eid_level;
    });
    if (form.elements.portal_used) form.elements.portal_used.checked = !!data.portal_used;
    if (form.elements.id_card_application) form.elements.id_card_application.checked = !!data.id_card_application;
  }

  function clearResident() {
    var keep = read();
    write({member: keep.member, activity: keep.activity, guided_on: keep.guided_on, place: keep.place});
    var lookup = document.getElementById("id_id_number-lookup");
    if (lookup) lookup.textContent = "";
  }

  function fieldBox(name) {
    var input = form.elements[name];
    if (!input) return null;
    if (input.length && !input.tagName) input = input[0];
    return input.closest(".field") || input.closest("label") || input;
  }

  function showErrors(errors, warnings) {
    form.querySelectorAll(".offline-error").forEach(function (node) { node.remove(); });
    form.querySelectorAll("[aria-invalid=true]").forEach(function (node) { node.removeAttribute("aria-invalid"); });
    var first = null;
    Object.keys(errors || {}).forEach(function (name) {
      var list = document.createElement("ul");
      list.className = "errorlist offline-error";
      list.id = "offline-error-" + name;
      (errors[name] || []).forEach(function (message) {
        var item = document.createElement("li");
        item.textContent = message;
        list.appendChild(item);
      });
      var anchor = name === "__all__" ? null : fieldBox(name);
      if (anchor) {
        anchor.insertAdjacentElement("afterend", list);
        var input = form.elements[name];
        if (input && input.tagName) {
          input.setAttribute("aria-invalid", "true");
          if (!first) first = input;
        } else if (input && input.length && !first) {
          first = input[0];
        }
      } else {
        form.insertBefore(list, form.firstChild.nextSibling);
      }
    });
    if (warnings && warnings.length) {
      var note = document.createElement("ul");
      note.className = "warnings offline-error";
      warnings.forEach(function (w) {
        var item = document.createElement("li");
        item.textContent = w;
        note.appendChild(item);
      });
      form.insertBefore(note, form.querySelector("button.primary"));
    }
    if (first) first.focus();
    return !!first || !!(errors && errors.__all__);
  }

  function guideName(id) {
    var option = form.elements.member && form.elements.member.querySelector("option[value='" + id + "']");
    return option ? option.textContent : "";
  }

  function keepOnPhone() {
    bundle = bundle || keptBundle();
    if (!bundle) {
      showErrors({__all__: [T.no_bundle]});
      return;
    }
    var data = read();
    var key = editing || uuid();
    data.key = key;
    var list = load();
    var result = window.VNeIDChecks.check(data, bundle, list);
    if (showErrors(result.errors, [])) return;
    delete data.key;
    var item = {
      key: key,
      campaign: form.getAttribute("data-offline-campaign"),
      member: data.member,
      id_number_clean: result.cleaned.id_number,
      fields: data,
      guide: guideName(data.member),
      status: "waiting",
      reasons: {},
      warnings: result.warnings,
      typed_at: new Date().toISOString()
    };
    var at = list.findIndex(function (c) { return c.key === key; });
    if (at >= 0) list[at] = item; else list.push(item);
    editing = null;
    report = {text: fill(T.kept_on_phone, {name: result.cleaned.full_name}), doubles: []};
    store(list);
    showErrors({}, result.warnings);
    clearResident();
    form.elements.id_number.focus();
    if (navigator.onLine) send();
  }

  form.addEventListener("submit", function (event) {
    if (!editing && navigator.onLine) return;  // online: the server's form, as always
    event.preventDefault();
    keepOnPhone();
  });

  // --- Sending ---------------------------------------------------------------------------

  function post(chunk, token) {
    return fetch(form.getAttribute("data-offline-send"), {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": token},
      body: JSON.stringify({
        key: uuid(),
        cases: chunk.map(function (c) { return Object.assign({key: c.key, campaign: c.campaign}, c.fields); })
      })
    }).then(function (response) {
      if (endedSession(response)) return {signedOut: true};
      if (!isJson(response)) throw new Error("server error " + response.status);
      return response.json().then(function (answer) {
        answer.ok = response.ok;
        return answer;
      });
    });
  }

  function settle(answer, tally) {
    var list = load();
    var byKey = {};
    list.forEach(function (c) { byKey[c.key] = c; });
    (answer.cases || []).forEach(function (a) {
      var item = byKey[a.key];
      if (!item) return;
      if (a.status === "refused") {
        item.status = "refused";
        item.reasons = a.errors;
        tally.refused += 1;
        return;
      }
      tally[a.status === "recorded" ? "recorded" : "already"] += 1;
      if (a.double_claim) tally.doubles.push(item.fields.full_name + ": " + a.double_claim);
      delete byKey[a.key];
    });
    store(list.filter(function (c) { return byKey[c.key]; }));
  }

  function summary(tally) {
    var lines = [];
    if (tally.recorded) lines.push(fill(T.sent, {count: tally.recorded}));
    if (tally.already) lines.push(fill(T.already, {count: tally.already}));
    if (tally.refused) lines.push(fill(T.refused, {count: tally.refused}));
    return lines.join(" ");
  }

  function send() {
    if (sending) return sending;
    var waiting = load().filter(function (c) { return c.status === "waiting"; });
    if (!waiting.length) return Promise.resolve();
    box.setAttribute("aria-busy", "true");
    el("result").textContent = T.sending;
    var tally = {recorded: 0, already: 0, refused: 0, doubles: []};
    sending = fetchBundle().then(function (fresh) {
      if (fresh && fresh.signedOut) { signedOut = true; return; }
      if (!fresh) throw new Error("offline");
      signedOut = false;
      var chunks = [];
      for (var i = 0; i < waiting.length; i += CHUNK) chunks.push(waiting.slice(i, i + CHUNK));
      return chunks.reduce(function (previous, chunk) {
        return previous.then(function (stop) {
          if (stop) return stop;
          return post(chunk, fresh.csrf_token).then(function (answer) {
            if (answer.signedOut) { signedOut = true; return true; }
            if (!answer.ok) { tally.batchError = answer.error; return true; }
            settle(answer, tally);
            return false;
          });
        });
      }, Promise.resolve(false));
    }).then(function () {
      var text = summary(tally);
      if (tally.batchError) text = (text ? text + " " : "") + tally.batchError;
      report = {text: text, doubles: tally.doubles};
    }, function () {
      report = {text: (summary(tally) + " " + T.not_sent).trim(), doubles: tally.doubles};
    }).then(function () {
      sending = null;
      box.removeAttribute("aria-busy");
      render();
    });
    return sending;
  }

  // --- What the user sees ----------------------------------------------------------------

  function reasonLines(item) {
    var lines = [];
    Object.keys(item.reasons || {}).forEach(function (field) {
      (item.reasons[field] || []).forEach(function (message) {
        lines.push(field === "__all__" || !T.labels[field] ? message : T.labels[field] + ": " + message);
      });
    });
    return lines;
  }

  function button(text, action, key) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "link";
    b.textContent = text;
    b.setAttribute("data-action", action);
    b.setAttribute("data-key", key);
    return b;
  }

  function render() {
    var list = load();
    var bytes = (localStorage.getItem(STORE) || "").length * 2;
    el("count").textContent = list.length.toLocaleString("vi-VN");
    el("kept").textContent = list.length
      ? fill(T.kept, {count: list.length.toLocaleString("vi-VN"),
                      size: (bytes / 1024).toLocaleString("vi-VN", {maximumFractionDigits: 1})})
      : T.nothing_kept;
    var signin = el("signin");
    signin.hidden = !(signedOut && list.length);
    if (signedOut) signin.querySelector("span").textContent = fill(T.signed_out, {count: list.length});
    var result = el("result");
    result.textContent = report ? report.text : "";
    var doubles = el("doubles");
    doubles.textContent = "";
    (report ? report.doubles : []).forEach(function (line) {
      var item = document.createElement("li");
      item.textContent = line;
      doubles.appendChild(item);
    });
    var ol = el("list");
    ol.textContent = "";
    list.forEach(function (c) {
      var li = document.createElement("li");
      li.className = "outbox-item " + c.status;
      li.setAttribute("data-key", c.key);
      var head = document.createElement("p");
      var name = document.createElement("strong");
      name.textContent = c.fields.full_name;
      head.appendChild(name);
      head.appendChild(document.createTextNode(" · " + c.id_number_clean + (c.guide ? " · " + c.guide : "")));
      li.appendChild(head);
      var state = document.createElement("p");
      state.className = "state";
      state.textContent = c.status === "refused" ? T.status_refused : T.status_waiting;
      li.appendChild(state);
      var reasons = reasonLines(c);
      if (reasons.length) {
        var ul = document.createElement("ul");
        ul.className = "errorlist";
        reasons.forEach(function (line) {
          var item = document.createElement("li");
          item.textContent = line;
          ul.appendChild(item);
        });
        li.appendChild(ul);
      }
      var actions = document.createElement("p");
      actions.className = "actions";
      actions.appendChild(button(T.edit, "edit", c.key));
      actions.appendChild(button(T.remove, "remove", c.key));
      li.appendChild(actions);
      ol.appendChild(li);
    });
    el("send").hidden = !list.some(function (c) { return c.status === "waiting"; });
    var details = el("details");
    details.hidden = !list.length;
    if (list.some(function (c) { return c.status === "refused"; })) details.open = true;
    box.hidden = !list.length && !report && !signedOut;
    var status = document.querySelector("[data-offline-status]");
    if (status) status.hidden = navigator.onLine;
  }

  box.addEventListener("click", function (event) {
    var target = event.target.closest("button");
    if (!target) return;
    if (target.hasAttribute("data-outbox-send")) { send(); return; }
    var key = target.getAttribute("data-key");
    var list = load();
    var item = list.find(function (c) { return c.key === key; });
    if (!item) return;
    if (target.getAttribute("data-action") === "remove") {
      if (!window.confirm(fill(T.confirm_remove, {name: item.fields.full_name}))) return;
      store(list.filter(function (c) { return c.key !== key; }));
      if (editing === key) { editing = null; clearResident(); }
    } else if (target.getAttribute("data-action") === "edit") {
      editing = key;
      write(item.fields);
      showErrors(item.reasons || {}, []);
      if (!Object.keys(item.reasons || {}).length) form.elements.id_number.focus();
      form.scrollIntoView({block: "start"});
    }
  });

  window.addEventListener("online", function () { render(); send(); });
  window.addEventListener("offline", render);

  // --- The service worker: keep the page and what it needs while online ------------------

  function keepForOffline() {
    if (!("serviceWorker" in navigator) || !navigator.onLine) return;
    var assets = [];
    document.querySelectorAll("script[src], link[rel=stylesheet], link[rel=icon], link[rel=manifest]").forEach(function (node) {
      assets.push(node.src || node.href);
    });
    navigator.serviceWorker.ready.then(function (registration) {
      var channel = new MessageChannel();
      channel.port1.onmessage = function (event) {
        if (event.data && event.data.kept) document.documentElement.setAttribute("data-offline-ready", "");
      };
      registration.active.postMessage({type: "keep", assets: assets}, [channel.port2]);
    });
  }

  bundle = keptBundle();
  render();
  if (navigator.onLine) {
    fetchBundle().then(function (fresh) {
      if (fresh && fresh.signedOut) { signedOut = true; render(); return; }
      keepForOffline();
      send();
    });
  }
  setInterval(function () { if (navigator.onLine && !sending && !signedOut) send(); }, 20000);
})();
