// Payment entry: pick the account from the type-ahead, tick or type allocations, see what stays unallocated.
// Oldest due first is filled in as the amount is typed (the server allocates the same way when "oldest" is chosen).
(function () {
  "use strict";
  var form = document.getElementById("payment-form");
  if (!form) return;

  function cents(text) {
    var value = parseFloat(String(text || "").replace(/,/g, ""));
    return isNaN(value) ? 0 : Math.round(value * 100);
  }
  function money(c) { return (c / 100).toFixed(2); }
  function amount() { return cents(document.getElementById("id_amount").value); }
  function mode() {
    var checked = form.querySelector("input[name=allocation]:checked");
    return checked ? checked.value : "oldest";
  }
  function setMode(value) {
    var radio = form.querySelector("input[name=allocation][value=" + value + "]");
    if (radio) radio.checked = true;
  }
  function inputs() { return Array.prototype.slice.call(form.querySelectorAll(".alloc-input")); }
  function tickFor(input) { return form.querySelector(".alloc-tick[data-target='" + input.name + "']"); }

  function recalc() {
    var rest = document.getElementById("unallocated-rest");
    if (!rest) return;
    var used = 0;
    inputs().forEach(function (input) {
      used += cents(input.value);
      var tick = tickFor(input);
      if (tick) tick.checked = cents(input.value) > 0;
    });
    if (mode() === "none") used = 0;
    var left = amount() - used;
    rest.textContent = money(left);
    rest.classList.toggle("text-danger", left < 0);
  }

  function prefillOldest() {
    if (mode() !== "oldest") return;
    var remaining = amount();
    inputs().forEach(function (input) {
      var open = cents(tickFor(input).dataset.open);
      var take = Math.max(0, Math.min(open, remaining));
      input.value = take > 0 ? money(take) : "";
      remaining -= take;
    });
    recalc();
  }

  document.addEventListener("click", function (event) {
    var choice = event.target.closest("[data-account-code]");
    if (!choice) return;
    var field = document.getElementById("id_distributor");
    field.value = choice.dataset.accountCode;
    field.dispatchEvent(new Event("change", { bubbles: true }));
    var list = document.getElementById("account-choices");
    if (list) list.innerHTML = "";
  });

  form.addEventListener("change", function (event) {
    if (event.target.classList.contains("alloc-tick")) {
      var input = document.getElementById(event.target.dataset.target);
      if (event.target.checked) {
        var others = inputs().reduce(function (sum, i) { return i === input ? sum : sum + cents(i.value); }, 0);
        var open = cents(event.target.dataset.open);
        var left = amount() > 0 ? amount() - others : open;
        input.value = money(Math.max(0, Math.min(open, left)) || open);
      } else {
        input.value = "";
      }
      setMode("manual");
      recalc();
    } else if (event.target.name === "allocation") {
      if (mode() === "oldest") prefillOldest(); else recalc();
    }
  });

  form.addEventListener("input", function (event) {
    if (event.target.classList.contains("alloc-input")) {
      setMode("manual");
      recalc();
    } else if (event.target.id === "id_amount") {
      if (mode() === "oldest") prefillOldest(); else recalc();
    }
  });

  document.body.addEventListener("htmx:afterSettle", function () {
    if (mode() === "oldest") prefillOldest(); else recalc();
  });
  prefillOldest();
  recalc();
})();
