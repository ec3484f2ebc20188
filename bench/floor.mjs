// The floor of a WebSocket transport in Node: raw `ws` ping-pong and streaming between
// two processes over loopback TCP and a Unix socket, with no matching, no headers and no
// serialization — what tsmpi's runtime can at best reach on the same machine in the same
// minute. The same idea as ../shared/anchors/ws_limit.mjs, with the bench suite's
// options and iteration schedule so its lines pair up with tsmpi's.
//
//   node bench/floor.mjs [--transport tcp,unix] [--sizes 8,1K] [--bw-sizes 1M,4M]
//                        [--iters N] [--warmup N] [--window 64] [--mask zero|rfc] [--keep]
//
// --mask zero (the default) gives the client the all-zero mask tsmpi's transport uses
// (DESIGN.md: both ends are ours, so `ws` may skip the XOR); --mask rfc keeps `ws`'s
// random masks, as the anchor does. The floor must not be slower than a lever tsmpi is
// allowed to pull, or the ratios would flatter it.
//
// --keep makes the streaming receiver hold on to every message of a window until it
// acks, as an MPI receiver must (each of the window's receives hands its data to the
// program); the anchor's receiver, and the default here, drops each message at once.
// Its lines say mode "raw-keep". For explaining a bandwidth gap, not for the targets.
import { fork } from 'node:child_process';
import { createServer } from 'node:http';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocket, WebSocketServer } from 'ws';
import { bandwidthIters, bandwidthWarmup, benchOptions, formatRecord, latencyIters, latencyWarmup, schedule } from './options.mjs';

const ZERO_MASK = (mask) => mask.fill(0);

// ---- server: a child process that echoes, or counts a window and acks -------------

function serve(kind, keep) {
  const http = createServer();
  const wss = new WebSocketServer({ server: http, maxPayload: 2 ** 31 - 1, perMessageDeflate: false });
  wss.on('connection', (ws) => {
    let window = 0; // 0: echo every binary frame; W: count W frames, then ack
    let seen = 0;
    const kept = [];
    ws.on('message', (data, isBinary) => {
      if (!isBinary) {
        // Control frames are text, so no payload byte is ever reserved for signalling.
        window = Number(String(data).split(' ')[1] ?? 0);
        seen = 0;
        ws.send('ok');
      } else if (window === 0) ws.send(data, { binary: true });
      else {
        if (keep) kept.push(data);
        if (++seen === window) {
          seen = 0;
          kept.length = 0;
          ws.send('ack');
        }
      }
    });
  });
  if (kind === 'unix') {
    const path = socketPath(process.ppid);
    rmSync(path, { force: true });
    http.listen(path, () => process.send({ url: `ws+unix://${path}` }));
  } else http.listen(0, '127.0.0.1', () => process.send({ url: `ws://127.0.0.1:${http.address().port}` }));
  // Ends with the parent, whatever happens to it: the floor leaves no process behind.
  process.on('disconnect', () => process.exit(0));
}

function socketPath(parentPid) {
  return join(tmpdir(), `tsmpi-floor-${parentPid}.sock`);
}

// ---- client: the measuring side ----------------------------------------------------

async function connect(url, mask) {
  const ws = new WebSocket(url, {
    perMessageDeflate: false,
    maxPayload: 2 ** 31 - 1,
    ...(mask === 'zero' ? { generateMask: ZERO_MASK } : {}),
  });
  ws.binaryType = 'nodebuffer';
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return ws;
}

const nextMessage = (ws) => new Promise((resolve) => ws.once('message', resolve));

async function control(ws, window) {
  ws.send(`window ${window}`);
  await nextMessage(ws);
}

async function pingpong(ws, buf, rounds) {
  for (let i = 0; i < rounds; i++) {
    ws.send(buf);
    await nextMessage(ws);
  }
}

async function stream(ws, buf, window, count) {
  for (let i = 0; i < count; i++) {
    for (let w = 0; w < window; w++) ws.send(buf);
    await nextMessage(ws);
  }
}

async function latency(ws, bytes, opts, transport) {
  const { iters, warmup } = schedule(opts, latencyIters(bytes), latencyWarmup(bytes));
  const buf = Buffer.alloc(bytes, 1);
  await pingpong(ws, buf, warmup);
  const t0 = process.hrtime.bigint();
  await pingpong(ws, buf, iters);
  const usec = Number(process.hrtime.bigint() - t0) / 1e3 / iters / 2;
  return { bench: 'latency', mode: 'raw', bytes, n: 2, transport, usec, iters };
}

async function bandwidth(ws, bytes, opts, transport, keep) {
  const { iters, warmup } = schedule(opts, bandwidthIters(bytes, opts.window), bandwidthWarmup());
  const buf = Buffer.alloc(bytes, 0x42);
  await stream(ws, buf, opts.window, warmup);
  const t0 = process.hrtime.bigint();
  await stream(ws, buf, opts.window, iters);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const MBps = (bytes * opts.window * iters) / seconds / 1e6;
  return { bench: 'bandwidth', mode: keep ? 'raw-keep' : 'raw', bytes, n: 2, transport, MBps, iters, window: opts.window };
}

async function measure(kind, opts, mask, keep) {
  const serverArgs = ['--serve', kind, ...(keep ? ['--keep'] : [])];
  const child = fork(fileURLToPath(import.meta.url), serverArgs, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const { url } = await new Promise((resolve) => child.once('message', resolve));
    const ws = await connect(url, mask);
    await control(ws, 0);
    for (const bytes of opts.sizes) console.log(formatRecord(await latency(ws, bytes, opts, kind)));
    await control(ws, opts.window);
    for (const bytes of opts.bwSizes ?? opts.sizes) console.log(formatRecord(await bandwidth(ws, bytes, opts, kind, keep)));
    ws.close();
  } finally {
    await stopServer(child);
    if (kind === 'unix') rmSync(socketPath(process.pid), { force: true });
  }
}

/** Lets the server exit by itself (so `--cpu-prof` can write its profile), killing it only if it lingers. */
async function stopServer(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  if (child.connected) child.disconnect();
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}

async function main(argv) {
  const { mask = 'zero', keep, rest } = floorFlags(argv);
  if (mask !== 'zero' && mask !== 'rfc') throw new Error(`floor: --mask must be zero or rfc, got ${mask}`);
  const opts = benchOptions(rest);
  for (const kind of opts.transports ?? ['tcp', 'unix']) {
    if (kind !== 'tcp' && kind !== 'unix') throw new Error(`floor: unknown transport ${kind}`);
    await measure(kind, opts, mask, keep);
  }
}

/** Splits the floor's own options (`--mask X`, `--keep`) from the shared bench options. */
function floorFlags(argv) {
  const out = [];
  let mask;
  let keep = false;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--mask') mask = argv[++i];
    else if (argv[i].startsWith('--mask=')) mask = argv[i].slice(7);
    else if (argv[i] === '--keep') keep = true;
    else out.push(argv[i]);
  }
  return { mask, keep, rest: out };
}

if (process.argv[2] === '--serve') serve(process.argv[3], process.argv[4] === '--keep');
else await main(process.argv.slice(2));
