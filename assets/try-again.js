// When the database is away or busy the server answers Dash's requests with 503 and
// {"error": "…try again…"} (pages/_unavailable.py): show that sentence at the top of
// the page instead of a page that silently stops updating, and take it away as soon
// as a request goes through again.
(function () {
  var originalFetch = window.fetch;
  if (!originalFetch) {
    return;
  }

  function banner() {
    var node = document.getElementById("app-try-again");
    if (!node) {
      node = document.createElement("div");
      node.id = "app-try-again";
      node.className = "alert alert-warning shadow position-fixed top-0 start-50 translate-middle-x mt-2";
      node.setAttribute("role", "alert");
      node.style.zIndex = "3000";
      node.hidden = true;
      document.body.appendChild(node);
    }
    return node;
  }

  window.fetch = function () {
    return originalFetch.apply(this, arguments).then(function (response) {
      if (response.url.indexOf("/_dash-update-component") === -1) {
        return response;
      }
      if (response.status === 503) {
        response.clone().json().then(function (body) {
          var node = banner();
          node.textContent = (body && body.error) || "Please try again in a moment.";
          node.hidden = false;
        }).catch(function () {});
      } else if (response.ok) {
        var node = document.getElementById("app-try-again");
        if (node) {
          node.hidden = true;
        }
      }
      return response;
    });
  };
})();
