/* Behaviour every page shares, kept out of the HTML so the Content-Security-Policy can
 * forbid inline scripts and handler attributes.
 * 1. A <select data-autosubmit> sends its form as soon as another option is chosen (the
 *    language in the footer, the campaign above a list); without JavaScript the <noscript>
 *    button next to it does the same.
 * 2. The error summary of a form sent back with errors (includes/error_summary.html) takes
 *    the focus, so it is read out at once; each of its links moves the focus to its field
 *    and shows the field's label above it (GOV.UK Design System's error summary).
 * 3. The ☰ menu closes when the focus leaves it and on Escape, so it never covers the field
 *    the user tabbed to (WCAG 2.2, 2.4.11 Focus not obscured).
 * 4. A table too wide for the screen scrolls inside its .table-wrap: while it does, the
 *    wrapper can take the focus (and is a region named by the table's caption or heading),
 *    so a keyboard user can scroll it too (WCAG 2.1.1). */
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (select.matches && select.matches("select[data-autosubmit]") && select.form) {
      select.form.submit();
    }
  });

  var summary = document.querySelector("[data-error-summary]");
  if (summary) summary.focus();
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-error-summary] a[href^='#']");
    if (!link) return;
    var field = document.getElementById(link.getAttribute("href").slice(1));
    if (!field) return;
    event.preventDefault();
    var group = field.closest("fieldset, .field") || field;
    var label = group.querySelector("legend") || document.querySelector("label[for='" + field.id + "']");
    (label || group).scrollIntoView();
    field.focus({preventScroll: true});
  });

  var menu = document.querySelector("details.menu");
  if (menu) {
    var summaryButton = menu.querySelector("summary");
    menu.addEventListener("focusout", function (event) {
      if (menu.open && event.relatedTarget && !menu.contains(event.relatedTarget)) menu.open = false;
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && menu.open) {
        menu.open = false;
        summaryButton.focus();
      }
    });
    document.addEventListener("click", function (event) {
      if (menu.open && !menu.contains(event.target)) menu.open = false;
    });
  }

  function nameOf(wrap) {
    var caption = wrap.querySelector("caption");
    if (caption) return caption.textContent.trim();
    for (var node = wrap.previousElementSibling; node; node = node.previousElementSibling) {
      if (/^H[1-4]$/.test(node.tagName)) return node.textContent.trim();
    }
    var heading = document.querySelector("main h1");
    return heading ? heading.textContent.trim() : "";
  }
  function markScrollable() {
    document.querySelectorAll(".table-wrap").forEach(function (wrap) {
      if (wrap.scrollWidth > wrap.clientWidth + 1) {
        if (!wrap.hasAttribute("tabindex")) {
          wrap.setAttribute("tabindex", "0");
          wrap.setAttribute("role", "region");
          wrap.setAttribute("aria-label", nameOf(wrap));
          wrap.setAttribute("data-scrolls", "");
        }
      } else if (wrap.hasAttribute("data-scrolls")) {
        ["tabindex", "role", "aria-label", "data-scrolls"].forEach(function (name) {
          wrap.removeAttribute(name);
        });
      }
    });
  }
  markScrollable();
  window.addEventListener("load", markScrollable);
  window.addEventListener("resize", markScrollable);
})();

/* Quick entry without a signal (static/js/sw.js, offline-entry.js): every page registers
 * the service worker, so that a page asked for offline says a connection is needed. At
 * sign-out, cases still waiting on this phone are lost: the user is asked first, told how
 * many, and what the phone kept for offline use is removed with them. */
(function () {
  "use strict";
  if ("serviceWorker" in navigator && window.isSecureContext) {
    navigator.serviceWorker.register("/sw.js", {scope: "/"}).catch(function () {});
  }
  var signout = document.querySelector("form[data-signout]");
  if (!signout) return;
  signout.addEventListener("submit", function (event) {
    var user = signout.getAttribute("data-signout");
    var waiting = [];
    try { waiting = JSON.parse(localStorage.getItem("vneid-outbox:" + user) || "[]"); } catch (e) { waiting = []; }
    if (waiting.length) {
      var question = signout.getAttribute("data-confirm").replace("{count}", waiting.length.toLocaleString("vi-VN"));
      if (!window.confirm(question)) { event.preventDefault(); return; }
    }
    localStorage.removeItem("vneid-outbox:" + user);
    localStorage.removeItem("vneid-bundle:" + user);
    if (!navigator.serviceWorker || !navigator.serviceWorker.controller) return;
    event.preventDefault();
    var channel = new MessageChannel();
    var go = function () { signout.submit(); };
    channel.port1.onmessage = go;
    setTimeout(go, 1500);  // the worker did not answer: sign out all the same
    navigator.serviceWorker.controller.postMessage({type: "forget"}, [channel.port2]);
  });
})();
