/* Cell renderers for dash-ag-grid (looked up by name in columnDefs.cellRenderer). */
var dagcomponentfuncs = (window.dashAgGridComponentFunctions = window.dashAgGridComponentFunctions || {});

/* A case number as a link to its workspace; React escapes the text. */
dagcomponentfuncs.CaseLink = function (props) {
  if (!props.value) {
    return null;
  }
  return React.createElement(
    "a",
    {href: "/cases/" + encodeURIComponent(props.value), className: "queue-case-link"},
    props.value
  );
};
