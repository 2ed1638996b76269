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
 *  - input[data-typeahead]: the arrow keys move a highlight through the [role=option] entries of
 *    the element with that id; Enter chooses the highlighted entry (clicks it) and nothing else, so
 *    Enter never picks the first match unseen; Escape clears the highlight.
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

  function typeaheadOptions(input) {
    var list = document.getElementById(input.dataset.typeahead);
    return list ? Array.prototype.slice.call(list.querySelectorAll("[role=option]")) : [];
  }

  function highlight(input, options, index) {
    options.forEach(function (option, i) {
      var on = i === index;
      option.classList.toggle("active", on);
      option.setAttribute("aria-selected", on ? "true" : "false");
      if (on) {
        input.setAttribute("aria-activedescendant", option.id);
        option.scrollIntoView({ block: "nearest" });
      }
    });
    if (index < 0) input.removeAttribute("aria-activedescendant");
  }

  document.addEventListener("keydown", function (event) {
    var input = event.target.closest && event.target.closest("input[data-typeahead]");
    if (!input) return;
    var options = typeaheadOptions(input);
    var current = options.findIndex(function (option) {
      return option.classList.contains("active");
    });
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (!options.length) return;
      var step = event.key === "ArrowDown" ? 1 : -1;
      var next = current < 0 ? (step > 0 ? 0 : options.length - 1) : (current + step + options.length) % options.length;
      highlight(input, options, next);
    } else if (event.key === "Enter") {
      event.preventDefault();
      if (current >= 0) options[current].click();
    } else if (event.key === "Escape") {
      highlight(input, options, -1);
    }
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
