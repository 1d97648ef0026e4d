// Starts Swagger UI on /docs (a file, not an inline script, so the page's CSP needs no exception).
(function () {
  "use strict";
  const root = document.getElementById("swagger-ui");
  // validatorUrl null: no badge fetched from a third-party validator
  window.ui = SwaggerUIBundle({ url: root.dataset.openapi, dom_id: "#swagger-ui", validatorUrl: null, deepLinking: true });
})();
