/* Plan form: show only the inputs the chosen spread and split need (all of them stay in the form). */
(function () {
  "use strict";
  const form = document.getElementById("plan-form");
  if (!form) { return; }
  function sync() {
    form.querySelectorAll("[data-show-when]").forEach(function (el) {
      const [name, value] = el.dataset.showWhen.split("=");
      el.hidden = form.elements[name].value !== value;
    });
  }
  form.addEventListener("change", sync);
  sync();
})();
