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
