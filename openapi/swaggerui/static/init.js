// Starts Swagger UI with the configuration the server wrote into the page
// as JSON, so that the page needs no inline script.
//
// Swagger UI's persistAuthorization writes everything the Authorize dialog
// holds to localStorage.authorized: for the OAuth2 password flow that is
// the password, the client secret and the whole token answer, refresh
// token included. This page never lets that reach the browser's storage:
// with persistence off (the default) it removes any record an older page
// left; with it on, it keeps only what sends requests (an OAuth2 access
// token, an HTTP bearer token), never a password, a refresh token, a
// client secret or an API key, and cleans an older record the same way.
"use strict";
(function () {
  var config = JSON.parse(document.getElementById("swagger-ui-config").textContent);
  var KEY = "authorized";

  // tokenFields are the fields of an OAuth2 token answer worth keeping:
  // the access token and what says how to send it.
  var tokenFields = ["access_token", "token_type", "expires_in", "scope"];

  function has(o, k) { return Object.prototype.hasOwnProperty.call(o, k); }

  // sanitise returns the part of Swagger UI's authorization record that
  // may be stored: per scheme, its name, its schema and scopes, and its
  // access token.
  function sanitise(authorized) {
    var kept = {};
    if (!authorized || typeof authorized !== "object") return kept;
    Object.keys(authorized).forEach(function (name) {
      var a = authorized[name];
      var schema = a && a.schema;
      if (!schema || typeof schema !== "object") return;
      if (schema.type === "oauth2" && a.token && typeof a.token === "object") {
        var token = {};
        var fields = tokenFields.slice();
        var named = schema["x-tokenName"];
        if (typeof named === "string" && named !== "refresh_token") fields.push(named);
        fields.forEach(function (f) { if (has(a.token, f)) token[f] = a.token[f]; });
        if (typeof token[named || "access_token"] !== "string") return;
        kept[name] = { name: name, schema: schema, scopes: Array.isArray(a.scopes) ? a.scopes : [], token: token };
      } else if (schema.type === "http" && String(schema.scheme).toLowerCase() === "bearer" && typeof a.value === "string") {
        kept[name] = { name: name, schema: schema, value: a.value };
      }
      // Anything else (HTTP basic: a password; an API key: a long-lived
      // secret) is not kept.
    });
    return kept;
  }

  function store(authorized) {
    var kept = sanitise(authorized);
    if (Object.keys(kept).length === 0) localStorage.removeItem(KEY);
    else localStorage.setItem(KEY, JSON.stringify(kept));
  }

  // Clean what an older page may have stored, before Swagger UI reads it.
  try {
    if (!config.persistAuthorization) {
      localStorage.removeItem(KEY);
    } else {
      var old = localStorage.getItem(KEY);
      if (old !== null) {
        try { store(JSON.parse(old)); } catch (e) { localStorage.removeItem(KEY); }
      }
    }
  } catch (e) { /* no storage: nothing is kept either */ }

  // SanitisedPersistence replaces Swagger UI's own persistence, which
  // stores the whole record.
  function SanitisedPersistence() {
    return {
      statePlugins: {
        auth: {
          wrapActions: {
            persistAuthorizationIfNeeded: function (_, system) {
              return function () {
                if (!system.getConfigs().persistAuthorization) return;
                try { store(system.authSelectors.authorized().toJS()); } catch (e) { /* nothing kept */ }
              };
            },
            restoreAuthorization: function (ori) {
              return function (payload) {
                return ori({ authorized: sanitise(payload && payload.authorized) });
              };
            }
          }
        }
      }
    };
  }

  config.dom_id = "#swagger-ui";
  config.presets = [SwaggerUIBundle.presets.apis];
  config.plugins = [SanitisedPersistence];
  window.ui = SwaggerUIBundle(config);
})();
