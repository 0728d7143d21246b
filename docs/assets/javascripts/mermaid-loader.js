/*
 * Stand-in for the `mermaid` global that Material for MkDocs looks for.
 *
 * Material loads mermaid from a CDN only when no global `mermaid` exists. This
 * stand-in defines that global, remembers the configuration Material passes to
 * `initialize`, and fetches the real, locally served mermaid.min.js (copied from
 * the npm package pinned in package-lock.json by `make assets`) the first time a
 * diagram is rendered. Pages without diagrams never download it.
 *
 * If the local file is missing (npm was not available during setup), it falls back
 * to the URL Material itself would have used, so `mkdocs serve` still draws the
 * diagrams when online. The built and tested site always ships the local copy.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var base = script && script.src ? script.src : window.location.href;
  var localUrl = new URL("vendor/mermaid.min.js", base).href;
  var materialDefaultUrl = "https://unpkg.com/mermaid@11/dist/mermaid.min.js";
  var options = null;
  var loading = null;

  function inject(src) {
    return new Promise(function (resolve, reject) {
      var tag = document.createElement("script");
      tag.src = src;
      tag.onload = resolve;
      tag.onerror = function () {
        tag.remove();
        reject(new Error("could not load " + src));
      };
      document.head.appendChild(tag);
    });
  }

  function loadRealMermaid() {
    if (!loading) {
      loading = inject(localUrl)
        .catch(function () {
          console.warn("mermaid.min.js is not served locally; run `make assets`.");
          return inject(materialDefaultUrl);
        })
        .then(function () {
          var real = window.mermaid;
          if (options) {
            real.initialize(options);
          }
          return real;
        });
    }
    return loading;
  }

  window.mermaid = {
    initialize: function (config) {
      options = config;
    },
    render: function (id, text, container) {
      return loadRealMermaid().then(function (real) {
        return real.render(id, text, container);
      });
    },
  };
})();
