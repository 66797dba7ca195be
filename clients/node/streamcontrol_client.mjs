// A small Node.js client for gstwebrtc-agent's StreamControl API, with
// @grpc/grpc-js and @grpc/proto-loader: the .proto is loaded at run time, so
// there is no generated code to keep in step. Run as a script for a demo:
//
//   node clients/node/streamcontrol_client.mjs --server 127.0.0.1:50051 --stream node-demo
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';

const PROTO_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../proto');

// Enums as names ('STREAMING'), 64-bit numbers as strings, unset optional
// fields absent: the shape grpcurl and streamctl --json show.
const definition = protoLoader.loadSync('streamcontrol/v1/streamcontrol.proto', {
  includeDirs: [PROTO_DIR], keepCase: false, longs: String, enums: String, defaults: true,
  oneofs: true,
});
const { StreamControl } = grpc.loadPackageDefinition(definition).streamcontrol.v1;

export class StreamControlClient {
  constructor(server, { token, timeoutMs = 10000 } = {}) {
    this.stub = new StreamControl(server, grpc.credentials.createInsecure());
    this.metadata = new grpc.Metadata();
    if (token) this.metadata.set('authorization', `Bearer ${token}`);
    this.timeoutMs = timeoutMs;
  }

  #unary(method, request) {
    return new Promise((resolve, reject) => {
      this.stub[method](request, this.metadata, { deadline: Date.now() + this.timeoutMs },
        (err, reply) => (err ? reject(err) : resolve(reply)));
    });
  }

  start(streamId, sourceUri, { directorUrl = '', feedName = '', quality = {} } = {}) {
    return this.#unary('Start', {
      streamId, sourceUri, quality, ahoy: { directorUrl, feedName },
    });
  }
  setQuality(streamId, quality) { return this.#unary('SetQuality', { streamId, quality }); }
  get(streamId) { return this.#unary('GetStream', { streamId }); }
  async list() { return (await this.#unary('ListStreams', {})).streams; }
  stop(streamId) { return this.#unary('Stop', { streamId }); }

  // Resolves with the first `count` StreamStats, then cancels the stream.
  watch(streamId, { intervalMs = 1000, count = 1 } = {}) {
    return new Promise((resolve, reject) => {
      const samples = [];
      const call = this.stub.WatchStats({ streamId, intervalMs }, this.metadata);
      call.on('data', (sample) => {
        samples.push(sample);
        if (samples.length === count) {
          call.cancel();
          resolve(samples);
        }
      });
      call.on('error', (err) => {
        if (err.code !== grpc.status.CANCELLED) reject(err);
      });
    });
  }

  close() { this.stub.close(); }
}

export { grpc };

async function main() {
  const arg = (name, fallback) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? process.argv[i + 1] : fallback;
  };
  const client = new StreamControlClient(arg('server', '127.0.0.1:50051'));
  const id = arg('stream', 'node-demo');
  const started = await client.start(id, arg('source', 'test://smpte'), {
    directorUrl: arg('director', ''), quality: { width: 640, height: 360 },
  });
  console.log(`started ${started.streamId}: ${started.state}`);
  const set = await client.setQuality(id, { bitrateKbps: 800 });
  console.log(`bitrate now ${set.quality.bitrateKbps} kbps`);
  for (const s of await client.watch(id, { intervalMs: 500, count: 3 })) {
    console.log(`${s.streamId} ${s.state} ${Math.round(s.sendBitrateKbps)} kbps`);
  }
  await client.stop(id);
  client.close();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
