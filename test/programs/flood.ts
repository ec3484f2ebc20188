// Rank 0 floods rank 1 with 1 GiB in 1 MiB messages, keeping 512 sends in flight;
// rank 1 sleeps 5 s before it receives anything. Rank 1 checks every byte and prints
// its peak memory, which must stay far below what the flood would take if it were
// buffered at the receiver.
import { run, Request } from 'tsmpi';

const MESSAGE = 1 << 20;
const TOTAL = Number(process.argv[2] ?? 1024);
const WINDOW = 512;
const SLEEP_MS = Number(process.argv[3] ?? 5000);

function fill(seq: number): Uint32Array {
  const a = new Uint32Array(MESSAGE / 4);
  for (let i = 0; i < a.length; i += 1024) a[i] = seq * 2654435761 + i;
  a[a.length - 1] = seq;
  return a;
}

await run(async (world) => {
  if (world.rank === 0) {
    const inflight: Request<void>[] = [];
    for (let seq = 0; seq < TOTAL; seq++) {
      inflight.push(world.isend(fill(seq), 1, 1));
      if (inflight.length === WINDOW) await inflight.shift();
    }
    await Request.waitall(inflight);
  } else if (world.rank === 1) {
    await new Promise((r) => setTimeout(r, SLEEP_MS));
    let bytes = 0;
    for (let seq = 0; seq < TOTAL; seq++) {
      const a = await world.recv<Uint32Array>(0, 1);
      if (a.length !== MESSAGE / 4 || a[a.length - 1] !== seq) throw new Error(`message ${seq} out of order or short`);
      for (let i = 0; i < a.length; i += 1024) {
        if (a[i] !== ((seq * 2654435761 + i) >>> 0)) throw new Error(`message ${seq} corrupted at ${i}`);
      }
      bytes += a.byteLength;
    }
    const peakMB = process.resourceUsage().maxRSS / 1024;
    console.log(JSON.stringify({ bytes, peakMB }));
  }
});
