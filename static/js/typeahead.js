/* The owner filter's type-ahead (issue 15): HTMX fills the datalist with matching owners as the user types; picking
   one puts its id in the hidden "owner" field before the form's change event refreshes the list. Clearing the text
   clears the filter. */
(function () {
  "use strict";
  document.addEventListener("input", function (event) {
    const input = event.target.closest("[data-typeahead]");
    if (!input) {
      return;
    }
    const hidden = input.form && input.form.querySelector("input[type=hidden][name=" + input.dataset.typeahead + "]");
    const list = input.list;
    if (!hidden || !list) {
      return;
    }
    const text = input.value.trim();
    if (!text) {
      hidden.value = "";
      return;
    }
    const match = Array.prototype.find.call(list.options, function (option) {
      return option.value === text;
    });
    hidden.value = match ? match.dataset.id : hidden.value;
  });
})();
