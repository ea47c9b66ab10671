// Behaviour shared by every page. No inline scripts (the CSP forbids them).
document.addEventListener("submit", (event) => {
  // A form asks before it is sent (data-confirm on the form), or only when one of its buttons sends it (on the
  // button: "submit for approval" asks, "save draft" does not).
  const form = event.target.closest("form[data-confirm]");
  const message = event.submitter?.dataset.confirm || form?.dataset.confirm;
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});
document.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-confirm]");
  if (link && !window.confirm(link.dataset.confirm)) {
    event.preventDefault();
  }
});
