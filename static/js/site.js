/* Behaviour every page shares, kept out of the HTML so the Content-Security-Policy can
 * forbid inline scripts and handler attributes.
 * A <select data-autosubmit> sends its form as soon as another option is chosen (the
 * language in the footer, the campaign above a list); without JavaScript the <noscript>
 * button next to it does the same. */
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (select.matches && select.matches("select[data-autosubmit]") && select.form) {
      select.form.submit();
    }
  });
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
