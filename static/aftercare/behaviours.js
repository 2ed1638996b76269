/* The small behaviours of the pages, bound by data attributes (no inline script: the
 * Content-Security-Policy allows scripts from the app's own static files only).
 * Delegated from the document, so rows and fragments htmx swaps in behave alike.
 *  - select[data-submit-on-change]: submits its form when changed (the store switch).
 *  - form[data-confirm]: asks the text before submitting.
 *  - [data-print]: prints the page.
 *  - a[data-keep-search]: follows its link with the page's current query string.
 *  - input[data-output]: shows its value in the element with that id (a range's reading).
 *  - input[data-select-on-click]: selects its text when clicked (a link to copy).
 *  - [data-fill][data-value]: puts the value into the field with the id data-fill (a free slot).
 */
(function () {
  "use strict";

  document.addEventListener("change", function (event) {
    var select = event.target.closest("[data-submit-on-change]");
    if (select && select.form) select.form.submit();
  });

  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
  });

  document.addEventListener("input", function (event) {
    var input = event.target.closest("[data-output]");
    var output = input && document.getElementById(input.dataset.output);
    if (output) output.value = input.value;
  });

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (target.closest("[data-print]")) {
      window.print();
      return;
    }
    var link = target.closest("a[data-keep-search]");
    if (link) {
      link.search = window.location.search;
      return;
    }
    var copy = target.closest("[data-select-on-click]");
    if (copy) {
      copy.select();
      return;
    }
    var fill = target.closest("[data-fill]");
    var field = fill && document.getElementById(fill.dataset.fill);
    if (field) field.value = fill.dataset.value;
  });
})();
