/* Progress while a workbook is sent and checked. On a slow link the upload itself is the long
   part, so the upload form is sent with XMLHttpRequest and the bar shows the share sent; then
   the bar turns indeterminate while the server reads and checks the file. Without JavaScript
   (or without XMLHttpRequest upload events) the form posts as usual. Every form marked
   data-busy also disables its buttons, so nobody submits twice. */
(function () {
  function showBusy(form) {
    var busy = document.getElementById(form.getAttribute("data-busy"));
    if (busy) { busy.hidden = false; }
    form.querySelectorAll("button[type=submit]").forEach(function (button) {
      button.disabled = true;
    });
    return busy;
  }

  function sendWithProgress(form, busy) {
    var bar = busy && busy.querySelector("progress");
    var label = busy && busy.querySelector("[data-progress-label]");
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action || window.location.href);
    xhr.upload.addEventListener("progress", function (event) {
      if (!event.lengthComputable || !bar) { return; }
      bar.max = event.total;
      bar.value = event.loaded;
      if (label) {
        label.textContent = label.getAttribute("data-sending") + " " +
          Math.round(100 * event.loaded / event.total) + "%";
      }
    });
    xhr.upload.addEventListener("load", function () {
      if (bar) { bar.removeAttribute("value"); }  // indeterminate: the server is checking
      if (label) { label.textContent = label.getAttribute("data-checking"); }
    });
    xhr.addEventListener("load", function () {
      if (xhr.responseURL && xhr.responseURL !== (form.action || window.location.href) &&
          xhr.status < 400) {
        window.location.assign(xhr.responseURL);  // the preview
      } else {
        showAnswer(form, xhr);  // the form again, with its errors
      }
    });
    xhr.addEventListener("error", function () { form.submit(); });
    xhr.send(new FormData(form));
  }

  // The page the server sent back (the form with its errors) takes the place of this page's
  // main part and title, and the focus goes to its error summary, as if the form had been
  // posted without script; writing the whole document anew would leave the focus on <body>.
  function showAnswer(form, xhr) {
    var answer = new DOMParser().parseFromString(xhr.responseText, "text/html");
    var main = answer.querySelector("main");
    if (!main) { window.location.reload(); return; }
    document.querySelector("main").replaceWith(main);
    document.title = answer.title;
    main.querySelectorAll("form[data-busy]").forEach(watch);
    var summary = main.querySelector("[data-error-summary]") || main.querySelector(".errorlist");
    if (summary) {
      if (!summary.hasAttribute("tabindex")) { summary.setAttribute("tabindex", "-1"); }
      summary.focus();
    }
  }

  function watch(form) {
    form.addEventListener("submit", function (event) {
      var busy = showBusy(form);
      if (form.enctype === "multipart/form-data" && window.FormData && window.XMLHttpRequest) {
        event.preventDefault();
        sendWithProgress(form, busy);
      }
    });
  }

  document.querySelectorAll("form[data-busy]").forEach(watch);
})();
