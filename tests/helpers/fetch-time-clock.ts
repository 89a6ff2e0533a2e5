// The clock lives with the `strata/testing` helpers, which use it the same way; tests import it from here.
export { FetchTimeClock } from '../../src/testing/fetch-time-clock.js';
