// Rank 0 plays an intruder against its own job (run with -n 3, on Unix sockets or with
// TSMPI_TRANSPORT=tcp): it attacks the coordinator and rank 1 with handshakes that
// lack the secret, use a wrong one, carry a forged proof, were made for another
// endpoint, or replay one it made itself, and with raw sockets that send garbage,
// half a request, or nothing at all. Meanwhile the other ranks wait in a barrier;
// afterwards every rank runs a ring and an allreduce, so a harmed job shows.
//
// Rank 0 prints one JSON line, prefixed "INTRUDER ", with every attempt's outcome and
// the checks of the job directory, the listeners' addresses and the command lines.
//
// argv[2] = 'latin1-proof' (argv[3] = 'rank:1' or 'coordinator') instead sends one
// handshake whose proof header holds a non-ASCII byte (64 characters, 65 UTF-8 bytes);
// argv[2] = 'garbage' only sends random bytes to both. Then the same ring follows.
//
// The handshake format (HMAC-SHA256 of "tsmpi-client|from|to|nonce" with the job
// secret) is written out here on purpose rather than imported, as an attacker would.
import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import WebSocket from 'ws';
import { init, finalize, MAX, SUM } from 'tsmpi';

const secret = process.env.TSMPI_SECRET ?? '';
const jobDir = process.env.TSMPI_JOBDIR ?? '';
const coordUrl = process.env.TSMPI_COORD ?? '';
const mode = process.argv[2] ?? 'all';

const world = await init();
if (world.size < 3) throw new Error('intruder-attack needs at least 3 ranks');

// ---- where the listeners are ---------------------------------------------------------

interface TcpListen {
  address: string;
  port: number;
}

/** Listening TCP sockets of process `pid` (from /proc: its socket inodes, then the tables). */
function listeningTcp(pid: string): TcpListen[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]);
    } catch {
      /* closed meanwhile */
    }
  }
  const found: TcpListen[] = [];
  for (const table of ['tcp', 'tcp6']) {
    let text = '';
    try {
      text = readFileSync(`/proc/${pid}/net/${table}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.trim().split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[3] !== '0A' || !inodes.has(f[9])) continue; // 0A = LISTEN
      const [hexAddr, hexPort] = f[1].split(':');
      found.push({ address: decodeAddress(hexAddr), port: parseInt(hexPort, 16) });
    }
  }
  return found;
}

function decodeAddress(hex: string): string {
  if (hex.length === 8) {
    const n = parseInt(hex, 16);
    return [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, n >>> 24].join('.');
  }
  return hex === '00000000000000000000000000000000' ? '::' : `ipv6:${hex}`;
}

// Every rank reports its own listening TCP sockets; rank 0 attacks rank 1 through them.
const listens = await world.allgather(listeningTcp('self'));

interface Target {
  name: string; // the endpoint name in handshakes
  wsUrl: string;
  net: { path: string } | { host: string; port: number };
}

function targetFor(name: 'coordinator' | 'rank:1'): Target {
  if (name === 'coordinator') {
    if (coordUrl.startsWith('ws+unix://')) {
      const path = coordUrl.slice('ws+unix://'.length).replace(/:\/$/, '');
      return { name, wsUrl: coordUrl, net: { path } };
    }
    const u = new URL(coordUrl);
    return { name, wsUrl: coordUrl, net: { host: u.hostname, port: Number(u.port) } };
  }
  if (process.env.TSMPI_TRANSPORT !== 'tcp') {
    const path = join(jobDir, 'r1.sock');
    return { name, wsUrl: `ws+unix://${path}:/`, net: { path } };
  }
  const l = listens[1][0];
  if (!l) throw new Error('rank 1 has no TCP listener');
  return { name, wsUrl: `ws://${l.address}:${l.port}/`, net: { host: l.address, port: l.port } };
}

// ---- the attacks ------------------------------------------------------------------------

function hmac(key: string, text: string): string {
  return createHmac('sha256', key).update(text).digest('hex');
}

function handshake(key: string, from: string, to: string): Record<string, string> {
  const nonce = randomBytes(16).toString('hex');
  return {
    'x-tsmpi-from': from,
    'x-tsmpi-to': to,
    'x-tsmpi-nonce': nonce,
    'x-tsmpi-proof': hmac(key, `tsmpi-client|${from}|${to}|${nonce}`),
  };
}

/** What one attack got (the test reads these from the program's output). */
export interface Outcome {
  attack: string;
  target: string;
  /** HTTP status of a refused upgrade, if the server answered one. */
  status?: number;
  /** Whether a WebSocket was ever opened. */
  opened: boolean;
  /** Whether the server closed the connection (rather than us, after waiting). */
  closedByServer: boolean;
  /** Bytes the server answered on a raw socket (first line only). */
  answer?: string;
  error?: string;
  ms: number;
}

/** A WebSocket upgrade with `headers`; waits until the server refuses or closes it. */
function tryWs(attack: string, target: Target, headers: Record<string, string>): Promise<Outcome> {
  const start = Date.now();
  return new Promise((resolve) => {
    const out: Outcome = { attack, target: target.name, opened: false, closedByServer: false, ms: 0 };
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      out.ms = Date.now() - start;
      resolve(out);
    };
    const ws = new WebSocket(target.wsUrl, { headers, perMessageDeflate: false, handshakeTimeout: 10_000 });
    // A last resort; normally the server answers, or (below) a WebSocket that opened is
    // given 3 s for the server to throw us out before we close it ourselves.
    const timer = setTimeout(() => {
      ws.terminate();
      finish();
    }, 12_000);
    ws.on('unexpected-response', (req, res) => {
      out.status = res.statusCode;
      out.closedByServer = true;
      req.destroy();
      finish();
    });
    ws.on('open', () => {
      out.opened = true;
      setTimeout(() => {
        ws.terminate();
        finish();
      }, 3000);
    });
    ws.on('error', (err) => {
      out.error = err.message;
      out.closedByServer = true;
      finish();
    });
    ws.on('close', () => {
      out.closedByServer = true;
      finish();
    });
  });
}

/** A raw socket that sends `bytes` (or nothing) and waits up to `waitMs` for the server to close it. */
function tryRaw(attack: string, target: Target, bytes: Buffer | null, waitMs: number): Promise<Outcome> {
  const start = Date.now();
  return new Promise((resolve) => {
    const out: Outcome = { attack, target: target.name, opened: false, closedByServer: false, ms: 0 };
    const socket: Socket = connect(target.net as never);
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      out.ms = Date.now() - start;
      const text = Buffer.concat(chunks).toString('latin1');
      if (text) out.answer = text.split('\r\n')[0].slice(0, 80);
      out.opened = /^HTTP\/1\.1 101/.test(text);
      if (out.answer) {
        const m = /^HTTP\/1\.[01] (\d{3})/.exec(out.answer);
        if (m) out.status = Number(m[1]);
      }
      socket.destroy();
      resolve(out);
    };
    const timer = setTimeout(finish, waitMs);
    socket.on('connect', () => {
      if (bytes) socket.write(bytes);
    });
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('error', (err) => {
      out.error = err.message;
    });
    socket.on('close', () => {
      out.closedByServer = true;
      finish();
    });
  });
}

function upgradeRequest(extraHeaders: string): Buffer {
  const text =
    'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
    'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n' +
    extraHeaders +
    '\r\n';
  return Buffer.from(text, 'latin1');
}

async function attack(target: Target, other: string): Promise<Outcome[]> {
  // Slow attacks first, so their timeouts overlap the rest.
  const silent = tryRaw('silent', target, null, 15_000);
  const halfRequest = tryRaw('half request', target, Buffer.from('GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n'), 15_000);
  const results: Outcome[] = [];
  results.push(await tryWs('no credentials', target, {}));
  results.push(await tryWs('wrong secret', target, handshake(randomBytes(32).toString('hex'), 'rank:0', target.name)));
  const forged = handshake(secret, 'rank:0', target.name);
  forged['x-tsmpi-proof'] = randomBytes(32).toString('hex');
  results.push(await tryWs('forged proof', target, forged));
  // A correct handshake, made for another endpoint of the same job.
  results.push(await tryWs('other endpoint', target, handshake(secret, 'rank:0', other)));
  // A handshake for a client that does not exist: refused after authentication the
  // first time (the coordinator knows no rank 99; a rank takes only ranks as peers),
  // and refused as a replay the second time.
  const from = target.name === 'coordinator' ? 'rank:99' : 'intruder';
  const once = handshake(secret, from, target.name);
  results.push(await tryWs('replay (first use)', target, once));
  results.push(await tryWs('replay', target, once));
  results.push(await tryRaw('garbage', target, randomBytes(512), 5000));
  results.push(await tryRaw('plain http', target, Buffer.from('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n'), 8000));
  results.push(await silent, await halfRequest);
  return results;
}

// ---- other checks ------------------------------------------------------------------------

function jobDirMode(): string {
  return (statSync(jobDir).mode & 0o777).toString(8);
}

/** The pids whose command line contains the secret (ours and everyone else's). */
function secretOnCommandLines(): { checked: number; leaks: number[] } {
  let checked = 0;
  const leaks: number[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    checked++;
    if (cmdline.includes(secret)) leaks.push(Number(pid));
  }
  return { checked, leaks };
}

// ---- the run ------------------------------------------------------------------------------

await world.barrier();
if (world.rank === 0) {
  if (secret.length < 64) throw new Error('no secret in the environment before init');
  const coordinator = targetFor('coordinator');
  const rank1 = targetFor('rank:1');
  let outcomes: Outcome[];
  if (mode === 'latin1-proof') {
    // argv[3]: 'rank:1' or 'coordinator'
    const target = process.argv[3] === 'coordinator' ? coordinator : rank1;
    const h = handshake(secret, 'rank:0', target.name);
    const headers =
      `X-Tsmpi-From: rank:0\r\nX-Tsmpi-To: ${target.name}\r\nX-Tsmpi-Nonce: ${h['x-tsmpi-nonce']}\r\n` +
      `X-Tsmpi-Proof: \u00e9${'a'.repeat(63)}\r\n`;
    outcomes = [await tryRaw('latin1 proof', target, upgradeRequest(headers), 5000)];
  } else if (mode === 'garbage') {
    outcomes = [await tryRaw('garbage', coordinator, randomBytes(512), 5000), await tryRaw('garbage', rank1, randomBytes(512), 5000)];
  } else {
    const both = await Promise.all([attack(coordinator, 'rank:1'), attack(rank1, 'rank:2')]);
    outcomes = both.flat();
  }
  const report = {
    transport: process.env.TSMPI_TRANSPORT === 'tcp' ? 'tcp' : 'unix',
    outcomes,
    jobDirMode: jobDirMode(),
    jobDirEntries: readdirSync(jobDir),
    tcpListeners: { ranks: listens, launcher: listeningTcp(String(process.ppid)) },
    cmdlines: secretOnCommandLines(),
    secretVisibleAfterInit: process.env.TSMPI_SECRET !== undefined,
  };
  console.log(`INTRUDER ${JSON.stringify(report)}`);
}
await world.barrier();

// The job goes on: a ring of messages both ways and an allreduce.
const right = (world.rank + 1) % world.size;
const left = (world.rank - 1 + world.size) % world.size;
const fromLeft = await world.sendrecv({ from: world.rank, data: new Float64Array(1000).fill(world.rank) }, right, 5, left, 5);
const got = fromLeft as { from: number; data: Float64Array };
if (got.from !== left || got.data[999] !== left) throw new Error(`ring: rank ${world.rank} got ${JSON.stringify(got.from)}`);
const big = await world.sendrecv(new Uint8Array(1 << 20).fill(world.rank), left, 6, right, 6);
if ((big as Uint8Array)[12345] !== right) throw new Error('ring (large) corrupted');
const sum = await world.allreduce(world.rank + 1, SUM);
const max = await world.allreduce(world.rank, MAX);
if (sum !== (world.size * (world.size + 1)) / 2 || max !== world.size - 1) throw new Error('allreduce wrong');
console.log(`rank ${world.rank}: ring and allreduce ok after the intruder`);
await finalize();
