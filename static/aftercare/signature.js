/* A signature pad in plain JS (no build step), shared by every page where the
 * customer signs (authorisation, check-in, delivery):
 *
 *   <div class="signature-pad" data-signature-pad data-input="id_signature">
 *     <canvas></canvas> <button type="button" data-clear>Clear</button>
 *   </div>
 *   <input type="hidden" name="signature" id="id_signature">
 *
 * The customer signs with a finger or stylus; the PNG data URL
 * ("data:image/png;base64,...") goes into the hidden input named by data-input,
 * which stays empty until something is drawn, so the server can refuse an
 * unsigned form.
 */
(function () {
  "use strict";

  function initSignaturePad(root) {
    if (root.dataset.ready) return;
    root.dataset.ready = "1";
    var canvas = root.querySelector("canvas");
    var input = document.getElementById(root.dataset.input);
    if (!canvas) return;
    var ctx = canvas.getContext("2d");
    var drawing = false;
    var signed = false;

    function resize() {
      var ratio = window.devicePixelRatio || 1;
      var rect = canvas.getBoundingClientRect();
      canvas.width = Math.max(1, rect.width * ratio);
      canvas.height = Math.max(1, rect.height * ratio);
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      ctx.lineWidth = 2.5;
      ctx.lineCap = "round";
      ctx.lineJoin = "round";
      ctx.strokeStyle = "#111";
      signed = false;
      if (input) input.value = "";
    }

    function point(event) {
      var rect = canvas.getBoundingClientRect();
      return { x: event.clientX - rect.left, y: event.clientY - rect.top };
    }

    canvas.addEventListener("pointerdown", function (event) {
      event.preventDefault();
      canvas.setPointerCapture(event.pointerId);
      drawing = true;
      var p = point(event);
      ctx.beginPath();
      ctx.moveTo(p.x, p.y);
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) return;
      var p = point(event);
      ctx.lineTo(p.x, p.y);
      ctx.stroke();
      signed = true;
    });
    function finish() {
      if (!drawing) return;
      drawing = false;
      if (signed && input) input.value = canvas.toDataURL("image/png");
    }
    canvas.addEventListener("pointerup", finish);
    canvas.addEventListener("pointercancel", finish);
    canvas.addEventListener("pointerleave", finish);

    var clear = root.querySelector("[data-clear]");
    if (clear) {
      clear.addEventListener("click", function () {
        ctx.clearRect(0, 0, canvas.width, canvas.height);
        signed = false;
        if (input) input.value = "";
      });
    }
    resize();
  }

  function initAll(scope) {
    (scope || document).querySelectorAll("[data-signature-pad]").forEach(initSignaturePad);
  }

  window.AfterCareSignature = { init: initAll };
  document.addEventListener("DOMContentLoaded", function () { initAll(document); });
  // Pads that arrive in an htmx fragment.
  document.addEventListener("htmx:load", function (event) { initAll(event.target); });
})();
