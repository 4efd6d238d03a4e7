// Starts Swagger UI with the configuration the server wrote into the page
// as JSON, so that the page needs no inline script.
"use strict";
(function () {
  var config = JSON.parse(document.getElementById("swagger-ui-config").textContent);
  config.dom_id = "#swagger-ui";
  config.presets = [SwaggerUIBundle.presets.apis];
  window.ui = SwaggerUIBundle(config);
})();
