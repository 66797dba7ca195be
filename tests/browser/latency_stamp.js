// Reads the agent's --latency-probe stamp (src/engine/latency_probe.h) out of
// a painted <video> frame, in the page. A plain script, not a module: the
// Chromium runs add it with addInitScript({ path }) (bench/browser_latency.mjs,
// tests/browser/nat_viewer.mjs) and use window.gwaLatencyStamp.
//
// The stamp is the wall clock at capture, in ms mod 2^32, in the top-left
// 256x48 of the picture: 3 rows of 16 blocks of 16x16, one bit per block
// (the stamp's high half, its low half, then a CRC-16/CCITT-FALSE over its 4
// bytes, most significant first: engine::LatencyStampCheck).
(() => {
  const BLOCK = 16;
  const W = 16 * BLOCK;
  const H = 3 * BLOCK;

  const crc16 = (stamp) => {
    let crc = 0xffff;
    for (let byte = 3; byte >= 0; byte--) {
      crc ^= ((stamp >>> (8 * byte)) & 0xff) << 8;
      for (let bit = 0; bit < 8; bit++) {
        crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
      }
    }
    return crc;
  };

  // Luma of the centre 8x8 of each block: the edges ring after compression,
  // and the browser has turned limited-range 16/235 into about 0/255.
  const readBits = (px, row) => {
    let bits = 0;
    for (let col = 0; col < 16; col++) {
      let sum = 0;
      for (let y = row * BLOCK + 4; y < row * BLOCK + 12; y++) {
        for (let x = col * BLOCK + 4; x < col * BLOCK + 12; x++) {
          const i = (y * W + x) * 4;
          sum += 0.299 * px[i] + 0.587 * px[i + 1] + 0.114 * px[i + 2];
        }
      }
      bits = (bits << 1) | (sum / 64 > 127.5 ? 1 : 0);
    }
    return bits >>> 0;
  };

  // One reader per video: its own small canvas, read back often.
  const reader = (video) => {
    const canvas = document.createElement('canvas');
    canvas.width = W;
    canvas.height = H;
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    // The stamp of the frame being presented (at its decoded size: no
    // scaling), or null when its CRC does not match.
    return () => {
      ctx.drawImage(video, 0, 0, W, H, 0, 0, W, H);
      const px = ctx.getImageData(0, 0, W, H).data;
      const stamp = ((readBits(px, 0) << 16) | readBits(px, 1)) >>> 0;
      return readBits(px, 2) === crc16(stamp) ? stamp : null;
    };
  };

  // Milliseconds from the stamp to a DOMHighResTimeStamp of this page (e.g.
  // requestVideoFrameCallback's expectedDisplayTime). Unsigned ms mod 2^32
  // on both sides: the difference as int32. The stamp is the capture time
  // floored to the ms, so up to 1 ms early.
  const sinceMs = (stamp, highResTime) => {
    const wall = performance.timeOrigin + highResTime;
    const ms = Math.floor(wall);
    return ((ms - stamp) | 0) + (wall - ms);
  };

  window.gwaLatencyStamp = { reader, sinceMs };
})();
