// A job's page: fetch its status every two seconds until it has finished.
(function () {
  var box = document.getElementById("job-status");
  if (!box) return;
  function finished() {
    var card = box.querySelector("[data-finished]");
    return card && card.getAttribute("data-finished") === "1";
  }
  function poll() {
    if (finished()) return;
    fetch(box.getAttribute("data-url"), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) { box.innerHTML = html; })
      .catch(function () {})
      .then(function () { setTimeout(poll, 2000); });
  }
  setTimeout(poll, 2000);
})();
