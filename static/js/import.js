/* While an upload or a confirm is being processed (it can take a few seconds for a large
   workbook), disable the button and show the progress element, so nobody submits twice. */
(function () {
  document.querySelectorAll("form[data-busy]").forEach(function (form) {
    form.addEventListener("submit", function () {
      var busy = document.getElementById(form.getAttribute("data-busy"));
      if (busy) { busy.hidden = false; }
      form.querySelectorAll("button[type=submit]").forEach(function (button) {
        button.disabled = true;
      });
    });
  });
})();
