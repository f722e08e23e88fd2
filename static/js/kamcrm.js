/* Behaviour every page shares, kept out of the markup so the Content-Security-Policy needs no inline script:
   data-confirm="question" asks before a button submits; data-autosubmit submits its form on change;
   a GET form with data-csrf="token" whose button posts (formmethod="post") sends the CSRF token with that POST
   only, so the token never lands in a GET URL (the statement form: PDF by GET, e-mail by POST). */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.dataset.confirm)) {
      event.preventDefault();
    }
  });
  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (!form.dataset || !form.dataset.csrf) {
      return;
    }
    const submitter = event.submitter;
    const method = ((submitter && submitter.getAttribute("formmethod")) || form.method || "get").toLowerCase();
    let token = form.querySelector("input[name=csrfmiddlewaretoken]");
    if (method === "post") {
      if (!token) {
        token = document.createElement("input");
        token.type = "hidden";
        token.name = "csrfmiddlewaretoken";
        form.appendChild(token);
      }
      token.value = form.dataset.csrf;
    } else if (token) {
      token.remove();
    }
  });
  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-autosubmit]") && event.target.form) {
      event.target.form.requestSubmit ? event.target.form.requestSubmit() : event.target.form.submit();
    }
  });
})();
