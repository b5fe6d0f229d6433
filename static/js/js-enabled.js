// Loaded at the top of <body> (it was an inline script; the Content-Security-Policy allows none):
// GOV.UK Frontend styles its components for JavaScript only once these classes are set.
document.body.className +=
  " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " govuk-frontend-supported" : "");
