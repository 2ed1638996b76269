/* The walk-around damage map, plain JS (no build step). The customer's
 * signature uses the shared pad in signature.js.
 *  - [data-damage-map]: tap the car outline to mark damage; the marks go into the
 *    hidden input named by data-input as JSON [{x, y, kind, note}] with x, y in
 *    0-1 of the outline (viewBox 200 × 400).
 */
(function () {
  "use strict";

  var SVG_NS = "http://www.w3.org/2000/svg";
  var WIDTH = 200;
  var HEIGHT = 400;

  function initDamageMap(root) {
    if (root.dataset.ready) return;
    root.dataset.ready = "1";
    var svg = root.querySelector("svg[data-car-outline]");
    var layer = svg.querySelector("[data-marks]");
    var input = document.getElementById(root.dataset.input);
    var kindSelect = root.querySelector("[data-kind]");
    var noteInput = root.querySelector("[data-note]");
    var list = root.querySelector("[data-list]");
    var marks = [];
    try {
      marks = JSON.parse((input && input.value) || "[]") || [];
    } catch (error) {
      marks = [];
    }

    function label(kind) {
      var option = kindSelect && kindSelect.querySelector('option[value="' + kind + '"]');
      return option ? option.textContent : kind;
    }

    function render() {
      while (layer.firstChild) layer.removeChild(layer.firstChild);
      if (list) list.innerHTML = "";
      marks.forEach(function (mark, index) {
        var circle = document.createElementNS(SVG_NS, "circle");
        circle.setAttribute("class", "mark mark-" + mark.kind);
        circle.setAttribute("cx", mark.x * WIDTH);
        circle.setAttribute("cy", mark.y * HEIGHT);
        circle.setAttribute("r", 8);
        layer.appendChild(circle);
        var text = document.createElementNS(SVG_NS, "text");
        text.setAttribute("class", "mark-label");
        text.setAttribute("x", mark.x * WIDTH);
        text.setAttribute("y", mark.y * HEIGHT);
        text.textContent = String(index + 1);
        layer.appendChild(text);
        if (list) {
          var item = document.createElement("li");
          item.textContent = label(mark.kind) + (mark.note ? " · " + mark.note : "") + " ";
          var remove = document.createElement("button");
          remove.type = "button";
          remove.className = "btn btn-sm btn-link text-danger p-0";
          var cross = document.createElement("i");
          cross.className = "bi bi-x-lg";
          cross.setAttribute("aria-hidden", "true");
          remove.appendChild(cross);
          remove.setAttribute("aria-label", "remove");
          remove.addEventListener("click", function () {
            marks.splice(index, 1);
            render();
          });
          item.appendChild(remove);
          list.appendChild(item);
        }
      });
      if (input) input.value = JSON.stringify(marks);
    }

    svg.addEventListener("click", function (event) {
      var point = svg.createSVGPoint();
      point.x = event.clientX;
      point.y = event.clientY;
      var local = point.matrixTransform(svg.getScreenCTM().inverse());
      var x = Math.min(1, Math.max(0, local.x / WIDTH));
      var y = Math.min(1, Math.max(0, local.y / HEIGHT));
      marks.push({
        x: Math.round(x * 10000) / 10000,
        y: Math.round(y * 10000) / 10000,
        kind: kindSelect ? kindSelect.value : "other",
        note: noteInput ? noteInput.value.trim() : "",
      });
      if (noteInput) noteInput.value = "";
      render();
    });
    render();
  }

  function init(scope) {
    (scope || document).querySelectorAll("[data-damage-map]").forEach(initDamageMap);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { init(); });
  } else {
    init();
  }
  document.addEventListener("htmx:load", function (event) { init(event.target); });
})();
