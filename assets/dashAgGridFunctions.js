/* Functions that dash-ag-grid looks up by name (eventListeners, value formatters). */
var dagfuncs = (window.dashAgGridFunctions = window.dashAgGridFunctions || {});

/* The queue's selection, straight from the grid API: with the infinite row model the
   grid's selectedRows prop can lag behind, so Take and the bulk bar read this store. */
dagfuncs.queueSelectionChanged = function (params) {
  var rows = params.api.getSelectedRows().map(function (row) {
    return {id: row.id, assignee_id: row.assignee_id, status: row.status};
  });
  window.dash_clientside.set_props("home-selected", {data: rows});
};
