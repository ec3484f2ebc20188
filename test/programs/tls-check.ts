// Under --tls: the coordinator is reached over wss://, a plaintext client gets no HTTP
// answer from it, and the job still works across hosts (allreduce, a 1 MiB message).
import { connect } from 'node:net';
import { run, SUM } from 'tsmpi';

const coordinator = process.env.TSMPI_COORD ?? '';

function plaintextAnswer(url: URL): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(Number(url.port), url.hostname);
    let got = '';
    socket.on('data', (d) => (got += d.toString('latin1')));
    socket.on('error', () => resolve(got));
    socket.on('close', () => resolve(got));
    socket.on('connect', () => socket.write('GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n'));
    setTimeout(() => socket.destroy(), 2000);
  });
}

await run(async (world) => {
  const total = await world.allreduce(world.rank, SUM);
  let answer: string | null = null;
  if (world.rank === 0) answer = await plaintextAnswer(new URL(coordinator));
  const last = world.size - 1;
  let bigOk: boolean | null = null;
  if (world.rank === 0) await world.send(new Float64Array(1 << 17).fill(3.5), last);
  if (world.rank === last) {
    const a = await world.recv<Float64Array>(0);
    bigOk = a.length === 1 << 17 && a.every((v) => v === 3.5);
  }
  console.log(JSON.stringify({ rank: world.rank, scheme: coordinator.split(':')[0], total, plaintextGotHttp: answer === null ? null : answer.includes('HTTP/1.1'), bigOk }));
});
