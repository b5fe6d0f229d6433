// Start GOV.UK Frontend's components (it was an inline module script; the
// Content-Security-Policy allows none). Pages work without it.
import { initAll } from "../vendor/govuk/govuk-frontend.min.js";

initAll();
