/* The customer's rescue page (docs/DOMAIN.md §25.2): a button[data-geolocate] asks the browser
 * for the phone's position (the customer grants it) and fills the hidden fields named by
 * data-lat / data-lon; the element data-out says whether it worked. No inline script (CSP). */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-geolocate]");
    if (!button) return;
    var out = document.getElementById(button.dataset.out);
    if (!navigator.geolocation) {
      if (out) out.textContent = out.dataset.denied;
      return;
    }
    navigator.geolocation.getCurrentPosition(
      function (position) {
        document.getElementById(button.dataset.lat).value = position.coords.latitude.toFixed(6);
        document.getElementById(button.dataset.lon).value = position.coords.longitude.toFixed(6);
        if (out) out.textContent = out.dataset.ok + " (" + position.coords.latitude.toFixed(5) + ", " + position.coords.longitude.toFixed(5) + ")";
      },
      function () {
        if (out) out.textContent = out.dataset.denied;
      },
      { enableHighAccuracy: true, timeout: 10000 }
    );
  });
})();
