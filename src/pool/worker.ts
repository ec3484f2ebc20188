/**
 * A worker rank of a pool: runs the chunks rank 0 sends, in order, until the pool closes.
 */
import type { Comm } from '../comm/comm.js';
import { encode } from '../codec/value.js';
import { describeFailure, TAG_RESULTS, TAG_WORK, type ChunkMessage, type ResultMessage, type WorkMessage } from './protocol.js';
import { findTask, runTask, type TaskTable } from './tasks.js';

/** Serves rank 0 until it closes the pool; resolves null (what `Pool.start` gives workers). */
export async function serve(comm: Comm, tasks: TaskTable): Promise<null> {
  for (;;) {
    const message = await comm.recv<WorkMessage>(0, TAG_WORK);
    if (message.t === 'close') break;
    sendResults(comm, await runChunk(tasks, message));
  }
  comm.free();
  return null;
}

/** Runs a chunk's items one after another; a task that throws fails its item only. */
async function runChunk(tasks: TaskTable, chunk: ChunkMessage): Promise<ResultMessage> {
  const result: ResultMessage = { id: chunk.id, values: new Array(chunk.items.length), failures: [] };
  let task: (arg: unknown) => unknown;
  try {
    task = findTask(tasks, chunk.task);
  } catch (err) {
    // Rank 0 checks names against its own table; this one only differs if the tables do.
    result.failures = chunk.items.map((_, i) => [i, describeFailure(err)]);
    return result;
  }
  for (let i = 0; i < chunk.items.length; i++) {
    const outcome = await runTask(task, chunk.items[i]);
    if (outcome.ok) result.values[i] = outcome.value;
    else result.failures.push([i, outcome.failure]);
  }
  return result;
}

/**
 * Sends a chunk's results without waiting (the next chunk can start at once; p2p keeps
 * them in order and finalize delivers them). A result that cannot be sent (a function,
 * say) fails its own item instead of the chunk.
 */
function sendResults(comm: Comm, result: ResultMessage): void {
  try {
    comm.isend(result, 0, TAG_RESULTS);
  } catch (err) {
    comm.isend(withUnsendableFailed(result, err), 0, TAG_RESULTS);
  }
}

function withUnsendableFailed(result: ResultMessage, err: unknown): ResultMessage {
  const failures = [...result.failures];
  const values = result.values.map((value, i) => {
    try {
      encode(value);
      return value;
    } catch (itemErr) {
      failures.push([i, { ...describeFailure(itemErr), unsendable: true }]);
      return undefined;
    }
  });
  // Nothing to blame on one item: the whole message could not be encoded. The items that
  // threw keep their own failures.
  if (failures.length === result.failures.length) {
    const thrown = new Map(result.failures);
    return {
      id: result.id,
      values: values.map(() => undefined),
      failures: values.map((_, i) => [i, thrown.get(i) ?? { ...describeFailure(err), unsendable: true }]),
    };
  }
  // In item order, as rank 0 reports the first and a pool without workers meets them.
  return { id: result.id, values, failures: failures.sort((a, b) => a[0] - b[0]) };
}
