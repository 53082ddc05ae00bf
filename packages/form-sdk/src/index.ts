// The ESM entry for bundlers: the same code the <script> build runs, as functions.
export {
  type Attribution,
  type AttributionOptions,
  CLICK_IDS,
  captureAttribution,
  type Touch,
  type Utm,
} from "./attribution";
export { type AttachOptions, attachForm, type ErrorDetail, readForm, type SuccessDetail } from "./form";
export {
  attributionFields,
  type FieldValue,
  GenieSubmitError,
  isGenieSubmitError,
  type Registration,
  type SubmitOptions,
  type SubmitResult,
  submitRegistration,
} from "./submit";
