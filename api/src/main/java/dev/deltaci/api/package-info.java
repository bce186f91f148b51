/**
 * The wire contract between the control plane and its runners: every runner-API request and
 * answer, and the job queue's message, as records, with one JSON mapping ({@link WireJson}) used by
 * both sides. Answers are sealed: an answer's {@code outcome} field names its record, so neither
 * side guesses what happened from an HTTP status or from error text. A call the API refuses
 * without an outcome (a malformed request, an expired credential, an outage) is a {@link Problem}.
 *
 * <p>Field names are the protocol: renaming a record component changes what runners already out
 * there send and understand. Unknown fields are ignored both ways, so either side can be newer.
 */
package dev.deltaci.api;
