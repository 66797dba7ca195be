// Keeps every RTCPeerConnection the page creates in window.gwaPeers, so test
// and bench code can read getStats() and ICE states of the viewer page's
// peers. A plain script, not a module: Chromium runs add it with
// addInitScript({ path }) before the page's own scripts (bench/browser.mjs,
// bench/browser_latency.mjs, tests/browser/offer_candidates.test.mjs). A run
// that needs more of each peer wraps window.RTCPeerConnection again in a
// later init script; that class extends this one, so peers are still kept.
(() => {
  const Original = window.RTCPeerConnection;
  window.gwaPeers = [];
  window.RTCPeerConnection = class extends Original {
    constructor(...args) {
      super(...args);
      window.gwaPeers.push(this);
    }
  };
})();
