// When the session has expired the server answers Dash's requests with 401:
// send the person to the login page (and back here afterwards) instead of
// leaving a page that silently stops updating.
(function () {
  var originalFetch = window.fetch;
  if (!originalFetch) {
    return;
  }
  window.fetch = function () {
    return originalFetch.apply(this, arguments).then(function (response) {
      if (response.status === 401 && response.url.indexOf("/_dash-") !== -1) {
        var here = window.location.pathname + window.location.search;
        window.location.assign("/login?next=" + encodeURIComponent(here));
      }
      return response;
    });
  };
})();
