// A job's page: fetch its status every two seconds until it has finished; then, if the job
// says so, go on to its result.
(function () {
  var box = document.getElementById("job-status");
  if (!box) return;
  function finished() {
    var card = box.querySelector("[data-finished]");
    return card && card.getAttribute("data-finished") === "1";
  }
  function forward() {
    // A job whose result is a page of its own (the import's preview) leads there when done.
    var card = box.querySelector("[data-forward]");
    if (card) window.location.assign(card.getAttribute("data-forward"));
    return !!card;
  }
  function poll() {
    if (forward() || finished()) return;
    fetch(box.getAttribute("data-url"), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) { box.innerHTML = html; })
      .catch(function () {})
      .then(function () { setTimeout(poll, 2000); });
  }
  if (!forward()) setTimeout(poll, 2000);
})();
